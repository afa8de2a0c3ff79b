#!/bin/bash
# Every test of the project, after `make guest` built the kernel and the
# initramfs: the host suites (each prints TAP) and the guest suites in QEMU,
# in two lanes at once (LANES=1: one after the other). Prints each suite's result and a last line
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
# The guest architectures to test (make test: both; make ARCH=x86_64 test:
# x86_64 only). x86_64 has its own build directories (suffix -x86_64).
ARCHES=${ARCHES:-arm64}
has_arch() { case " $ARCHES " in *" $1 "*) return 0 ;; esac; return 1; }
x86_sfx=-x86_64$([ "${KASAN:-0}" = 1 ] && echo -kasan)
x86_kernel=${X86_KOBJ:-$build/kobj$x86_sfx}/arch/x86/boot/bzImage
x86_initramfs=${X86_INITRAMFS:-$build/initramfs$x86_sfx.cpio}

passed=0 failed=0 skipped=0
declare -a summary order

# The suites run in two lanes at once (a TCG guest keeps about one host
# core busy; two guests on the two cores of this machine take 450 s where
# one after the other they take 760 s). Each suite writes its output to
# $logs/NAME.out and "PASSED FAILED SKIPPED SECONDS" to $logs/NAME.counts;
# a suite's output is printed whole when it ends, and the summary follows
# in a fixed order. LANES=1 runs everything one after the other.
lanes=${LANES:-2}
lock=$logs/.print.lock

# finish NAME P F S START: record a suite's counts and print its output.
finish() {
	echo "$2 $3 $4 $((SECONDS - $5))" > "$logs/$1.counts"
	flock "$lock" cat "$logs/$1.out"
}

# tap_suite NAME COMMAND...: run a host suite that prints TAP.
tap_suite() {
	local name=$1 log=$logs/$1.log out=$logs/$1.out rc p f s start=$SECONDS
	shift
	echo "=== $name" > "$out"
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(not )?ok ' "$log" | sed 's/^/  /' >> "$out"
	s=$(grep -Eic '^ok .*#[[:space:]]*SKIP' "$log")
	p=$(($(grep -c '^ok ' "$log") - s))
	f=$(grep -c '^not ok ' "$log")
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "  not ok - $name exited with status $rc (log: $log)" >> "$out"
		tail -15 "$log" | sed 's/^/  | /' >> "$out"
	fi
	if [ $((p + f)) = 0 ]; then
		f=$((f + 1))
		echo "  not ok - $name passed no test" >> "$out"
	fi
	finish "$name" "$p" "$f" "$s" "$start"
}

# guest NAME qemu-run.py-arguments...: one boot of the guest suite.
guest() {
	local name=$1 res=$logs/$1.json out=$logs/$1.out p f s start=$SECONDS
	shift
	echo "=== $name" > "$out"
	rm -f "$res"
	python3 "$top/scripts/qemu-run.py" --arch "${GUEST_QEMU_ARCH:-arm64}" \
		--kernel "$KERNEL_IMAGE" \
		--initrd "$INITRAMFS" --name "$name" --log "$logs/$name.console.log" \
		--results "$res" ${GUEST_ONLY:+--only "$GUEST_ONLY"} \
		$([ "${KASAN:-0}" = 1 ] && echo --idle-timeout 900) "$@" 2>&1 |
		sed 's/^/  /' >> "$out"
	if [ -f "$res" ]; then
		read -r p f s < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["passed"], r["failed"], r["skipped"])' "$res")
	else
		p=0 f=1 s=0
	fi
	finish "$name" "$p" "$f" "$s" "$start"
}

