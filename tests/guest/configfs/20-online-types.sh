#!/bin/bash
# online_type decides what enable does with the new memory blocks, whatever
# the kernel's default (the harness boots with memhp_default_state=
# online_movable): offline and offline_depopulated blocks are never onlined.
# online_kernel is tested last, in 90-busy.sh.
. /harness/lib.sh
. /harness/withheld_ram.sh

bs=$(block_size)
start=$((0x80000000))

check_type() {
	local type=$1 want_state=$2 want_zone=$3 b bad="" blocks
	expect "$type: create and enable" OK \
		"$(withheld_ram_create "t-$type" $start 256M "$type")"
	expect "$type: online_type reads back" "$type" \
		"$(cat $MRDIR/t-$type/online_type)"
	blocks=$(withheld_ram_blocks "t-$type")
	expect "$type: two blocks" 2 "$(echo $blocks | wc -w)"
	for b in $blocks; do
		[ "$(block_state "$b")" = "$want_state" ] ||
			bad="$bad memory$b:$(block_state "$b")"
		if [ -n "$want_zone" ] &&
		   [ "$(cat $MEMDIR/memory$b/valid_zones)" != "$want_zone" ]; then
			bad="$bad memory$b:$(cat $MEMDIR/memory$b/valid_zones)"
		fi
	done
	expect "$type: both blocks $want_state${want_zone:+ in $want_zone}" "2 " \
		"$(echo $blocks | wc -w) $bad"
}

uevents_start
check_type offline offline ""
uevents_stop
b=$(withheld_ram_blocks t-offline | head -1)
expect "offline: memory$b was added (add uevent)" 1 \
	"$(grep -c "^KERNEL\[[^]]*\] *add .*/devices/system/memory/memory$b " $UEVENTS)"
expect "offline: memory$b added, never went online (no online uevent)" "1 0" \
	"$(grep -c "^KERNEL\[[^]]*\] *add .*/devices/system/memory/memory$b " $UEVENTS) $(
	   grep -c "^KERNEL\[[^]]*\] *online .*/devices/system/memory/memory$b " $UEVENTS)"
expect "offline: block can be onlined by hand" OK \
	"$(swrite $MEMDIR/memory$b/state online_movable)"
expect "offline: delete" OK "$(withheld_ram_delete t-offline)"

check_type offline_depopulated offline_depopulated ""
bad="" n=0
for b in $(withheld_ram_blocks t-offline_depopulated); do
	n=$((n + 1))
	[ -z "$(ptdump_block "$b")" ] || bad="$bad memory$b"
done
expect "offline_depopulated: no linear map entry for either block" "2 " "$n $bad"
b=$(withheld_ram_blocks t-offline_depopulated | tail -1)
expect "offline_depopulated: online_movable rebuilds and onlines" OK \
	"$(swrite $MEMDIR/memory$b/state online_movable)"
expect "offline_depopulated: block online and mapped" "online 1" \
	"$(block_state "$b") $([ -n "$(ptdump_block "$b")" ] && echo 1)"
expect "offline_depopulated: delete (one online, one depopulated)" OK \
	"$(withheld_ram_delete t-offline_depopulated)"

check_type online_movable online Movable
expect "online_movable: delete" OK "$(withheld_ram_delete t-online_movable)"
check_type online online ""
expect "online: delete" OK "$(withheld_ram_delete t-online)"
expect "unknown online_type is EINVAL" EINVAL \
	"$(mr_mkdir t-x > /dev/null; swrite $MRDIR/t-x/online_type sideways)"
expect "online_type unchanged after EINVAL" default "$(cat $MRDIR/t-x/online_type)"
rmdir $MRDIR/t-x
