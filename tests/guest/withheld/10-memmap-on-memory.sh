#!/bin/bash
# A block whose memmap lives on the block itself (memmap_on_memory) cannot
# be depopulated: the vmemmap would still map it. Boots with mem=896M, so
# that 0x78000000-0x7fffffff is RAM the kernel did not take, and
# memory_hotplug.memmap_on_memory=force (without HUGETLB_PAGE a pageblock
# is 4 MiB, larger than the 2 MiB memmap of a block, so "force" pads it);
# depop_test.ko hot-adds it.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

bs=$(block_size)
start=$((0x78000000))
b=$((start / bs))
expect "memory$b absent at boot (mem=896M)" 0 "$([ -d $MEMDIR/memory$b ] && echo 1 || echo 0)"
total0=$(meminfo MemTotal)
echo "$start $bs" > $DEPOP/add_mom 2>/dev/null
expect "add_memory_driver_managed(MHP_MEMMAP_ON_MEMORY) returns 0" 0 "$(cat $DEPOP/add_mom)"
expect "memory$b present" 1 "$([ -d $MEMDIR/memory$b ] && echo 1 || echo 0)"
expect "memory$b owned by System RAM (depop_test)" "$b" \
	"$(blocks_of "System RAM (depop_test)" | xargs)"
state0=$(block_state "$b")
[ "$state0" = online ] || swrite $MEMDIR/memory$b/state online_movable > /dev/null
added=$(($(meminfo MemTotal) - total0))
echo "  MemTotal grew by $added kB"
# The block's memmap (32768 struct pages, 2 MiB) is carved out of the block
# itself and not counted as memory: MemTotal grows, by less than 128 MiB.
expect "the memmap lives on the block: it adds less than 128 MiB to MemTotal" 1 \
	"$([ "$added" -gt 0 ] && [ "$added" -lt $((bs / 1024)) ] && echo 1)"
state0=$(block_state "$b")
expect "memory$b: depopulatable=0 (memmap on the block)" 0 "$(cat $MEMDIR/memory$b/depopulatable)"
r=$(swrite $MEMDIR/memory$b/state offline_depopulated)
expect "memory$b: offline_depopulated is EOPNOTSUPP" EOPNOTSUPP "$r"
expect "memory$b: refused, state unchanged ($state0)" "EOPNOTSUPP $state0" "$r $(block_state "$b")"
if [ "$state0" = online ]; then
	expect "memory$b: offline" OK "$(swrite $MEMDIR/memory$b/state offline)"
fi
r=$(swrite $MEMDIR/memory$b/state offline_depopulated)
expect "memory$b (offline): offline_depopulated is still EOPNOTSUPP" EOPNOTSUPP "$r"
expect "memory$b: refused, still offline" "EOPNOTSUPP offline" "$r $(block_state "$b")"
expect "memory$b: refused, still mapped" "EOPNOTSUPP 0" "$r $(probe "$start")"
# A control for depop_test's tables check, which the depopulate tests rely
# on: hot-remove frees the block's PTE tables (rodata=full: one per 2 MiB),
# and the check must see that none of them is intact any more.
echo "$start $bs" > $DEPOP/tables
ntab=$((bs >> 21))
expect "memory$b: depop_test finds its $ntab PTE tables, intact" \
	"$ntab $ntab $ntab" "$(cat $DEPOP/tables)"
echo "$start $bs" > $DEPOP/remove 2>/dev/null
expect "control: after hot-remove no table maps it and none of its tables is intact" \
	"0 0 0" "$(cat $DEPOP/tables)"
expect "offline_and_remove_memory() returns 0" 0 "$(cat $DEPOP/remove)"
expect "memory$b gone" 0 "$([ -d $MEMDIR/memory$b ] && echo 1 || echo 0)"