# Host suites (they do not depend on the kernel: not part of the baseline).
host_suites() {
	local t
	[ $baseline = 0 ] || return 0
	for t in "$top"/tests/host/*.sh; do
		tap_suite "host-$(basename "$t" .sh)" bash "$t"
	done
	if [ -f "$top/tools/memctl/Makefile" ]; then
		tap_suite host-memctl make -s -C "$top/tools/memctl" check O="$build/memctl-host"
	fi
}

# The main suite's boots load the QEMU TCG plugin that counts TLBI and DC
# instructions between markers (scripts/bench/tlbi-plugin.c, built by make
# test), for 57-depop-cache-tlbi.
plugin=(--plugin "$build/tlbi-plugin.so")

# Guest suites: the main suite with the default rodata=full (page-granular
# linear map) and again with rodata=on (block mappings); the "withheld" and
# "configfs" suites boot with RAM held back by mem= for the tests that
# hot-add it.
lane_a() {
	guest guest-suite --suite suite "${plugin[@]}"
	guest guest-rodata-on --suite suite --append rodata=on "${plugin[@]}"
	# withheld_ram (configfs): 2 GiB of RAM of which mem=1G leaves 1 GiB at
	# 0x80000000 for the regions; rodata=on allows block mappings there.
	guest guest-configfs --suite configfs --boot-mem 2G --max-mem 6G \
		--append "mem=1G rodata=on"
	# A device tree blob above mem=: QEMU loads the initrd at 0x48000000
	# and the DTB after it, 2 MiB aligned; the initrd padded to 128 MiB
	# puts the DTB at 0x50000000, the first byte above mem=256M.
	# A KASAN kernel cannot boot this way: with mem=256M and the 128 MiB
	# initrd it has 36 MiB left to unpack the 32 MiB initramfs into, and
	# panics out of memory. So make KASAN=1 test boots the debug kernel
	# (build/kobj, `make guest`) here, and fails this boot without it.
	if [ -n "$reserved_kernel" ]; then
		KERNEL_IMAGE=$reserved_kernel guest guest-reserved \
			--suite reserved --boot-mem 1G --max-mem 2G \
			--vmem-size 0 --initrd "$padded" --append "mem=256M"
	else
		echo "=== guest-reserved" > "$logs/guest-reserved.out"
		echo "  not ok 1 - the debug kernel and its initramfs: run make guest first" \
			>> "$logs/guest-reserved.out"
		finish guest-reserved 0 1 0 $SECONDS
	fi
	# udev: systemd-udevd with the project's rules (udev/); blocks arrive
	# offline and virtio-mem starts empty, grown through QMP; mem=768M
	# leaves 256 MiB at 0x70000000 for withheld_ram regions.
	guest guest-udev --suite udev --vmem-size 0 \
		--append "memhp_default_state=offline mem=768M"
}
lane_b() {
	host_suites
	# debug_pagealloc maps and unmaps every page the kernel allocates or
	# frees: under TCG this suite takes 360 s alone, 425 s next to another
	# guest, and once ran into a 900 s limit with two builds on the same
	# cores. The limit is a hang guard (the 300 s idle watchdog catches a
	# stuck guest sooner), so it is 1800 s here.
	# KASAN makes it two to three times slower again.
	# 58-concurrency is left out here: it took 250 s of this boot's
	# 880, and runs with rodata=full and rodata=on.
	# With KASAN as well, 51-depop-mapping and 52-depop-errors each take
	# longer than the 600 s a guest script gets by default.
	guest guest-debug-pagealloc --suite suite --skip 58-concurrency \
		--append "debug_pagealloc=on harness.timeout=$(( ${KASAN:-0} == 1 ? 2400 : 600 ))" \
		--timeout $(( ${KASAN:-0} == 1 ? 7200 : 1800 )) "${plugin[@]}"
	guest guest-withheld --suite withheld \
		--append "mem=896M memory_hotplug.memmap_on_memory=force"
	# Fault injection: each allocation of each transition fails in turn.
	# KASAN: each sweep point offlines, fails and retries a block, each
	# ten times slower (the first sweep took 250 s there).
	if [ "${KASAN:-0}" = 1 ]; then
		guest guest-faults --suite faults --timeout 7200 \
			--append harness.timeout=3600
	else
		guest guest-faults --suite faults
	fi
	# make KASAN=1 test: the shadow of hot-added memory.
	[ "${KASAN:-0}" = 1 ] && guest guest-kasan --suite kasan
	# A range of more memory blocks than lockdep tracks held locks (48):
	# virtio-mem grown to 7 GiB (56 blocks) by the test.
	# KASAN: the shadow of 7 GiB takes 896 MiB, so 3 GiB of boot memory.
	guest guest-range --suite range --vmem-size 0 --vmem-max 7G \
		--boot-mem $(( ${KASAN:-0} == 1 ? 3 : 1 ))G \
		--max-mem $(( ${KASAN:-0} == 1 ? 11 : 9 ))G "${plugin[@]}"
	# The soak (tests/guest/soak/), 500 random transitions under memory
	# pressure, then nothing lost; `make soak` runs 10000. KASAN: 100 (a
	# transition that migrates takes up to tens of seconds there).
	guest guest-soak --suite soak --timeout 1200 --append \
		"harness.soak=$(( ${KASAN:-0} == 1 ? 100 : 500 )) harness.timeout=900"
}

# x86-64 guests (make ARCH=x86_64 test, and make test): q35 under KVM where
# /dev/kvm works, TCG otherwise (qemu-run.py says which). The same suites
# as arm64 where they are not about arm64 (tests/guest/arch/x86_64.exclude);
# no withheld_ram (it needs ARCH_KEEP_MEMBLOCK), so no configfs, withheld,
# reserved or udev boot.
x86() {
	KERNEL_IMAGE=$x86_kernel INITRAMFS=$x86_initramfs GUEST_QEMU_ARCH=x86_64 \
		guest "$@"
}
lane_c() {
	x86 x86-suite --suite suite
	# 4 KiB pages in the direct map, free pages not present.
	x86 x86-debug-pagealloc --suite suite --skip 58-concurrency \
		--append "debug_pagealloc=on harness.timeout=$(( ${KASAN:-0} == 1 ? 2400 : 600 ))" \
		--timeout $(( ${KASAN:-0} == 1 ? 7200 : 1800 ))
	# virtio-mem with 1 GiB device blocks adds 1 GiB at a time: the
	# direct map must still have no leaf that spans two memory blocks.
	x86 x86-bigblock --suite bigblock --vmem-block-size 1G \
		--vmem-size 2G --vmem-max 4G --max-mem 8G
	x86 x86-faults --suite faults
	# KASAN: the shadow of 7 GiB takes 896 MiB, so 3 GiB of boot memory.
	x86 x86-range --suite range --vmem-size 0 --vmem-max 7G \
		--boot-mem $(( ${KASAN:-0} == 1 ? 3 : 1 ))G \
		--max-mem $(( ${KASAN:-0} == 1 ? 11 : 9 ))G
	x86 x86-soak --suite soak --timeout 1200 --append \
		"harness.soak=$(( ${KASAN:-0} == 1 ? 100 : 500 )) harness.timeout=900"
}

# The initrd of guest-reserved: the same, zero-padded to 128 MiB (the
# kernel skips zeros after a cpio archive). With KASAN, the debug kernel's
# (see lane_a).
reserved_kernel=$KERNEL_IMAGE reserved_initramfs=$INITRAMFS
if [ "${KASAN:-0}" = 1 ]; then
	reserved_kernel=$build/kobj/arch/arm64/boot/Image
	reserved_initramfs=$build/initramfs.cpio
	[ -f "$reserved_kernel" ] && [ -f "$reserved_initramfs" ] ||
		reserved_kernel=""
fi
padded=$build/initramfs-padded.cpio
if ! has_arch arm64; then
	:
elif [ "$(stat -c %s "$reserved_initramfs")" -le $((126 << 20)) ]; then
	cp "$reserved_initramfs" "$padded" && truncate -s 128M "$padded"
else
	echo "run-tests: $reserved_initramfs is larger than 126 MiB: guest-reserved needs it smaller" >&2
	rm -f "$padded"
fi

rm -f "$logs"/*.counts
# arm64 guests run under TCG, a host core each: lanes A and B. x86-64
# guests have a lane C of their own next to them: under KVM they need
# little CPU; under TCG (these machines) the three lanes share the cores,
# and the x86-64 boots are shorter than either arm64 lane (CI: 12 minutes
# for the three lanes, against 7.5 for arm64 alone).
if ! has_arch arm64; then
	# The harness self-test boots the x86-64 guest then.
	export KERNEL_IMAGE=$x86_kernel INITRAMFS=$x86_initramfs GUEST_QEMU_ARCH=x86_64
	host_suites
	export GUEST_QEMU_ARCH=arm64
	has_arch x86_64 && lane_c
elif [ "$lanes" -ge 2 ]; then
	lane_a &
	lane_b &
	has_arch x86_64 && lane_c &
	wait
else
	lane_b
	lane_a
	has_arch x86_64 && lane_c
fi

# The summary, in a fixed order; a suite that left no counts failed.
if [ $baseline = 0 ]; then
	for t in "$top"/tests/host/*.sh; do
		order+=("host-$(basename "$t" .sh)")
	done
	[ -f "$top/tools/memctl/Makefile" ] && order+=(host-memctl)
fi
if has_arch arm64; then
	[ "${KASAN:-0}" = 1 ] && order+=(guest-kasan)
	order+=(guest-suite guest-rodata-on guest-debug-pagealloc guest-withheld guest-range guest-configfs guest-reserved guest-faults guest-udev guest-soak)
fi
has_arch x86_64 &&
	order+=(x86-suite x86-debug-pagealloc x86-bigblock x86-faults x86-range x86-soak)
for name in "${order[@]}"; do
	if read -r p f s secs < "$logs/$name.counts" 2>/dev/null; then
		:
	else
		p=0 f=1 s=0 secs=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	summary+=("$(printf '%-24s %3d passed, %d failed, %d skipped (%ds)' "$name" "$p" "$f" "$s" "$secs")")
done

echo
echo "=== summary"
printf '  %s\n' "${summary[@]}"
echo "  total time $((SECONDS / 60))m$((SECONDS % 60))s, $lanes lane(s)$(has_arch x86_64 && echo ", and lane C for x86-64")"
if [ $baseline = 1 ]; then
	echo
	echo "=== baseline: the same guest boots on the kernel without the series"
	python3 "$top/scripts/baseline-compare.py" --expect "$top/tests/baseline.txt" \
		--baseline "$logs" --patched "$build/logs"
	exit $?
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
