#!/bin/bash
# The benchmark of `make bench` (scripts/bench.py): what offline_depopulated
# costs and saves against offline/online and against remove/add. Boots with
# RAM withheld by mem= (e.g. 5 GiB of RAM, mem=1G: 4 GiB at 0x80000000 the
# kernel does not use), which the depop_bench module hot-adds as
# driver-managed System RAM, N blocks at a time. memhp_bench (tests/progs)
# does the timing; its output goes to the host over the control port
# ("OUT" lines, written to qemu-run.py --out) and to the console.
#
# Kernel command line knobs (scripts/bench.py sets them):
#   harness.bench_start=PHYS     first withheld address (default 0x80000000)
#   harness.bench_ns=1,2,4       block counts to measure (default 1,2,4,8,16,32)
#   harness.bench_reps=20        repetitions per block count (at most)
#   harness.bench_budget=45      seconds per block count N > 1: stop after the
#                                round that passes it, once bench_minreps ran
#   harness.bench_minreps=5
#   harness.bench_mem=32         block count for the memory figures (0: none)
#   harness.bench_tlb=1,32       block counts for the TLBI windows ("": none)
#   harness.bench_failpop=1,32   block counts to populate under fail_page_alloc
. /harness/lib.sh

bench_start=0x80000000 bench_ns=1,2,4,8,16,32 bench_reps=20 bench_mem=32 bench_tlb=1,32
bench_budget=45 bench_minreps=5 bench_failpop=1,32
for arg in $(cat /proc/cmdline); do
	case $arg in
	harness.bench_*=*) k=${arg#harness.}; eval "${k%%=*}=\${arg#*=}" ;;
	esac
done

out() {
	# Every line to the console, and those with data to the host too.
	local line
	while IFS= read -r line; do
		echo "$line"
		case $line in
		BENCH*|MEM*|TLBWIN*|INFO*|FAILPOP*) [ -e /proc/self/fd/3 ] && echo "OUT $line" >&3 ;;
		esac
	done
}

insmod /lib/modules/harness/depop_bench.ko || bail "insmod depop_bench.ko"
bs=$(block_size)
start=$((bench_start))
echo offline > $MEMDIR/auto_online_blocks
cpus=$(nproc)
pin=$((cpus - 1))

{
	echo "INFO {\"block_size\":$bs,\"start\":$start,\"cpus\":$cpus,\"kernel\":\"$(uname -r)\"," \
		"\"cmdline\":\"$(cat /proc/cmdline)\",\"page_size\":4096," \
		"\"MemTotal\":$(meminfo MemTotal)}"
} | out

# add N: hot-add N blocks from $start, online them (movable); 0 on success.
add_region() {
	local n=$1 i b
	echo "$start $((n * bs))" > /sys/kernel/debug/depop_bench/add || return 1
	for ((i = 0; i < n; i++)); do
		b=$((start / bs + i))
		swrite $MEMDIR/memory$b/state online_movable > /dev/null || return 1
	done
	[ "$(blocks_of "System RAM (depop_bench)" | wc -l)" = "$n" ]
}

remove_region() {
	echo "$start $(($1 * bs))" > /sys/kernel/debug/depop_bench/remove
}

depopulatable() {
	local i b
	for ((i = 0; i < $1; i++)); do
		b=$((start / bs + i))
		[ "$(cat $MEMDIR/memory$b/depopulatable)" = 1 ] || return 1
	done
}

for n in ${bench_ns//,/ }; do
	if ! add_region "$n"; then
		fail "N=$n: hot-add $n blocks at $(printf 0x%x $start)" "$(dmesg | tail -3)"
		remove_region "$n"
		continue
	fi
	check "N=$n: blocks are depopulatable" depopulatable "$n"
	# N = 1: every kind, all repetitions (the headline figures). N > 1:
	# the per-block sysfs kinds only scale by N, the range calls are what
	# changes: plain, depop_api and remove, within the time budget.
	kinds=plain,depop_api,remove limit="$bench_budget $bench_minreps"
	[ "$n" = 1 ] && kinds=plain,depop,depop_parts,depop_api,depop_cm,remove limit=""
	t0=$SECONDS
	if memhp_bench --cpu $pin cycles $start "$n" "$bench_reps" $kinds $limit > /tmp/bench.out 2>&1; then
		ok "N=$n: $(grep -c '"kind":"plain"' /tmp/bench.out) rounds of $kinds ($((SECONDS - t0))s)"
	else
		fail "N=$n: memhp_bench cycles" "$(tail -1 /tmp/bench.out)"
	fi
	out < /tmp/bench.out
	if [[ ",$bench_tlb," == *",$n,"* ]]; then
		if memhp_bench --cpu $pin tlb $start "$n" 2 > /tmp/tlb.out 2>&1; then
			ok "N=$n: TLBI windows"
		else
			fail "N=$n: memhp_bench tlb" "$(tail -1 /tmp/tlb.out)"
		fi
		out < /tmp/tlb.out
	fi
	if [[ ",$bench_failpop," == *",$n,"* ]]; then
		# The control hot-adds the block after the range: only where
		# that is withheld RAM too.
		control=0
		[ "$n" -lt 32 ] && control=1
		if memhp_bench failpop $start "$n" $control > /tmp/fp.out 2>&1; then
			ok "N=$n: populate under fail_page_alloc"
		else
			fail "N=$n: memhp_bench failpop" "$(tail -1 /tmp/fp.out)"
		fi
		out < /tmp/fp.out
		for ((i = 0; i < n; i++)); do
			swrite $MEMDIR/memory$((start / bs + i))/state online_movable > /dev/null
		done
	fi
	if [ "$n" = "$bench_mem" ]; then
		for ((i = 0; i < n; i++)); do
			swrite $MEMDIR/memory$((start / bs + i))/state offline > /dev/null
		done
		if memhp_bench mem $start "$n" 3 > /tmp/mem.out 2>&1; then
			ok "N=$n: meminfo deltas"
		else
			fail "N=$n: memhp_bench mem" "$(tail -1 /tmp/mem.out)"
		fi
		out < /tmp/mem.out
		# The rodata=on/full layout of what was mapped, for the report.
		grep -E '^(PageTables|MemTotal|MemFree):' /proc/meminfo | sed 's/^/  /'
	fi
	expect "N=$n: offline_and_remove_memory() of the region" 0 \
		"$(remove_region "$n" && echo 0 || echo 1)"
done
echo online_movable > $MEMDIR/auto_online_blocks
