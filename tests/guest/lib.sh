# Shared helpers for guest tests (bash). A test script sources this file,
# calls ok/fail/check for every assertion, and the runner (run.sh) numbers
# the results and turns them into TAP.

MEMDIR=/sys/devices/system/memory
: "${TAP_RESULTS:=/tmp/results}"
TEST_NAME=$(basename "$0" .sh)

# Record one result: ok "description" / fail "description" "why".
ok() {
	printf 'ok\t%s: %s\n' "$TEST_NAME" "$1" >> "$TAP_RESULTS"
	echo "  ok: $1"
}

fail() {
	# One result per line: a multi-line expectation (a snapshot) is flattened.
	local why=${2:-}
	why=${why//$'\n'/ \\n }
	printf 'not ok\t%s: %s\t%s\n' "$TEST_NAME" "$1" "$why" >> "$TAP_RESULTS"
	echo "  FAILED: $1${2:+ ($why)}"
}

# skip "description" "reason": an assertion that cannot run because the
# environment lacks something (never because the feature under test is
# missing). Counted as skipped, never as passed.
skip() {
	printf 'skip\t%s: %s\t%s\n' "$TEST_NAME" "$1" "${2:-no reason given}" >> "$TAP_RESULTS"
	echo "  SKIPPED: $1 (${2:-no reason given})"
}

# check "description" command...: ok if the command succeeds.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc" "$(echo "$out" | tail -1)"
	fi
}

# expect "description" expected actual
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# Abort the script: the runner reports it as not ok.
bail() {
	fail "${1:-bail out}" "${2:-}"
	exit 1
}

# Write WORD to a sysfs FILE; prints OK or the errno name (EBUSY, ...).
swrite() {
	sysfs_write "$1" "$2" 2>&1
}

block_size() {
	printf '%d' "0x$(cat $MEMDIR/block_size_bytes)"
}

block_state() {
	cat "$MEMDIR/memory$1/state"
}

