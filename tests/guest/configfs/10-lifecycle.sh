#!/bin/bash
# A region's life: mkdir, start/size/online_type, enable hot-adds the range
# as "System RAM (withheld_ram NAME)", its blocks behave like other
# driver-managed memory (offline_depopulated and back through sysfs),
# disable removes it, rmdir frees the name.
. /harness/lib.sh
. /harness/withheld_ram.sh

bs=$(block_size)
start=$((0x80000000))
size=$((256 << 20))
b0=$((start / bs)) b1=$((start / bs + 1))
d=$MRDIR/r0
load_depop_test || bail "insmod depop_test.ko"
total0=$(meminfo MemTotal)

expect "mkdir r0" OK "$(mr_mkdir r0)"
expect "r0: attributes" "enable online_type size start" "$(ls $d | xargs)"
expect "r0: start is 0 at first" 0x0 "$(cat $d/start)"
expect "r0: online_type is default at first" default "$(cat $d/online_type)"
expect "r0: not enabled at first" 0 "$(cat $d/enable)"
expect "r0: write start (hex)" OK "$(swrite $d/start 0x80000000)"
expect "r0: write size with a suffix (256M)" OK "$(swrite $d/size 256M)"
expect "r0: start reads back in hex" 0x80000000 "$(cat $d/start)"
expect "r0: size reads back in hex" 0x10000000 "$(cat $d/size)"
expect "r0: nothing added before enable" "0 " "$(cat $d/enable) $(withheld_ram_blocks r0)"
expect "r0: enable" OK "$(swrite $d/enable 1)"
expect "r0: enable reads 1" 1 "$(cat $d/enable)"
expect "/proc/iomem: 80000000-8fffffff : System RAM (withheld_ram r0)" 1 \
	"$(grep -c '^80000000-8fffffff : System RAM (withheld_ram r0)$' /proc/iomem)"
expect "r0: memory blocks $b0 $b1" "$b0 $b1" "$(withheld_ram_blocks r0 | xargs)"
# online_type default: the harness boots with memhp_default_state=online_movable.
for b in $b0 $b1; do
	expect "memory$b: online (default online type)" online "$(block_state "$b")"
	expect "memory$b: ZONE_MOVABLE" Movable "$(cat $MEMDIR/memory$b/valid_zones)"
	expect "memory$b: depopulatable" 1 "$(cat $MEMDIR/memory$b/depopulatable)"
done
expect "MemTotal grew by 256 MiB" $((total0 + (256 << 10))) "$(meminfo MemTotal)"

# Depopulate and online through sysfs.
expect "memory$b1: linear map present (ptdump)" 1 "$([ -n "$(ptdump_block "$b1")" ] && echo 1)"
expect "memory$b1: offline_depopulated" OK "$(swrite $MEMDIR/memory$b1/state offline_depopulated)"
expect "memory$b1: state offline_depopulated" offline_depopulated "$(block_state "$b1")"
expect "memory$b1: no linear map entry (ptdump)" "offline_depopulated " \
	"$(block_state "$b1") $(ptdump_block "$b1")"
expect "memory$b0: still online and mapped" "online 1" \
	"$(block_state "$b0") $([ -n "$(ptdump_block "$b0")" ] && echo 1)"
expect "r0: resource kept while depopulated" 1 \
	"$(grep -c 'System RAM (withheld_ram r0)' /proc/iomem)"
expect "memory$b1: online_movable from offline_depopulated" OK \
	"$(swrite $MEMDIR/memory$b1/state online_movable)"
expect "memory$b1: online" online "$(block_state "$b1")"
expect "memory$b1: linear map back (ptdump)" 1 "$([ -n "$(ptdump_block "$b1")" ] && echo 1)"
echo "$b1" > $DEPOP/pattern
expect "memory$b1: pattern written and verified over every page" 0 "$(cat $DEPOP/pattern)"

# Disable with one block depopulated and one offline: both are removed.
expect "memory$b1: offline_depopulated again" OK "$(swrite $MEMDIR/memory$b1/state offline_depopulated)"
expect "memory$b0: offline" OK "$(swrite $MEMDIR/memory$b0/state offline)"
expect "r0: disable" OK "$(swrite $d/enable 0)"
expect "r0: enable reads 0" 0 "$(cat $d/enable)"
expect "r0: resource gone" 0 "$(grep -c 'withheld_ram r0' /proc/iomem)"
expect "memory$b0 and memory$b1 gone" "" \
	"$(ls -d $MEMDIR/memory$b0 $MEMDIR/memory$b1 2>/dev/null)"
expect "MemTotal back" "$total0" "$(meminfo MemTotal)"
expect "r0: disable again is a no-op" OK "$(swrite $d/enable 0)"
expect "r0: start writable again once disabled" OK "$(swrite $d/start 0x90000000)"
expect "rmdir r0" OK "$(mr_rmdir r0)"
expect "r0 gone" "" "$(ls $MRDIR)"

# The same range again, through the helper, and away again.
expect "withheld_ram_create r0 again" OK "$(withheld_ram_create r0 0x80000000 256M)"
expect "r0: blocks back" "$b0 $b1" "$(withheld_ram_blocks r0 | xargs)"
expect "withheld_ram_delete r0" OK "$(withheld_ram_delete r0)"
expect "r0: blocks gone" "" "$(withheld_ram_blocks r0)"
