#!/bin/bash
# The fault injection sweep of the guest suites (tests/guest/faults.sh),
# against a fake write with a known number of allocation points: every
# point is failed by default, SWEEP_DENSE/SWEEP_STRIDE sample them as the
# KASAN boot does, and a wrong errno or a change of state is reported.
cd "$(dirname "$0")/../.." || exit 1
. tests/guest/faults.sh

n=0 results=""
t() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
# The guest's assertion helpers, recording instead of printing TAP.
ok() { results="$results|ok $1"; }
fail() { results="$results|fail $1 $2"; }

# A write passing $points allocation points: --fail-nth N fails the Nth
# with $errno; the state changes only when nothing failed (or $leak is set).
# sweep() runs the write in a command substitution, so the points it was
# asked to fail and the state are kept in files.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
points=10 errno=ENOMEM leak=0
sysfs_write() {
	if [ "$1" = --fail-nth ]; then
		echo -n " $2" >> "$tmp/calls"
		if [ "$2" -le $points ]; then
			[ $leak = 1 ] && echo changed > "$tmp/state"
			echo "$errno injected"
		else
			echo "OK clean"
		fi
	else
		echo OK
	fi
}
setup() { echo before > "$tmp/state"; }
view() { cat "$tmp/state"; }
calls() { cat "$tmp/calls" 2>/dev/null; }

sweep "every point" "ENOMEM" setup view f w > /dev/null
t "by default each of 10 points is failed once, then a clean write" \
	'[ "$(calls)" = " 1 2 3 4 5 6 7 8 9 10 11" ] && [ $SWEEP_FAILED = 10 ]'
t "a clean sweep passes" '[ "$results" = "|ok every point: 10 points, each failure documented, nothing changed, retry works" ]'

rm -f "$tmp/calls"; results="" points=5000
SWEEP_DENSE=32 SWEEP_STRIDE=256 SWEEP_MAX=16384
sweep "sampled" "ENOMEM" setup view f w > /dev/null
t "sampled: points 1 to 32, then every 256th, until the write is clean" \
	'[ "$(calls | wc -w)" = $((32 + 19 + 1)) ] && [ "$(calls | sed "s/ 33 .*//")" = "$(calls)" ] &&
	 [[ "$(calls)" == *" 31 32 288 544 "* ]] && [[ "$(calls)" == *" 4896 5152" ]]'
t "sampled: the failures are counted" '[ $SWEEP_FAILED = 51 ]'
t "sampled: the sweep passes" '[[ "$results" == "|ok sampled:"* ]]'

rm -f "$tmp/calls"; results="" points=20000
sweep "too many" "ENOMEM" setup view f w > /dev/null
t "sampled: SWEEP_MAX still bounds the sweep" '[[ "$results" == *"more than 16384 points"* ]]'

SWEEP_DENSE=0 SWEEP_STRIDE=1 SWEEP_MAX=600
rm -f "$tmp/calls"; results="" points=3 errno=EIO
sweep "wrong errno" "ENOMEM EBUSY" setup view f w > /dev/null
t "an errno the ABI does not document fails the sweep" '[[ "$results" == *"EIO not documented"* ]]'

rm -f "$tmp/calls"; results="" errno=ENOMEM leak=1
sweep "leak" "ENOMEM" setup view f w > /dev/null
t "a failed write that changed the state fails the sweep" \
	'[[ "$results" == *"ENOMEM changed '"'before'"' to '"'changed'"'"* ]]'
echo "1..$n"
