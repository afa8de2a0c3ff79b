# Shell helpers for fault injection sweeps (source after lib.sh).
#
# A sweep fails the 1st, then the 2nd, 3rd, ... fault injection point that
# one write(2) passes (sysfs_write --fail-nth N: every page allocation under
# fail_page_alloc and every slab allocation under failslab, sleeping or
# not, any order), one failure per write, until a write passes fewer than N
# points. Each failed write must return an errno the ABI documents for it,
# change nothing, and a retry without failure must succeed.
#
#   faults_setup                    count every allocation, print nothing
#   sweep DESC ERRNOS SETUP VIEW WRITE...
#       SETUP: command that puts things in the state before the write
#       VIEW: command that prints the state the write changes (compared
#             before and after a failed write)
#       WRITE...: the file and the word of the write
#       ERRNOS: the errnos the ABI documents for it, space separated
#   Records one result per sweep and prints its statistics; leaves them in
#   SWEEP_POINTS, SWEEP_FAILED and SWEEP_ABSORBED.
#
# SWEEP_DENSE and SWEEP_STRIDE thin a sweep out: the points up to
# SWEEP_DENSE are failed one by one, after that only every SWEEP_STRIDE-th.
# By default every point is. Under KASAN, onlining a block allocates its
# shadow one page at a time (4096 points for 128 MiB), and each point takes
# seconds there, so the KASAN boot samples them.

FPA=/sys/kernel/debug/fail_page_alloc
FSL=/sys/kernel/debug/failslab
SWEEP_MAX=${SWEEP_MAX:-600}
SWEEP_DENSE=${SWEEP_DENSE:-0}
SWEEP_STRIDE=${SWEEP_STRIDE:-1}

# fail-nth counts the points where should_fail() is asked: allocations that
# may sleep and order-0 pages are skipped by default, so count them too. The
# probability stays 0: nothing fails but the Nth point of the one task.
faults_setup() {
	local a
	for a in $FPA $FSL; do
		echo 0 > $a/probability
		echo N > $a/task-filter
		echo 0 > $a/verbose
		echo N > $a/ignore-gfp-wait
	done
	echo 0 > $FPA/min-order
	echo N > $FPA/ignore-gfp-highmem
	echo N > $FSL/cache-filter
}

# sweep DESC ERRNOS SETUP VIEW FILE WORD
sweep() {
	local desc=$1 errnos=$2 setup=$3 view=$4 file=$5 word=$6
	local n=1 r err before after retry bad="" failed=0 absorbed=0 stats=""
	local tried=0 sampled=""
	declare -A seen=()
	while :; do
		if ! $setup; then
			bad="$bad [n=$n: setup failed]"
			break
		fi
		before=$($view)
		tried=$((tried + 1))
		r=$(sysfs_write --fail-nth $n "$file" "$word" 2>&1)
		case $r in
		"OK clean")
			break ;;
		"OK injected")
			# Absorbed: the change was made anyway (a uevent or a
			# fallback allocation failed); the retry is not needed.
			absorbed=$((absorbed + 1)) ;;
		*" injected")
			err=${r% injected}
			failed=$((failed + 1))
			seen[$err]=$((${seen[$err]:-0} + 1))
			case " $errnos " in
			*" $err "*) ;;
			*) bad="$bad [n=$n: $err not documented]" ;;
			esac
			after=$($view)
			[ "$before" = "$after" ] ||
				bad="$bad [n=$n: $err changed '${before//$'\n'/;}' to '${after//$'\n'/;}']"
			retry=$(sysfs_write "$file" "$word" 2>&1)
			[ "$retry" = OK ] || bad="$bad [n=$n: retry gave $retry]"
			;;
		*)
			bad="$bad [n=$n: '$r' without an injected failure]" ;;
		esac
		if [ "$SWEEP_DENSE" -gt 0 ] && [ $n -ge "$SWEEP_DENSE" ]; then
			n=$((n + SWEEP_STRIDE))
			sampled=" (sampled: the first $SWEEP_DENSE, then every $SWEEP_STRIDE-th; $tried failed in turn)"
		else
			n=$((n + 1))
		fi
		if [ $n -gt "$SWEEP_MAX" ]; then
			bad="$bad [more than $SWEEP_MAX points]"
			break
		fi
	done
	for err in "${!seen[@]}"; do
		stats="$stats $err=${seen[$err]}"
	done
	SWEEP_POINTS=$((n - 1)) SWEEP_FAILED=$failed SWEEP_ABSORBED=$absorbed
	echo "    $desc: up to $((n - 1)) points$sampled, $failed failed ($stats ), $absorbed absorbed"
	# No point at all is a pass too: the write allocates nothing.
	if [ -z "$bad" ]; then
		ok "$desc: $((n - 1)) points, each failure documented, nothing changed, retry works"
	else
		fail "$desc" "$bad"
	fi
}
