#!/bin/bash
# A memory notifier that vetoes, at every event of every transition of a
# virtio-mem block (tests/modules/notifier_veto). Where the kernel lets
# notifiers veto (MEM_GOING_OFFLINE, MEM_GOING_ONLINE, MEM_PREPARE_POPULATE)
# the write returns the notifier's errno, changes nothing, and works once
# the veto is lifted. Every other event is a notification: the answer is
# ignored and the transition completes.
. /harness/lib.sh
load_depop_test
insmod /lib/modules/harness/notifier_veto.ko 2>/dev/null
V=/sys/kernel/debug/notifier_veto/veto
expect "notifier_veto loaded" 1 "$([ -f $V ] && echo 1)"

b=$(vmem_blocks | head -1)
F=$MEMDIR/memory$b/state
bs=$(block_size)
phys=$(block_phys "$b")

view() {
	echo "$(block_state "$b") probe=$(probe_block "$b")"
	ptdump_block "$b"
}

# The errno the notifier vetoes with: one nothing else in these paths
# returns.
errno=28 ename=ENOSPC

# vetoed EVENT FROM WORD: writing WORD to a block in state FROM with EVENT
# vetoed fails with the notifier's errno and changes nothing.
vetoed() {
	local event=$1 from=$2 word=$3 before r hits
	set_state "$b" "$from"
	before=$(view)
	echo "$event $errno" > $V
	r=$(swrite "$F" "$word")
	hits=$(cat $V)
	echo off > $V
	expect "$event vetoed: $from -> $word fails with $ename" "$ename" "$r"
	check "$event vetoed: the notifier was asked ($hits)" [ "${hits##* }" -ge 1 ]
	expect "$event vetoed: $from -> $word changed nothing" "$before" "$(view)"
	expect "$event lifted: $from -> $word works" OK "$(swrite "$F" "$word")"
}

# ignored EVENT FROM WORD TO: the veto of a notification is ignored, the
# write succeeds and the block ends up in TO.
ignored() {
	local event=$1 from=$2 word=$3 to=$4 r hits
	set_state "$b" "$from"
	echo "$event $errno" > $V
	r=$(swrite "$F" "$word")
	hits=$(cat $V)
	echo off > $V
	expect "$event answered with an error: $from -> $word still works" \
		"OK $to" "$r $(block_state "$b")"
	check "$event answered with an error: the notifier was asked ($hits)" \
		[ "${hits##* }" -ge 1 ]
}

vetoed MEM_GOING_OFFLINE online offline
vetoed MEM_GOING_OFFLINE online offline_depopulated
vetoed MEM_GOING_ONLINE offline online_movable
vetoed MEM_GOING_ONLINE offline_depopulated online_movable
vetoed MEM_PREPARE_POPULATE offline_depopulated offline
vetoed MEM_PREPARE_POPULATE offline_depopulated online_movable

# The exported API: populate_range_driver_managed() returns the veto.
set_state "$b" offline_depopulated
echo "MEM_PREPARE_POPULATE $errno" > $V
echo "$phys $bs" > $DEPOP/populate 2>/dev/null
r=$(cat $DEPOP/populate)
echo off > $V
expect "MEM_PREPARE_POPULATE vetoed: populate_range_driver_managed() returns -$errno, block unchanged" \
	"-$errno offline_depopulated" "$r $(block_state "$b")"

ignored MEM_ONLINE offline online_movable online
ignored MEM_OFFLINE online offline offline
ignored MEM_GOING_DEPOPULATE offline offline_depopulated offline_depopulated
ignored MEM_DEPOPULATED offline offline_depopulated offline_depopulated

set_state "$b" online
echo "$b" > $DEPOP/pattern
expect "memory$b: online, pattern over every page" "online 0" \
	"$(block_state "$b") $(cat $DEPOP/pattern)"
rmmod notifier_veto
