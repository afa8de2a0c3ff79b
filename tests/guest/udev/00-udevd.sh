#!/bin/bash
# Debian's systemd-udevd as a daemon with the project's rules: it starts,
# replays the boot's events (coldplug), records memory blocks, and
# `udevadm test` shows our rules read and off while there is no policy file.
. /harness/lib.sh
. /harness/udev.sh

expect "booted with memhp_default_state=offline" 1 \
	"$(grep -qw memhp_default_state=offline /proc/cmdline && echo 1)"
expect "our rules are installed where udev reads them" \
	"30-memctl-depopulate.rules 70-memctl-depopulated.rules" \
	"$(ls /usr/local/lib/udev/rules.d | xargs)"
expect "the depopulate rule runs the installed memctl" 1 \
	"$(grep -c '^IMPORT{program}="/usr/local/sbin/memctl udev-env %k"$' \
		/usr/local/lib/udev/rules.d/30-memctl-depopulate.rules)"
expect "no policy file at boot" 0 "$([ -e "$POLICY" ] && echo 1 || echo 0)"

syslogd -O "$MESSAGES" -S
wait_for 10 test -S /dev/log
check "busybox syslogd listens on /dev/log" test -S /dev/log
logger -t harness "syslog works"
wait_for 10 grep -q "harness: syslog works" "$MESSAGES"
check "logger reaches $MESSAGES" grep -q "harness: syslog works" "$MESSAGES"

/lib/systemd/systemd-udevd --daemon --resolve-names=never
wait_for 20 test -S /run/udev/control
check "systemd-udevd is running (control socket)" test -S /run/udev/control
check "udevadm control --ping" udevadm control --ping --timeout=20
check "coldplug: udevadm trigger --action=add" \
	udevadm trigger --type=devices --action=add
check "udevadm settle" settle

b0=$(boot_blocks | head -1)
expect "udevadm info memory$b0: subsystem memory" memory \
	"$(udev_prop "$b0" SUBSYSTEM)"
expect "udevadm info memory$b0: no memctl property without a policy file" "" \
	"$(udev_prop "$b0" MEMCTL_POLICY)"

out=$(udevadm test --action=add "$MEMDIR/memory$b0" 2>&1)
expect "udevadm test reads 30-memctl-depopulate.rules" 1 \
	"$(echo "$out" | grep -q 'rules.d/30-memctl-depopulate.rules' && echo 1)"
expect "udevadm test reads 70-memctl-depopulated.rules" 1 \
	"$(echo "$out" | grep -q 'rules.d/70-memctl-depopulated.rules' && echo 1)"
expect "udevadm test: no memctl run while the policy is off" 0 \
	"$(echo "$out" | grep -c 'memctl udev-env')"

policy_on virtio_mem
out=$(udevadm test --action=add "$MEMDIR/memory$b0" 2>&1)
echo "$out" | grep -i memctl | sed 's/^/  | /'
expect "udevadm test with a policy: memctl udev-env runs" 1 \
	"$(echo "$out" | grep -q "memctl udev-env memory$b0" && echo 1)"
expect "udevadm test: boot RAM gets MEMCTL_POLICY=none" 1 \
	"$(echo "$out" | grep -qx 'MEMCTL_POLICY=none' && echo 1)"
expect "udevadm test: the boot block is still online" online "$(block_state "$b0")"
policy_off
expect "no virtio-mem memory yet (requested-size 0)" 0 "$(vmem_blocks | wc -l)"
