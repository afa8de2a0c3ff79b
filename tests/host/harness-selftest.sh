#!/bin/bash
# The harness catches what it must: boots the guest with the "selftest"
# suite, whose scripts fail an assertion, make the kernel WARN and then hang,
# and checks that the run fails and names each of the three causes.
cd "$(dirname "$0")/../.." || exit 1
: "${KERNEL_IMAGE:=build/kobj/arch/arm64/boot/Image}" "${INITRAMFS:=build/initramfs.cpio}"
log=$(mktemp)
python3 scripts/qemu-run.py --arch "${GUEST_QEMU_ARCH:-arm64}" \
	--kernel "$KERNEL_IMAGE" --initrd "$INITRAMFS" \
	--name selftest --suite selftest --vmem-size 128M --idle-timeout 30 \
	--timeout 300 --log build/logs/selftest.console.log > "$log" 2>&1
rc=$?
sed 's/^/# /' "$log"
n=0
t() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
t "the run fails (exit status $rc)" '[ $rc -ne 0 ]'
t "a passing guest assertion is still counted" \
	'grep -q "^ok [0-9]* - 10-fails: selftest: a passing assertion" "$log"'
t "the broken guest test is named" \
	'grep -q "not ok [0-9]* - 10-fails: selftest: deliberately broken assertion # expected .1., got .2." "$log"'
t "the kernel WARNING is named, with its console line" \
	'grep -q "kernel splat (WARNING:) on the console: .*harness_splat" "$log"'
t "the guest runner also pins the WARNING on the script that caused it" \
	'grep -q "not ok [0-9]* - 20-warns: kernel log # WARNING:" "$log"'
t "the hang is named" 'grep -q "hang: no output from the guest for 30s" "$log"'
t "a skip is a TAP skip with its reason" \
	'grep -q "^ok [0-9]* - 15-skips: selftest: a skipped assertion # SKIP this environment lacks nothing" "$log"'
t "the summary counts the failures, and the skip apart from the passes" \
	'grep -Eq "^selftest: 3 passed, [4-9] failed, 1 skipped" "$log"'

# A task in uninterruptible sleep: the hung task detector (timeout lowered
# to 5 s for this boot; the suites run with 60 s) reports it with its stack
# and hung_task_panic=1 stops the guest, long before the 30 s idle limit.
start=$SECONDS
python3 scripts/qemu-run.py --arch "${GUEST_QEMU_ARCH:-arm64}" \
	--kernel "$KERNEL_IMAGE" --initrd "$INITRAMFS" \
	--name selftest-dstate --suite selftest --only 40-dstate --vmem-size 128M \
	--append sysctl.kernel.hung_task_timeout_secs=5 --idle-timeout 30 \
	--timeout 300 --log build/logs/selftest-dstate.console.log > "$log" 2>&1
rc=$?
secs=$((SECONDS - start))
con=build/logs/selftest-dstate.console.log
sed 's/^/# /' "$log"
t "D state: the run fails (exit status $rc)" '[ $rc -ne 0 ]'
t "D state: the detector names the task" \
	'grep -Eq "INFO: task insmod:[0-9]+ blocked for more than [0-9]+ seconds" "$con"'
t "D state: its stack is on the console" 'grep -q "harness_splat_init" "$con"'
t "D state: the guest panics" 'grep -q "Kernel panic - not syncing: hung_task: blocked tasks" "$con"'
t "D state: the harness names the report" 'grep -q "kernel splat (INFO: task" "$log"'
t "D state: not the idle watchdog (${secs}s)" '! grep -q "hang: no output" "$log"'
rm -f "$log"
echo "1..$n"
