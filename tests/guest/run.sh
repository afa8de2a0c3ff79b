#!/bin/bash
# Guest test runner. Runs every script of the suite directory in order
# (/harness/suite, or /harness/<name> for harness.suite=<name>), collects the
# results each script records through lib.sh, and prints them as TAP on the
# console and on the harness control port, where scripts/qemu-run.py counts
# them. After each script the kernel log is read: a splat fails that script.
#
# Kernel command line knobs:
#   harness.suite=NAME      directory of scripts to run (default: suite)
#   harness.only=P1,P2,...  run only scripts whose name contains one of them
#   harness.skip=P1,P2,...  leave out scripts whose name contains one of them
#   harness.vmem_blocks=N   wait for N virtio-mem blocks before starting
#
# /harness/arch/<uname -m>.exclude names the scripts (SUITE/NAME) that are
# about another architecture's page tables and do not run on this one, each
# with the reason, which is printed as a comment: they are not tests here.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /harness/lib.sh

suite=suite only="" skip="" vmem_blocks=0 timeout=600
for arg in $(cat /proc/cmdline); do
	case $arg in
	harness.suite=*) suite=${arg#*=} ;;
	harness.only=*) only=${arg#*=} ;;
	harness.skip=*) skip=${arg#*=} ;;
	harness.vmem_blocks=*) vmem_blocks=${arg#*=} ;;
	harness.timeout=*) timeout=${arg#*=} ;;
	esac
done

port=""
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = harness.ctl ] && port=/dev/${p##*/}
done
[ -n "$port" ] && exec 3<>"$port"

emit() {
	echo "$1"
	[ -n "$port" ] && echo "TAP $1" >&3
}

splat_re='Oops|BUG:|WARNING:|Kernel panic|Internal error|Unable to handle kernel|KASAN|UBSAN|INFO: task .* blocked|INFO: rcu_.* stall|non-static key|circular locking|recursive locking|lock held when returning'

export TAP_RESULTS=/tmp/results
n=0 passed=0 failed=0 skipped=0
emit "TAP version 13"

# virtio-mem plugs its memory asynchronously after the driver probes. The
# suites are written for the blocks it was asked for: without them every
# later assertion would be meaningless, so this is a failure of its own.
if [ "$vmem_blocks" -gt 0 ]; then
	n=$((n + 1))
	if wait_for 60 vmem_all_online "$vmem_blocks"; then
		passed=$((passed + 1))
		emit "ok $n - harness: $vmem_blocks virtio-mem blocks online"
	else
		failed=$((failed + 1))
		emit "not ok $n - harness: $vmem_blocks virtio-mem blocks online # only $(vmem_blocks | wc -l) present: $(for b in $(vmem_blocks); do printf '%s ' "$(block_state "$b")"; done)"
	fi
fi
dmesg -c > /tmp/dmesg.boot
for t in /harness/$suite/*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "$only" ]; then
		want=0
		for pat in ${only//,/ }; do
			[ "${name#*"$pat"}" != "$name" ] && want=1
		done
		[ $want = 1 ] || continue
	fi
	want=1
	for pat in ${skip//,/ }; do
		[ "${name#*"$pat"}" != "$name" ] && want=0
	done
	[ $want = 1 ] || continue
	why=$(sed -n "s|^$suite/$name[[:space:]]\{1,\}||p" \
		"/harness/arch/$(uname -m).exclude" 2>/dev/null)
	if [ -n "$why" ]; then
		emit "# $name: not on $(uname -m): $why"
		continue
	fi
	emit "# $name"
	t0=$SECONDS
	: > "$TAP_RESULTS"
	timeout -s KILL "$timeout" /bin/bash "$t" 2>&1
	rc=$?
	had_fail=0 any=0
	while IFS=$'\t' read -r status desc why; do
		n=$((n + 1)) any=1
		if [ "$status" = ok ]; then
			passed=$((passed + 1))
			emit "ok $n - $desc"
		elif [ "$status" = skip ]; then
			skipped=$((skipped + 1))
			emit "ok $n - $desc # SKIP ${why}"
		else
			failed=$((failed + 1)) had_fail=1
			emit "not ok $n - $desc${why:+ # $why}"
		fi
	done < "$TAP_RESULTS"
	if [ $rc -ne 0 ] && [ $had_fail = 0 ]; then
		n=$((n + 1)) failed=$((failed + 1))
		[ $rc = 137 ] && why="killed after ${timeout}s" || why="exit status $rc"
		emit "not ok $n - $name: script failed # $why"
	elif [ $any = 0 ]; then
		n=$((n + 1)) failed=$((failed + 1))
		emit "not ok $n - $name: recorded no result"
	fi
	emit "# $name: $((SECONDS - t0)) s"
	dmesg -c > /tmp/dmesg.test
	cat /tmp/dmesg.test >> /tmp/dmesg.all
	splat=$(grep -E -m1 "$splat_re" /tmp/dmesg.test)
	if [ -n "$splat" ]; then
		n=$((n + 1)) failed=$((failed + 1))
		emit "not ok $n - $name: kernel log # ${splat#\[*\] }"
	fi
done
emit "1..$n"
emit "# guest: $passed passed, $failed failed, $skipped skipped"
[ -n "$port" ] && echo "END $passed $failed $skipped" >&3
