#!/bin/bash
# Every test of the project, after `make guest` built the kernel and the
# initramfs: the host suites (each prints TAP), then the guest suites in
# QEMU. Prints each suite's result and a last line "N passed, M failed";
# exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
logs=$build/logs
mkdir -p "$logs"
export TOP=$top BUILD=$build
KOBJ=${KOBJ:-$build/kobj}
export KERNEL_IMAGE=$KOBJ/arch/arm64/boot/Image INITRAMFS=$build/initramfs.cpio

passed=0 failed=0
declare -a summary

# tap_suite NAME COMMAND...: run a host suite that prints TAP.
tap_suite() {
	local name=$1 log=$logs/$1.log rc p f start=$SECONDS
	shift
	echo "=== $name"
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(not )?ok ' "$log" | sed 's/^/  /'
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "  not ok - $name exited with status $rc (log: $log)"
		tail -15 "$log" | sed 's/^/  | /'
	fi
	if [ $((p + f)) = 0 ]; then
		f=1
		echo "  not ok - $name ran no test"
	fi
	passed=$((passed + p)) failed=$((failed + f))
	summary+=("$(printf '%-24s %3d passed, %d failed (%ds)' "$name" "$p" "$f" $((SECONDS - start)))")
}

# guest NAME qemu-run.py-arguments...: one boot of the guest suite.
guest() {
	local name=$1 res=$logs/$1.json p f start=$SECONDS
	shift
	echo "=== $name"
	rm -f "$res"
	python3 "$top/scripts/qemu-run.py" --kernel "$KERNEL_IMAGE" \
		--initrd "$INITRAMFS" --name "$name" --log "$logs/$name.console.log" \
		--results "$res" ${GUEST_ONLY:+--only "$GUEST_ONLY"} "$@" | sed 's/^/  /'
	if [ -f "$res" ]; then
		p=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["passed"])' "$res")
		f=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$res")
	else
		p=0 f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	summary+=("$(printf '%-24s %3d passed, %d failed (%ds)' "$name" "$p" "$f" $((SECONDS - start)))")
}

# Host suites.
for t in "$top"/tests/host/*.sh; do
	tap_suite "host-$(basename "$t" .sh)" bash "$t"
done
if [ -f "$top/tools/memctl/Makefile" ]; then
	tap_suite host-memctl make -s -C "$top/tools/memctl" check O="$build/memctl-host"
fi

# Guest suites: the main suite with the default rodata=full (page-granular
# linear map) and again with rodata=on (block mappings); the "withheld" and
# "configfs" suites boot with RAM held back by mem= for the tests that
# hot-add it.
guest guest-suite --suite suite
guest guest-rodata-on --suite suite --append rodata=on
guest guest-debug-pagealloc --suite suite --append debug_pagealloc=on
guest guest-withheld --suite withheld \
	--append "mem=896M memory_hotplug.memmap_on_memory=force"
# memregion (configfs): 2 GiB of RAM of which mem=1G leaves 1 GiB at
# 0x80000000 for the regions; rodata=on allows block mappings there.
guest guest-configfs --suite configfs --boot-mem 2G --max-mem 6G \
	--append "mem=1G rodata=on"

echo
echo "=== summary"
printf '  %s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
