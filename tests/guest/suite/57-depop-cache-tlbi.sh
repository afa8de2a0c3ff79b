#!/bin/bash
# What one teardown and one populate execute, counted by the QEMU TCG plugin
# (scripts/bench/tlbi-plugin.c, loaded by run-tests.sh with --plugin): no
# cache maintenance by VA (DC) unless an owner opts in, which in a KVM guest
# would make the host fault in every page of the block, and one TLB
# invalidation for the teardown. memhp_bench mark wraps one write(2) in the
# plugin's markers on the CPU it runs on; the host answers "tlbi-window"
# with that window's counts: "K tlbi=N dc=N <op>=N ... @<pc>:<op>=N ...".
#
# The teardown must issue exactly one TLBI, and the TLBIs are attributed to
# the functions that issued them (lib.sh, tlbi_sites), so that what other
# tasks or interrupts invalidated on the same vCPU is told apart.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"
host echo x > /dev/null || bail "no host channel"

bs=$(block_size)
set -- $(vmem_blocks)
b=$1
f=$MEMDIR/memory$b/state
lines=$((bs / 64))	# DC operations per pass over the block (64-byte lines)
grep -q ' arch_depopulate_linear_map$' /proc/kallsyms ||
	bail "no arch_depopulate_linear_map in /proc/kallsyms (kptr_restrict?)"

# field NAME "K tlbi=N dc=N ...": the value of NAME=, 0 if absent.
field() {
	local w
	for w in $2; do
		[ "${w%%=*}" = "$1" ] && { echo "${w#*=}"; return; }
	done
	echo 0
}

# window K WORD: write WORD to memory$b/state inside plugin window K; prints
# the window's counts, or fails.
window() {
	memhp_bench mark "$1" "$f" "$2" > /dev/null || return 1
	host tlbi-window
}

set_state "$b" offline || bail "memory$b offline"

w=$(window 2 offline_depopulated) || bail "memory$b: offline_depopulated in a window" "$w"
expect "memory$b is offline_depopulated" offline_depopulated "$(block_state "$b")"
expect "teardown: window 2 counted" 2 "${w%% *}"
expect "teardown: no DC by VA (no cache maintenance by default)" 0 "$(field dc "$w")"
sites=$(tlbi_sites "$w")
[ -n "$sites" ] && echo "$sites" | sed 's/^/# TLBI in window 2: /'
expect "teardown: exactly one TLBI, from arch_depopulate_linear_map" 1 \
	"$(tlbi_teardown "$sites")"
expect "teardown: no other TLBI from hotplug or linear-map code" 0 \
	"$(tlbi_hotplug_other "$sites")"

w=$(window 3 offline) || bail "memory$b: populate in a window" "$w"
expect "memory$b is offline again" offline "$(block_state "$b")"
expect "populate: no DC by VA" 0 "$(field dc "$w")"

# The control: an owner that opts in (depop_test's MEM_GOING_DEPOPULATE
# notifier cleans and invalidates to PoC), so the counter can see DC.
echo 1 > $DEPOP/cache_maint
w=$(window 2 offline_depopulated)
rc=$?
echo 0 > $DEPOP/cache_maint
[ $rc = 0 ] || bail "memory$b: offline_depopulated with cache_maint" "$w"
check "opt-in: the owner's clean+invalidate is counted ($(field dc "$w") >= 2 x $lines DC)" \
	test "$(field dc "$w")" -ge $((2 * lines))

set_state "$b" online
expect "memory$b online again" online "$(block_state "$b")"
echo "$b" > $DEPOP/pattern
expect "memory$b: pattern written and verified over every page" 0 "$(cat $DEPOP/pattern)"
