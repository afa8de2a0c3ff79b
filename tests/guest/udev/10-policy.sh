#!/bin/bash
# The policy rule: with /etc/memctl/depopulate.conf listing virtio_mem,
# every block virtio-mem adds (offline, memhp_default_state=offline) ends
# offline_depopulated, unmapped; memctl agrees; the example rule logs the
# transition once and tags the block. With the policy file removed, new
# blocks stay offline.
. /harness/lib.sh
. /harness/udev.sh
load_depop_test || bail "insmod depop_test.ko"
test -S /run/udev/control || bail "systemd-udevd is not running"

policy_on virtio_mem
monitor_start
check "QMP: grow virtio-mem to 256M (2 blocks)" vmem_grow 256M 2
monitor_stop
set -- $(vmem_blocks)
expect "two virtio-mem blocks" 2 "$#"
for b in "$@"; do
	wait_for 20 depopulated_and_unmapped "$b"
	expect "memory$b: the rule depopulated it" offline_depopulated "$(block_state "$b")"
	expect "memory$b: its linear address faults" -14 "$(probe_block "$b")"
	expect "memory$b: no linear-map entry in ptdump" "" "$(ptdump_block "$b")"
	expect "memory$b: one add event, with MEMCTL_POLICY=offline_depopulated" \
		offline_depopulated "$(event_prop "$b" add MEMCTL_POLICY)"
	expect "memory$b: ... and MEMCTL_OWNER=virtio_mem, MEMCTL_DEPOPULATABLE=1" \
		"virtio_mem 1" "$(event_prop "$b" add MEMCTL_OWNER) $(event_prop "$b" add MEMCTL_DEPOPULATABLE)"
	expect "memory$b: one change event, STATE=offline_depopulated" \
		offline_depopulated "$(event_prop "$b" change STATE)"
	expect "memory$b: the example rule tagged it" yes "$(tagged "$b")"
	wait_for 10 test -n "$(logged "$b")"
	expect "memory$b: the example rule logged the transition once" \
		offline_depopulated "$(logged "$b")"
done
json=$(memctl list --json --all)
n=0
for b in "$@"; do
	echo "$json" | tr -d '\n' | grep -o "{[^{}]*\"block\": *\"$b\"[^{}]*}" |
		grep -q '"state": *"offline_depopulated"' && n=$((n + 1))
done
expect "memctl list --json agrees: both offline_depopulated" 2 "$n"
expect "memctl list: 256M offline_depopulated" 1 \
	"$(memctl list --summary=only | grep -Eq 'offline_depopulated memory: +256M' && echo 1)"

# Policy off: the next blocks stay offline.
policy_off
monitor_start
check "QMP: grow virtio-mem to 512M (4 blocks)" vmem_grow 512M 4
monitor_stop
set -- $(vmem_blocks)
expect "four virtio-mem blocks" 4 "$#"
new="$3 $4"
expect "policy off: the new blocks stay offline" "offline offline" "$(states_of $new)"
expect "policy off: the first two stay offline_depopulated" \
	"offline_depopulated offline_depopulated" "$(states_of $1 $2)"
expect "policy off: their add events carry no memctl property" "- -" \
	"$(event_prop "$3" add MEMCTL_POLICY) $(event_prop "$4" add MEMCTL_POLICY)"
expect "policy off: and no change event" "" \
	"$(event_prop "$3" change STATE)$(event_prop "$4" change STATE)"
expect "policy off: nothing logged for them" "" "$(logged "$3")$(logged "$4")"

# udevadm test runs the rules for real on systemd 252: memctl decides and
# the write is performed (memctl(8) says so). Undo it for the next script.
policy_on virtio_mem
out=$(udevadm test --action=add "$MEMDIR/memory$3" 2>&1)
expect "udevadm test: memctl udev-env says offline_depopulated for offline memory$3" 1 \
	"$(echo "$out" | grep -qx 'MEMCTL_POLICY=offline_depopulated' && echo 1)"
expect "udevadm test (systemd $(udevadm --version)) performs the rule's write" \
	offline_depopulated "$(block_state "$3")"
policy_off
expect "memory$3: back to offline" OK "$(swrite "$MEMDIR/memory$3/state" offline)"
settle