# Blocks (indices) whose physical range lies in a /proc/iomem top-level
# resource whose name matches $1 exactly (e.g. "System RAM (virtio_mem)").
# Each block once: on x86-64 the first block holds two System RAM ranges
# (below and above the legacy hole at 640 KiB).
blocks_of() {
	local name=$1 bs start end s e
	local -A seen=()
	bs=$(block_size)
	while IFS= read -r line; do
		line=${line#"${line%%[! ]*}"}
		[ "${line#*: }" = "$name" ] || continue
		s=$((0x${line%%-*}))
		e=${line#*-}
		e=$((0x${e%% *}))
		start=$((s / bs))
		end=$((e / bs))
		for ((i = start; i <= end; i++)); do
			[ -d "$MEMDIR/memory$i" ] && [ -z "${seen[$i]:-}" ] && echo "$i"
			seen[$i]=1
		done
	done < /proc/iomem
}

vmem_blocks() {
	blocks_of "System RAM (virtio_mem)"
}

# vmem_all_online [N]: every virtio-mem block is online, and there are at
# least N of them (virtio-mem plugs and onlines asynchronously).
vmem_all_online() {
	local b n=0
	for b in $(vmem_blocks); do
		[ "$(block_state "$b")" = online ] || return 1
		n=$((n + 1))
	done
	[ "$n" -ge "${1:-0}" ]
}

# The first index of the boot RAM blocks.
boot_blocks() {
	blocks_of "System RAM"
}

# wait_for SECONDS command...: poll until the command succeeds.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# A /proc/meminfo value in kB, read without forking: a forked reader's own
# page tables and kernel stack would show up in PageTables.
meminfo() {
	local key val rest
	while read -r key val rest; do
		[ "$key" = "$1:" ] && { echo "$val"; return; }
	done < /proc/meminfo
}

# meminfo_exact VAR KEY: set VAR to a /proc/meminfo value (kB), with the
# per-CPU counter deltas folded in first (vm.stat_refresh): plain
# /proc/meminfo lags by up to the per-CPU thresholds, hundreds of kB on this
# guest, until the vmstat worker runs a second later. Call it without $(...):
# a forked subshell's own page tables would be counted.
meminfo_exact() {
	local key val rest
	echo 1 > /proc/sys/vm/stat_refresh
	while read -r key val rest; do
		[ "$key" = "$2:" ] && { printf -v "$1" %s "$val"; return; }
	done < /proc/meminfo
}

# kernel_pt VAR: set VAR to the kB of page tables the kernel uses for
# itself: PageTables (with the per-CPU deltas folded in) minus the page
# tables of every process (VmPTE), which move with the shell's own heap.
# No fork: a new process would add its own. A process that allocates or
# frees a page table after the fold changes its VmPTE at once, but
# PageTables only at the next fold: the sum of VmPTE is taken before the
# fold and again after PageTables was read, and the measurement is taken
# again until both sums agree (a 4 kB error in about one run in ten
# otherwise). Fails after 20 tries.
vmpte_sum() {
	local key val rest f total=0
	for f in /proc/[0-9]*/status; do
		while read -r key val rest; do
			[ "$key" = VmPTE: ] && total=$((total + val)) && break
		done 2>/dev/null < "$f"
	done
	printf -v "$1" %s $total
}

kernel_pt() {
	local key val rest before after try
	for ((try = 0; try < 20; try++)); do
		vmpte_sum before
		echo 1 > /proc/sys/vm/stat_refresh
		while read -r key val rest; do
			[ "$key" = PageTables: ] && break
		done < /proc/meminfo
		vmpte_sum after
		if [ "$before" = "$after" ]; then
			printf -v "$1" %s $((val - after))
			return 0
		fi
	done
	echo "kernel_pt: the processes' page tables kept changing" >&2
	printf -v "$1" %s unknown
	return 1
}

# Requests to the host harness (scripts/qemu-run.py) over the virtio-serial
# control port that run.sh opened as fd 3. Prints the reply after "ok".
#   host echo WORDS          the words back
#   host vmem-size           bytes the virtio-mem device has plugged
#   host vmem-resize SIZE    set its requested-size through QMP
#   host qmp CMD [JSON]      any QMP command, the reply's "return" as JSON
#   host json TEXT           "dict"/"list"... if TEXT (one line) is valid JSON
host() {
	local reply
	[ -e /proc/self/fd/3 ] || { echo "no host channel" >&2; return 1; }
	echo "REQ $*" >&3
	IFS= read -r -t 60 reply <&3 || { echo "host: no reply" >&2; return 1; }
	case $reply in
	"REP ok"*) reply=${reply#REP ok}; echo "${reply# }" ;;
	*) echo "host: ${reply#REP }" >&2; return 1 ;;
	esac
}

# ---- TLBI plugin windows (scripts/bench/tlbi-plugin.c) ---------------------

# tlbi_sites "K tlbi=N ... @pc:op=N ...": from a window's counts (host
# tlbi-window), one line "FUNCTION OP N" per TLBI instruction executed in
# it, FUNCTION being the kernel text symbol at or below pc. Addresses are 16
# lowercase hex digits on both sides, so comparing them as strings compares
# them as numbers.
tlbi_sites() {
	local w pcs=
	for w in $1; do
		case $w in @*) pcs="$pcs ${w#@}" ;; esac
	done
	[ -n "$pcs" ] || return 0
	awk -v pcs="$pcs" '
	BEGIN { n = split(pcs, s, " ")
		for (i = 1; i <= n; i++) { split(s[i], f, ":"); pc[i] = f[1]; rest[i] = f[2] } }
	$2 ~ /^[tT]$/ && length($1) == 16 {
		for (i = 1; i <= n; i++)
			if ($1 <= pc[i] && $1 > best[i]) { best[i] = $1; sym[i] = $3 }
	}
	END { for (i = 1; i <= n; i++) {
		split(rest[i], r, "=")
		print (i in sym ? sym[i] : "?" pc[i]), r[1], r[2] } }' /proc/kallsyms
}

# A window holds what its vCPU executed, and an interrupt, or a kworker
# that ran while the writer slept, may invalidate something of its own (a
# vmalloc purge, a munmap) inside it. So TLBIs are counted by the function
# that issued them: the linear-map teardown's own flush (the helper when
# the compiler does not inline it), and the rest of the hotplug and
# linear-map code, where any TLBI would be a second invalidation (the
# hot-remove walker's, a flush per block).
TLBI_TEARDOWN='^(arch_depopulate_linear_map|flush_tlb_kernel_pgtable_range)$'
TLBI_HOTPLUG='depopulat|populate|hotplug|memory_block|pgd_mapping|pgtable|linear_map|memblock|free_empty'

