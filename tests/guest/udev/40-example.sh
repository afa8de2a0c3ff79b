#!/bin/bash
# The example rule (70-memctl-depopulated.rules) runs exactly once per
# transition into or out of offline_depopulated, with the new state, and
# not for plain offline/online; its tag follows the state. The block is
# usable after the round trips (pattern test).
. /harness/lib.sh
. /harness/udev.sh
load_depop_test || bail "insmod depop_test.ko"
test -S /run/udev/control || bail "systemd-udevd is not running"

b=$(vmem_blocks | head -1)
[ "$(block_state "$b")" = offline_depopulated ] || bail "memory$b is not depopulated"
before=$(logged "$b")

# write WORD: change the state through sysfs and let udev finish.
write() {
	local r
	r=$(swrite "$MEMDIR/memory$b/state" "$1")
	settle
	echo "$r"
}
expect "memory$b: offline (populate)" OK "$(write offline)"
expect "memory$b: untagged once offline" no "$(tagged "$b")"
expect "memory$b: online_movable" OK "$(write online_movable)"
expect "memory$b: offline_depopulated from online" OK "$(write offline_depopulated)"
expect "memory$b: tagged again" yes "$(tagged "$b")"
expect "memory$b: online_movable from offline_depopulated" OK "$(write online_movable)"
expect "memory$b: untagged while online" no "$(tagged "$b")"
expect "memory$b: offline" OK "$(write offline)"
expect "memory$b: online" OK "$(write online_movable)"
echo "$b" > $DEPOP/pattern
expect "memory$b: pattern written and verified over every page" 0 "$(cat $DEPOP/pattern)"
expect "memory$b: offline_depopulated" OK "$(write offline_depopulated)"
wait_for 10 test "$(logged "$b" | wc -w)" -ge "$(($(echo $before | wc -w) + 4))"
sleep 1
expect "one log line per transition into or out of offline_depopulated, none for plain offline/online" \
	"$(echo $before offline offline_depopulated online offline_depopulated)" "$(logged "$b")"
