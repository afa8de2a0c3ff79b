#!/bin/bash
# Every test of the project, after `make guest` built the kernel and the
# initramfs: the host suites (each prints TAP), then the guest suites in
# QEMU. Prints each suite's result and a last line
# "N passed, M failed, K skipped"; exits non-zero on any failure. A skipped
# assertion (TAP "ok ... # SKIP reason") is counted as skipped, never as
# passed.
#
#   scripts/run-tests.sh              host suites, then every guest boot
#   scripts/run-tests.sh --baseline   only the guest boots, on the kernel
#                                     built without the series (make
#                                     test-baseline), then compared with
#                                     tests/baseline.txt
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
logs=$build/logs
mkdir -p "$logs"
export TOP=$top BUILD=$build
baseline=0
[ "${1:-}" = --baseline ] && baseline=1
if [ $baseline = 1 ]; then
	KOBJ=${KOBJ:-$build/kobj-baseline}
	INITRAMFS=${INITRAMFS:-$build/initramfs-baseline.cpio}
	logs=$build/logs/baseline
	mkdir -p "$logs"
	rm -f "$logs"/*.json
fi
KOBJ=${KOBJ:-$build/kobj}
export KERNEL_IMAGE=$KOBJ/arch/arm64/boot/Image INITRAMFS=${INITRAMFS:-$build/initramfs.cpio}

passed=0 failed=0 skipped=0
declare -a summary

line() {	# line NAME PASSED FAILED SKIPPED SECONDS
	summary+=("$(printf '%-24s %3d passed, %d failed, %d skipped (%ds)' "$@")")
}

# tap_suite NAME COMMAND...: run a host suite that prints TAP.
tap_suite() {
	local name=$1 log=$logs/$1.log rc p f s start=$SECONDS
	shift
	echo "=== $name"
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(not )?ok ' "$log" | sed 's/^/  /'
	s=$(grep -Eic '^ok .*#[[:space:]]*SKIP' "$log")
	p=$(($(grep -c '^ok ' "$log") - s))
	f=$(grep -c '^not ok ' "$log")
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "  not ok - $name exited with status $rc (log: $log)"
		tail -15 "$log" | sed 's/^/  | /'
	fi
	if [ $((p + f)) = 0 ]; then
		f=$((f + 1))
		echo "  not ok - $name passed no test"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	line "$name" "$p" "$f" "$s" $((SECONDS - start))
}

# guest NAME qemu-run.py-arguments...: one boot of the guest suite.
guest() {
	local name=$1 res=$logs/$1.json p f s start=$SECONDS
	shift
	echo "=== $name"
	rm -f "$res"
	python3 "$top/scripts/qemu-run.py" --kernel "$KERNEL_IMAGE" \
		--initrd "$INITRAMFS" --name "$name" --log "$logs/$name.console.log" \
		--results "$res" ${GUEST_ONLY:+--only "$GUEST_ONLY"} "$@" | sed 's/^/  /'
	if [ -f "$res" ]; then
		read -r p f s < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["passed"], r["failed"], r["skipped"])' "$res")
	else
		p=0 f=1 s=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	line "$name" "$p" "$f" "$s" $((SECONDS - start))
}

# Host suites (they do not depend on the kernel: not part of the baseline).
if [ $baseline = 0 ]; then
	for t in "$top"/tests/host/*.sh; do
		tap_suite "host-$(basename "$t" .sh)" bash "$t"
	done
	if [ -f "$top/tools/memctl/Makefile" ]; then
		tap_suite host-memctl make -s -C "$top/tools/memctl" check O="$build/memctl-host"
	fi
fi

# Guest suites: the main suite with the default rodata=full (page-granular
# linear map) and again with rodata=on (block mappings); the "withheld" and
# "configfs" suites boot with RAM held back by mem= for the tests that
# hot-add it.
guest guest-suite --suite suite
guest guest-rodata-on --suite suite --append rodata=on
# debug_pagealloc maps and unmaps every page the kernel allocates or frees:
# under TCG this suite takes 340-410 s alone and ran into the 900 s limit
# once with two other builds and guests on the same two cores. The limit
# is a hang guard (the 300 s idle watchdog catches a stuck guest sooner),
# so it is 1800 s here.
guest guest-debug-pagealloc --suite suite --append debug_pagealloc=on --timeout 1800
guest guest-withheld --suite withheld \
	--append "mem=896M memory_hotplug.memmap_on_memory=force"
# memregion (configfs): 2 GiB of RAM of which mem=1G leaves 1 GiB at
# 0x80000000 for the regions; rodata=on allows block mappings there.
guest guest-configfs --suite configfs --boot-mem 2G --max-mem 6G \
	--append "mem=1G rodata=on"

echo
echo "=== summary"
printf '  %s\n' "${summary[@]}"
if [ $baseline = 1 ]; then
	echo
	echo "=== baseline: the same guest boots on the kernel without the series"
	python3 "$top/scripts/baseline-compare.py" --expect "$top/tests/baseline.txt" \
		--baseline "$logs" --patched "$build/logs"
	exit $?
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
