#!/bin/bash
# Next to a distribution's auto-online rule (RHEL's and SUSE's form:
# ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"), a block the
# policy depopulates is never onlined: not when it is added, not on a
# replayed "add" or "change" (udevadm trigger). The distribution's rule is
# shown to work on a block the policy does not take.
. /harness/lib.sh
. /harness/udev.sh
load_depop_test || bail "insmod depop_test.ko"
test -S /run/udev/control || bail "systemd-udevd is not running"

set -- $(vmem_blocks)
[ $# = 4 ] || bail "need the 4 virtio-mem blocks of 10-policy" "$*"
v1=$1 v2=$2 v3=$3 v4=$4
expect "start: two depopulated, two offline" \
	"offline_depopulated offline_depopulated offline offline" "$(states_of "$@")"

cat > "$DISTRO_RULE" <<'EOF'
SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"
EOF
check "udevadm control --reload" udevadm control --reload

# Control: policy off, the distribution's rule onlines an offline block.
policy_off
udevadm trigger --action=add "$MEMDIR/memory$v3"
settle
expect "policy off: the distro rule onlines offline memory$v3 on add" online \
	"$(block_state "$v3")"

# Policy on: our rule runs first (30- < 40-) and the distro rule finds the
# block offline_depopulated.
policy_on virtio_mem
udevadm trigger --action=add "$MEMDIR/memory$v4"
settle
expect "policy on: replayed add of offline memory$v4 depopulates it, the distro rule does not online it" \
	offline_depopulated "$(block_state "$v4")"
expect "memory$v4: faults" -14 "$(probe_block "$v4")"

check "QMP: grow virtio-mem to 768M (6 blocks)" vmem_grow 768M 6
set -- $(vmem_blocks)
v5=$5 v6=$6
wait_for 20 depopulated_and_unmapped "$v5" "$v6"
expect "new blocks memory$v5 memory$v6: depopulated, not onlined by the distro rule" \
	"offline_depopulated offline_depopulated" "$(states_of "$v5" "$v6")"
expect "new blocks: their linear addresses fault" "-14 -14" \
	"$(probe_block "$v5") $(probe_block "$v6")"

depop="$v1 $v2 $v4 $v5 $v6"
lines0=$(wc -l < "$MESSAGES")
for action in add change; do
	check "udevadm trigger --action=$action --subsystem-match=memory" \
		udevadm trigger --action=$action --subsystem-match=memory
	settle
	expect "after trigger $action: every depopulated block is still depopulated and unmapped" 0 \
		"$(depopulated_and_unmapped $depop && echo 0 || states_of $depop)"
	expect "after trigger $action: memory$v3 still online" online "$(block_state "$v3")"
	expect "after trigger $action: boot RAM still online" "" \
		"$(for b in $(boot_blocks); do [ "$(block_state "$b")" = online ] || echo "$b"; done)"
done
expect "the triggers logged no transition" "$lines0" "$(wc -l < "$MESSAGES")"
expect "the tag still marks the depopulated blocks after the triggers" \
	"$(echo $depop | wc -w)" \
	"$(for b in $depop; do tagged "$b"; done | grep -c yes)"
