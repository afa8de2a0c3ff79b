#!/bin/bash
# ZONE_NORMAL: online_kernel (also straight from offline_depopulated), and a
# block in use by an unmovable allocation, which neither offline nor
# offline_depopulated may take (EBUSY, block stays online and mapped).
# It runs last: the kernel may allocate from a ZONE_NORMAL block at once,
# after which it cannot be offlined any more.
. /harness/lib.sh

b=$(vmem_blocks | head -1)
f=$MEMDIR/memory$b/state
depop=0
[ -f $MEMDIR/memory$b/depopulatable ] && depop=1

if [ $depop = 1 ]; then
	load_depop_test || bail "insmod depop_test.ko"
	expect "memory$b: offline_depopulated" OK "$(swrite "$f" offline_depopulated)"
	expect "memory$b: online_kernel from offline_depopulated" OK "$(swrite "$f" online_kernel)"
	expect "memory$b: online" online "$(block_state "$b")"
	expect "memory$b: probe succeeds" 0 "$(probe_block "$b")"
else
	expect "memory$b: offline" OK "$(swrite "$f" offline)"
	expect "memory$b: online_kernel write succeeds" OK "$(swrite "$f" online_kernel)"
fi
expect "memory$b: now in ZONE_NORMAL" Normal "$(cat $MEMDIR/memory$b/valid_zones)"

if [ $depop = 1 ]; then
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
fi

r=$(swrite "$f" offline)
case $r in
OK) expect "memory$b: offlined from ZONE_NORMAL" offline "$(block_state "$b")"
    expect "memory$b: back to online_movable" OK "$(swrite "$f" online_movable)" ;;
EBUSY) expect "memory$b: offline refused (EBUSY), block still online" online "$(block_state "$b")" ;;
*) fail "memory$b: offline from ZONE_NORMAL gives OK or EBUSY" "got $r" ;;
esac
