#!/bin/bash
# A range with more memory blocks than lockdep can track held locks
# (MAX_LOCK_DEPTH, 48): depopulate_range_driver_managed() and
# populate_range_driver_managed() over every virtio-mem block at once, in one
# call each, on the debug kernel. The state change must not hold a lock per
# block: lockdep would turn itself off with "BUG: MAX_LOCK_DEPTH too low!"
# and every later locking bug would go unreported. The boot
# (scripts/run-tests.sh, guest-range) gives virtio-mem a 7 GiB region, which
# this test plugs in full: 56 blocks, onlined movable as they come (with
# them offline, virtio-mem stops adding memory at its offline threshold),
# then offlined.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"
host echo x > /dev/null || bail "no host channel"

want=56
bs=$(block_size)

lockdep_on() {
	awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats
}
expect "lockdep is on before the test" 1 "$(lockdep_on)"

# count_state STATE: how many virtio-mem blocks are in STATE.
count_state() {
	local b n=0
	for b in $(vmem_blocks); do
		[ "$(block_state "$b")" = "$1" ] && n=$((n + 1))
	done
	echo $n
}
all_in() {
	[ "$(vmem_blocks | wc -l)" -ge $want ] && [ "$(count_state "$1")" -ge $want ]
}

# wait_all STATE: every one of the $want blocks in STATE, with a line of
# progress every 30 s for the harness's idle watchdog.
wait_all() {
	local i
	for ((i = 0; i < 20; i++)); do
		wait_for 30 all_in "$1" && return 0
		echo "  waiting: $(vmem_blocks | wc -l) blocks, $(count_state "$1") $1"
	done
	return 1
}

t0=$SECONDS
host vmem-resize $((want * bs)) > /dev/null || bail "vmem-resize"
wait_all online || bail "$want virtio-mem blocks online" \
	"$(vmem_blocks | wc -l) present, $(count_state online) online"
echo "  plugged and onlined in $((SECONDS - t0)) s"
t0=$SECONDS
for b in $(vmem_blocks); do
	set_state "$b" offline || bail "memory$b offline"
done
echo "  offlined in $((SECONDS - t0)) s"

set -- $(vmem_blocks)
first=$1 nr=$#
last=${!nr}
expect "$want virtio-mem blocks, one contiguous range" \
	"$want $((first + want - 1))" "$nr $last"
start=$(block_phys "$first")
size=$((nr * bs))
mid=$((first + nr / 2))

# after WHAT STATE PROBE: every block in STATE, lockdep on, and the probe
# of the first, middle and last block returning PROBE (-14: not mapped).
after() {
	expect "all $nr blocks $2" $nr "$(count_state "$2")"
	expect "lockdep still on after $1 $nr blocks" 1 "$(lockdep_on)"
	expect "first, middle and last block: probe returns $3" "$3 $3 $3" \
		"$(probe_block "$first") $(probe_block "$mid") $(probe_block "$last")"
}

uevents_start
w=$(memhp_bench mark 2 $DEPOP/depopulate "$start $size" 2>&1)
r=$(cat $DEPOP/depopulate)
expect "depopulate_range_driver_managed($nr blocks) returns 0" 0 "$r"
after depopulating offline_depopulated -14
if [ "$GUEST_ARCH" = x86_64 ]; then
	:	# no TLBI plugin: the flushes are counted below
else
	w=$(host tlbi-window) || bail "tlbi-window" "$w"
	expect "the depopulate call was counted (window 2)" 2 "${w%% *}"
	sites=$(tlbi_sites "$w")
	[ -n "$sites" ] && echo "$sites" | sed 's/^/# TLBI in the window: /'
	expect "one TLB invalidation for the $nr-block call" 1 "$(tlbi_teardown "$sites")"
	expect "no other TLBI from hotplug or linear-map code" 0 "$(tlbi_hotplug_other "$sites")"
fi

echo "$start $size" > $DEPOP/populate 2>/dev/null
r=$(cat $DEPOP/populate)
expect "populate_range_driver_managed($nr blocks) returns 0" 0 "$r"
after populating offline 0
uevents_stop
expect "one uevent per block and change, first block" \
	"change offline_depopulated change offline" "$(echo $(uevents_of "$first"))"
expect "one uevent per block and change, last block" \
	"change offline_depopulated change offline" "$(echo $(uevents_of "$last"))"
expect "$((2 * nr)) STATE= uevents in all" $((2 * nr)) "$(grep -c '^STATE=offline' $UEVENTS)"

# x86-64: the flushes all CPUs were asked to do around a depopulate call
# (tlb_flushes_received), one per CPU for one flush; the smallest of three
# calls, as another kernel flush may fall into the window now and then.
if [ "$GUEST_ARCH" = x86_64 ]; then
	cpus=$(grep -c ^processor /proc/cpuinfo) min=""
	for i in 1 2 3; do
		f0=$(tlb_flushes_received)
		echo "$start $size" > $DEPOP/depopulate 2>/dev/null
		f1=$(tlb_flushes_received)
		echo "$start $size" > $DEPOP/populate 2>/dev/null
		d=$((f1 - f0))
		echo "# depopulate of $nr blocks: $d flushes received on $cpus CPUs"
		[ -z "$min" ] || [ $d -lt $min ] && min=$d
	done
	expect "one TLB flush for the $nr-block call: one per CPU received" $cpus "$min"
fi

# A range with one online block in the middle: refused, nothing changed.
set_state "$mid" online || bail "memory$mid online"
echo "$start $size" > $DEPOP/depopulate 2>/dev/null
r=$(cat $DEPOP/depopulate)
expect "depopulate with memory$mid online: EBUSY" -16 "$r"
expect "all or nothing: no block depopulated" 0 "$(count_state offline_depopulated)"
expect "lockdep still on after the refusal" 1 "$(lockdep_on)"

for b in $first $mid $last; do
	[ "$(block_state "$b")" = online ] || set_state "$b" online
	echo "$b" > $DEPOP/pattern
	expect "memory$b: pattern written and verified over every page" 0 "$(cat $DEPOP/pattern)"
done
