#!/bin/bash
# The harness catches what it must: boots the guest with the "selftest"
# suite, whose scripts fail an assertion, make the kernel WARN and then hang,
# and checks that the run fails and names each of the three causes.
cd "$(dirname "$0")/../.." || exit 1
: "${KERNEL_IMAGE:=build/kobj/arch/arm64/boot/Image}" "${INITRAMFS:=build/initramfs.cpio}"
log=$(mktemp)
python3 scripts/qemu-run.py --kernel "$KERNEL_IMAGE" --initrd "$INITRAMFS" \
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
rm -f "$log"
echo "1..$n"
