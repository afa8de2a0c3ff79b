#!/bin/bash
# online_type online_kernel, and disabling a region whose block is in use
# (a page pinned by an unmovable allocation): EBUSY, and the region stays
# enabled with its blocks online. Runs last: once memory is in ZONE_NORMAL
# the kernel may allocate from it, so it may not be removable afterwards.
. /harness/lib.sh
. /harness/withheld_ram.sh

bs=$(block_size)
start=$((0xb8000000))
b=$((start / bs))
load_depop_test || bail "insmod depop_test.ko"

# Only the busy outcome is asserted: whether a ZONE_NORMAL region can be
# deleted depends on what the kernel allocated from it meanwhile (page
# tables of forked processes land there even right after onlining). The
# region tests with movable memory delete regions (10-lifecycle).
expect "region k: 0xb8000000+128M online_kernel" OK \
	"$(withheld_ram_create k 0xb8000000 128M online_kernel)"
expect "memory$b: online" online "$(block_state "$b")"
expect "memory$b: ZONE_NORMAL" Normal "$(cat $MEMDIR/memory$b/valid_zones)"

pfn=$((start / 4096 + 4096))
for ((i = 0; i < 64; i++)); do
	echo $((pfn + i * 7)) > $DEPOP/pin 2>/dev/null && break
done
expect "a page of memory$b is pinned" 1 "$(cat $DEPOP/pin)"
total=$(meminfo MemTotal)
dmesg -C
expect "region k: disable with a busy block is EBUSY" EBUSY "$(swrite $MRDIR/k/enable 0)"
expect "one kernel log line" 1 "$(dmesg | grep -c 'withheld_ram: k: offlining and removing the memory failed: -16')"
expect "region k: still enabled" 1 "$(cat $MRDIR/k/enable)"
expect "memory$b: still online" online "$(block_state "$b")"
expect "memory$b: still mapped (ptdump)" 1 "$([ -n "$(ptdump_block "$b")" ] && echo 1)"
expect "region k: resource still there" 1 "$(grep -c 'System RAM (withheld_ram k)' /proc/iomem)"
expect "MemTotal unchanged" "$total" "$(meminfo MemTotal)"
expect "region k: rmdir still EBUSY" EBUSY "$(mr_rmdir k)"

# An offline_depopulated attempt of the busy block: EBUSY, still online.
expect "memory$b: offline_depopulated of the busy block is EBUSY" EBUSY \
	"$(swrite $MEMDIR/memory$b/state offline_depopulated)"
expect "memory$b: still online" online "$(block_state "$b")"

echo -1 > $DEPOP/pin
expect "page unpinned" 0 "$(cat $DEPOP/pin)"
# Whether the kernel allocated from the block meanwhile is not for this test
# to decide: the last script, it leaves the region as it is.
echo "  delete after unpinning: $(withheld_ram_delete k)"