# tlbi_teardown SITES: TLBIs issued by the teardown's flush.
tlbi_teardown() {
	echo "$1" | awk -v own="$TLBI_TEARDOWN" '$1 ~ own { n += $3 } END { print n + 0 }'
}

# tlbi_hotplug_other SITES: TLBIs issued by the rest of the hotplug code.
tlbi_hotplug_other() {
	echo "$1" | awk -v own="$TLBI_TEARDOWN" -v hp="$TLBI_HOTPLUG" \
		'$1 !~ own && $1 ~ hp { n += $3 } END { print n + 0 }'
}

# tlb_flushes_received: x86-64 with CONFIG_DEBUG_TLBFLUSH, the number of
# flushes of all TLBs (and kernel ranges flushed as such) that CPUs were
# asked to do (nr_tlb_remote_flush_received in /proc/vmstat), read with
# bash builtins only, so that no process of its own adds one.
tlb_flushes_received() {
	local k v
	while read -r k v; do
		[ "$k" = nr_tlb_remote_flush_received ] && { echo "$v"; return; }
	done < /proc/vmstat
	echo none
}

# ---- offline_depopulated helpers ------------------------------------------

DEPOP=/sys/kernel/debug/depop_test

# The guest's architecture and where its ptdump shows the linear map (the
# direct map on x86-64): arm64 between "Linear Mapping start" and "Linear
# Mapping end", x86-64 from "Low Kernel Mapping" to "vmalloc() Area". In
# both, a line that maps nothing has three fields (range, size, level).
GUEST_ARCH=$(uname -m)
if [ "$GUEST_ARCH" = x86_64 ]; then
	PTDUMP=/sys/kernel/debug/page_tables/kernel
	LM_START='Low Kernel Mapping'
	LM_END='vmalloc() Area'
else
	PTDUMP=/sys/kernel/debug/kernel_page_tables
	LM_START='Linear Mapping start'
	LM_END='Linear Mapping end'
fi

# pt_level LINE: the page-table level of a ptdump line, in capitals: the
# third field on arm64, the last on x86-64.
pt_level() {
	local f
	read -ra f <<< "$1"
	if [ "$GUEST_ARCH" = x86_64 ]; then
		echo "${f[-1]^^}"
	else
		echo "${f[2]}"
	fi
}

# Load the test module once.
load_depop_test() {
	[ -d $DEPOP ] || insmod /lib/modules/harness/depop_test.ko
}

# Physical start address of memory block $1.
block_phys() {
	echo $(($1 * $(block_size)))
}

# probe PHYS: 0 if the linear map has PHYS, -14 (-EFAULT) if not.
# With debug_pagealloc=on, free pages have invalid linear-map entries and
# their probe faults too: an entry in ptdump (shown with F) counts as mapped.
# On x86-64 a free page's entry is simply not present, in a PTE table that
# is there: a PTE-level line of ptdump, mapped or not, counts as mapped. A
# depopulated block has no PTE table, only an empty PMD entry.
probe() {
	local r
	echo "$1" > $DEPOP/probe && r=$(cat $DEPOP/probe)
	if [ "$r" = -14 ] && grep -qw debug_pagealloc=on /proc/cmdline; then
		if [ "$GUEST_ARCH" = x86_64 ]; then
			[ "$(pt_level "$(ptdump_at "$(linear_va "$1")")")" = PTE ] && r=0
		elif [ -n "$(ptdump_range "$(linear_va "$1")" 8)" ]; then
			r=0
		fi
	fi
	echo "$r"
}

# ptdump_lm: the lines of ptdump between the linear map's markers, mapped or
# not. A snapshot through a pipe: bash reads regular files in blocks and
# seeks back, and every seek regenerates the dump, which KFENCE changes.
# (No process substitution: the initramfs has no /dev/fd.)
ptdump_lm() {
	local line in=0
	cat $PTDUMP | while IFS= read -r line; do
		case $line in
		*"$LM_START"*) in=1 ;;
		*"$LM_END"*) in=0 ;;
		0x*) [ $in = 0 ] || echo "$line" ;;
		esac
	done
}

