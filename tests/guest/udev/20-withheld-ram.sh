#!/bin/bash
# A withheld_ram region enabled with online_type default arrives offline
# (memhp_default_state=offline) and goes through the same rule: listed by
# name (withheld_ram:u0) it ends offline_depopulated; a region the policy does
# not list (u1) stays offline.
. /harness/lib.sh
. /harness/udev.sh
. /harness/withheld_ram.sh
load_depop_test || bail "insmod depop_test.ko"
test -S /run/udev/control || bail "systemd-udevd is not running"

bs=$(block_size)
# mem=768M of the 1 GiB boot RAM at 0x40000000: 0x70000000-0x7fffffff is
# withheld.
s0=$((0x70000000)) s1=$((0x78000000))
policy_on withheld_ram:u0
monitor_start
expect "withheld_ram u0 (listed), online_type default" OK \
	"$(withheld_ram_create u0 "$(printf '0x%x' $s0)" 128M default)"
expect "withheld_ram u1 (not listed), online_type default" OK \
	"$(withheld_ram_create u1 "$(printf '0x%x' $s1)" 128M default)"
monitor_stop
b0=$((s0 / bs)) b1=$((s1 / bs))
wait_for 20 depopulated_and_unmapped "$b0"
expect "u0: memory$b0 offline_depopulated by the rule" offline_depopulated "$(block_state "$b0")"
expect "u0: memory$b0 depopulated and its linear address faults" "offline_depopulated -14" \
	"$(block_state "$b0") $(probe_block "$b0")"
expect "u0: its add event has MEMCTL_OWNER=withheld_ram:u0, MEMCTL_POLICY=offline_depopulated" \
	"withheld_ram:u0 offline_depopulated" \
	"$(event_prop "$b0" add MEMCTL_OWNER) $(event_prop "$b0" add MEMCTL_POLICY)"
expect "u1: memory$b1 stays offline (owner not listed)" offline "$(block_state "$b1")"
expect "u1: its add event says why not" "withheld_ram:u1 owner not listed" \
	"$(event_prop "$b1" add MEMCTL_OWNER) $(event_prop "$b1" add MEMCTL_POLICY_REASON)"
wait_for 10 test -n "$(logged "$b0")"
expect "u0: the example rule logged the transition once" offline_depopulated "$(logged "$b0")"
expect "u1: memory$b1 offline, nothing logged" "offline " "$(block_state "$b1") $(logged "$b1")"

policy_on withheld_ram
expect "withheld_ram u0 removed (depopulated)" OK "$(withheld_ram_delete u0)"
expect "withheld_ram u1 removed (offline)" OK "$(withheld_ram_delete u1)"
expect "withheld_ram u0 again, policy 'withheld_ram' (every region)" OK \
	"$(withheld_ram_create u0 "$(printf '0x%x' $s0)" 128M default)"
settle
wait_for 20 depopulated_and_unmapped "$b0"
expect "u0: a bare driver name lists every region" offline_depopulated "$(block_state "$b0")"
expect "withheld_ram u0 removed" OK "$(withheld_ram_delete u0)"
policy_off
