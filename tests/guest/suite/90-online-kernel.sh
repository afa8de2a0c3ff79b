#!/bin/bash
# ZONE_NORMAL: online_kernel straight from offline_depopulated, and a
# block in use by an unmovable allocation, which neither offline nor offline_depopulated may take
# (EBUSY, block stays online and mapped).
# It runs last: the kernel may allocate from a ZONE_NORMAL block at once,
# after which it cannot be offlined any more.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

b=$(vmem_blocks | head -1)
f=$MEMDIR/memory$b/state

expect "memory$b: offline_depopulated" OK "$(swrite "$f" offline_depopulated)"
expect "memory$b: online_kernel from offline_depopulated" OK "$(swrite "$f" online_kernel)"
expect "memory$b: online in ZONE_NORMAL, mapped" "online Normal 0" \
	"$(block_state "$b") $(cat $MEMDIR/memory$b/valid_zones) $(probe_block "$b")"

# Whether a ZONE_NORMAL block can be offlined again depends on what the
# kernel allocated from it meanwhile: even right after onlining, page tables
# of the processes this script forks land there (seen here), so only the
# outcome that a pinned page forces is asserted.

# Pin one free page of the block with an unmovable allocation.
pfn=$(($(block_phys "$b") / 4096 + 4096))
for ((i = 0; i < 64; i++)); do
	echo $((pfn + i * 7)) > $DEPOP/pin 2>/dev/null && break
done
expect "a page of memory$b is pinned" 1 "$(cat $DEPOP/pin)"
expect "pinned block: offline_depopulated is EBUSY" EBUSY "$(swrite "$f" offline_depopulated)"
expect "pinned block: still online" online "$(block_state "$b")"
expect "pinned block: still mapped" 0 "$(probe_block "$b")"
expect "pinned block: offline is EBUSY" EBUSY "$(swrite "$f" offline)"
expect "pinned block: still online after offline" online "$(block_state "$b")"
echo -1 > $DEPOP/pin
expect "pin released" 0 "$(cat $DEPOP/pin)"
# Leave the block online: whether the kernel allocated from it meanwhile is
# not for this test to decide.