# ptdump_at VA: the ptdump line of the linear map that covers VA, mapped or
# not.
ptdump_at() {
	local va=$1 line s e
	ptdump_lm | while IFS= read -r line; do
		s=${line%%-*}
		e=${line#*-}
		e=${e%% *}
		if (( s <= va && e > va )); then
			echo "$line"
			break
		fi
	done
}

probe_block() {
	probe "$(block_phys "$1")"
}

# The first physical address of RAM, which the linear map starts with.
# On x86-64 the direct map starts with physical address 0 (the first page
# is reserved, not System RAM).
ram_start() {
	local line
	[ "$GUEST_ARCH" = x86_64 ] && { echo 0; return; }
	line=$(grep -m1 ': System RAM$' /proc/iomem)
	line=${line#"${line%%[! ]*}"}
	echo $((0x${line%%-*}))
}

# Start of the linear map (PAGE_OFFSET), from ptdump's first entry after
# its start marker. On x86-64 that entry maps physical page 1 (page 0 is
# not mapped); PAGE_OFFSET is 1 GiB aligned, also with KASLR.
page_offset() {
	local line
	line=$(sed -n "/$LM_START/{n;p;q}" $PTDUMP)
	if [ "$GUEST_ARCH" = x86_64 ]; then
		echo $((${line%%-*} & ~((1 << 30) - 1)))
	else
		echo $((${line%%-*}))
	fi
}

# The linear-map virtual address of physical address $1.
linear_va() {
	echo $(($(page_offset) + $1 - $(ram_start)))
}

# The ptdump lines of the linear map that map something in [VA, VA + SIZE).
# ptdump also prints unmapped stretches, as a range, a size and a level with
# no attributes: those are skipped. Bash arithmetic is signed 64 bit: kernel
# addresses are negative, but their order is kept, so the comparisons hold.
ptdump_range() {
	local va=$1 size=$2 s e line fields
	ptdump_lm | while IFS= read -r line; do
		read -ra fields <<< "$line"
		# x86-64, debug_pagealloc: a free page is a PTE that is not
		# present, in a PTE table that is: the linear map has it, as
		# arm64's F lines.
		[ ${#fields[@]} -gt 3 ] ||
			[ "$GUEST_ARCH.${#fields[@]}.${fields[2]:-}" = x86_64.3.pte ] ||
			continue
		s=${line%%-*}
		e=${line#*-}
		e=${e%% *}
		if (( s < va + size && e > va )); then
			echo "$line"
		fi
	done
}

# ptdump_block_clip B: the ptdump lines of memory block B clipped to the
# block, without the size column: ptdump merges neighbouring entries with
# the same attributes into one line, which a change next door splits.
ptdump_block_clip() {
	local va bs line s e f
	va=$(linear_va "$(block_phys "$1")")
	bs=$(block_size)
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		read -ra f <<< "$line"
		s=${line%%-*} e=${line#*-} e=${e%% *}
		(( s < va )) && s=$va
		(( e > va + bs )) && e=$((va + bs))
		printf '0x%016x-0x%016x %s\n' "$s" "$e" "${f[*]:2}"
	done <<< "$(ptdump_block "$1")"
}

# ptdump lines that map memory block $1.
ptdump_block() {
	ptdump_range "$(linear_va "$(block_phys "$1")")" "$(block_size)"
}

# block_pt_kb B: kB of page-table pages that map memory block B and nothing
# else, from ptdump: each PTE table maps PAGE_SIZE / 8 pages, so a block
# mapped at PTE level (rodata=full) needs one table per 2 MiB (4 KiB pages),
# 64 tables or 256 kB for 128 MiB; a block mapped with PMD or PUD leaves
# (rodata=on) needs none of its own (the PMD table above it maps 1 GiB, of
# which other memory is a part).
block_pt_kb() {
	local line f s e pte=0 va bs page=4096 span
	# The harness kernel has 4 KiB pages (kconfig/base.config).
	span=$((page / 8 * page))
	va=$(linear_va "$(block_phys "$1")")
	bs=$(block_size)
	# ptdump merges neighbouring entries into one line: clip to the block.
	while IFS= read -r line; do
		[ "$(pt_level "$line")" = PTE ] || continue
		s=${line%%-*} e=${line#*-} e=${e%% *}
		(( s < va )) && s=$va
		(( e > va + bs )) && e=$((va + bs))
		pte=$((pte + e - s))
	done <<< "$(ptdump_block "$1")"
	echo $(((pte + span - 1) / span * page / 1024))
}

# fail_alloc_on / fail_alloc_off: fail_page_alloc for the tasks that ask for
# it (sysfs_write --fail-alloc marks only its write(2), and cannot fault
# itself meanwhile: mlockall, see tests/progs/sysfs_write.c), every
# allocation, at most 64 failures per call of fail_alloc_on, so that an
# allocation hit by mistake fails a test instead of looping for ever.
# The task filter is set before the probability, so nothing else is hit.
FAIL_ALLOC=/sys/kernel/debug/fail_page_alloc
fail_alloc_on() {
	echo Y > $FAIL_ALLOC/task-filter
	echo 0 > $FAIL_ALLOC/space
	echo 0 > $FAIL_ALLOC/verbose
	echo 0 > $FAIL_ALLOC/min-order
	echo N > $FAIL_ALLOC/ignore-gfp-wait
	echo N > $FAIL_ALLOC/ignore-gfp-highmem
	echo 1 > $FAIL_ALLOC/interval
	echo 64 > $FAIL_ALLOC/times
	echo 100 > $FAIL_ALLOC/probability
}

fail_alloc_off() {
	echo 0 > $FAIL_ALLOC/probability
	echo N > $FAIL_ALLOC/task-filter
}

# Put memory block $1 into state $2 (online, offline, offline_depopulated),
# whatever state it is in now. Prints nothing; fails if it did not get there.
set_state() {
	local b=$1 want=$2 f=$MEMDIR/memory$1/state
	[ "$(block_state "$b")" = "$want" ] && return 0
	case $want in
	online) sysfs_write "$f" online_movable > /dev/null ;;
	offline)
		[ "$(block_state "$b")" = offline_depopulated ] ||
			sysfs_write "$f" offline > /dev/null
		sysfs_write "$f" offline > /dev/null ;;
	offline_depopulated) sysfs_write "$f" offline_depopulated > /dev/null ;;
	esac
	[ "$(block_state "$b")" = "$want" ]
}

# Collect kernel uevents of memory blocks in the background:
# uevents_start; ...; uevents_stop; then grep the file $UEVENTS.
UEVENTS=/tmp/uevents
uevents_start() {
	: > $UEVENTS
	udevadm monitor --kernel --property --subsystem-match=memory > $UEVENTS 2>&1 &
	UEVENT_PID=$!
	wait_for 10 grep -q "KERNEL - the kernel uevent" $UEVENTS
}

uevents_stop() {
	sleep 0.3
	kill "$UEVENT_PID" 2>/dev/null
	wait "$UEVENT_PID" 2>/dev/null
}

# The uevents seen for memory block $1, as "ACTION STATE" lines.
uevents_of() {
	awk -v dev="/devices/system/memory/memory$1" '
		/^KERNEL\[/ { act = $2; path = $3; next }
		/^STATE=/ && path == dev { print act, substr($0, 7) }' $UEVENTS
}

# ---- without forking ---------------------------------------------------------
# Under TCG a fork and exec costs more than many of the operations a test
# repeats thousands of times; these do what swrite and probe do in the shell
# itself.

# The errno name of a strerror() text, as the shell and memctl print them.
declare -A STRERROR=(
	["Device or resource busy"]=EBUSY
	["Invalid argument"]=EINVAL
	["Operation not supported"]=EOPNOTSUPP
	["Cannot allocate memory"]=ENOMEM
	["No such file or directory"]=ENOENT
	["No such device"]=ENODEV
	["Operation canceled"]=ECANCELED
	["Operation not permitted"]=EPERM
	["Interrupted system call"]=EINTR
	["No such process"]=ESRCH
)

# swrite_var VAR FILE WORD: write WORD to FILE with the shell's echo and set
# VAR to OK or the errno name (as swrite prints it). The shell reports a
# failed open as "...: FILE: <error>" and a failed write as "...: echo:
# write error: <error>"; the text after the last ": " is the error.
swrite_var() {
	local msg
	if { echo "$3" > "$2"; } 2> /tmp/swrite_var.$BASHPID; then
		printf -v "$1" OK
	else
		read -r msg < /tmp/swrite_var.$BASHPID
		msg=${msg##*: }
		printf -v "$1" %s "${STRERROR[$msg]:-${msg// /_}}"
	fi
}

# probe_var VAR PHYS: probe, without forking where debug_pagealloc does not
# need ptdump's opinion (whether it is on is looked up once).
probe_var() {
	local r
	if [ -z "${PROBE_DPA:-}" ]; then
		PROBE_DPA=0
		grep -qw debug_pagealloc=on /proc/cmdline && PROBE_DPA=1
	fi
	if [ "$PROBE_DPA" = 1 ]; then
		r=$(probe "$2")
	else
		r=none
		echo "$2" > $DEPOP/probe && read -r r < $DEPOP/probe
	fi
	printf -v "$1" %s "$r"
}

# ptdump_kmap B: the kernel's linear map from memory block B's address on,
# and the vmemmap, from ptdump, for comparing before and after (vmalloc
# space changes with every process). Boot memory is left out: with KFENCE,
# its pool at the end of boot memory changes page by page all the time, and
# its last page may merge into the ptdump line of the first virtio-mem
# block, so lines are cut at that address. With debug_pagealloc, free pages
# are mapped invalid (F) and change with every allocation: F is dropped and
# the lines it split are joined again. All addresses are 0x + 16 hex digits:
# string order is numeric.
ptdump_kmap() {
	local lo line s e key f fields ps="" pe="" pkey="" free=""
	lo=$(printf '0x%016x' "$(linear_va "$(block_phys "$1")")")
	sed -n "/$LM_START/,/$LM_END/p" $PTDUMP | {
	while IFS= read -r line; do
		[[ $line == 0x* ]] || continue
		s=${line%%-*} e=${line#*-}
		e=${e%% *}
		[[ $e > $lo ]] || continue
		[[ $s < $lo ]] && s=$lo
		read -ra fields <<< "$line"
		# x86-64, debug_pagealloc: a free page is a PTE that is not
		# present, the counterpart of arm64's F: part of its neighbours,
		# before or after it (free: where a leading run of them began).
		if [ "$GUEST_ARCH" = x86_64 ] && [ ${#fields[@]} = 3 ] &&
		   [ "${fields[2]}" = pte ]; then
			if [ -n "$ps" ] && [ "$s" = "$pe" ]; then
				pe=$e
			elif [ -z "$ps" ]; then
				free=${free:-$s}
			fi
			continue
		fi
		[ -z "$ps" ] && [ -n "$free" ] && s=$free
		free=""
		key=""
		for f in "${fields[@]:2}"; do
			[ "$f" = F ] || key="$key $f"
		done
		if [ "$key" = "$pkey" ] && [ "$s" = "$pe" ]; then
			pe=$e
			continue
		fi
		[ -n "$ps" ] && echo "$ps-$pe$pkey"
		ps=$s pe=$e pkey=$key
	done
	[ -n "$ps" ] && echo "$ps-$pe$pkey"
	}
	sed -n -e '/vmemmap start/,/vmemmap end/p' $PTDUMP
}

# ---- KASAN (make KASAN=1 test) ---------------------------------------------

# kasan_on: whether the kernel has KASAN. Its shadow takes 1/8 of every
# block that goes online, and its quarantine holds freed objects back from
# the allocator. The boot's messages are in /tmp/dmesg.boot (run.sh
# empties the ring buffer into it before the first script).
kasan_on() {
	grep -qs 'KernelAddressSanitizer initialized' /tmp/dmesg.boot ||
		dmesg | grep -q 'KernelAddressSanitizer initialized'
}

# kasan_flush: free what the KASAN quarantine holds (shrinking a slab cache
# takes its objects out of the quarantine), so that free memory compares
# as exactly as without KASAN. Does nothing without KASAN.
kasan_flush() {
	local f
	kasan_on || return 0
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f" 2>/dev/null
	done
}
