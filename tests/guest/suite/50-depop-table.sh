#!/bin/bash
# Every cell of the offline_depopulated transition table, through the
# "state" attribute and the device-core "online" attribute, with the state
# read back after each write and the uevents that the transitions into and
# out of offline_depopulated send.
. /harness/lib.sh

b=$(vmem_blocks | sed -n 2p)
f=$MEMDIR/memory$b/state
expect "memory$b is depopulatable" 1 "$(cat $MEMDIR/memory$b/depopulatable)"

# The uevents we expect: one per change into or out of offline_depopulated.
want=""
track() {
	local before=$1 after
	after=$(block_state "$b")
	if [ "$before" != "$after" ] &&
	   { [ "$before" = offline_depopulated ] || [ "$after" = offline_depopulated ]; }; then
		want="$want change $after"
	fi
}

# cell FROM WRITE WANT_RESULT WANT_STATE [FILE]
cell() {
	local from=$1 word=$2 res=$3 to=$4 file=${5:-$f} got before
	before=$(block_state "$b")
	set_state "$b" "$from"
	track "$before"
	if [ "$(block_state "$b")" != "$from" ]; then
		fail "$from + '$word'" "could not reach $from (now $(block_state "$b"))"
		return
	fi
	got=$(swrite "$file" "$word")
	track "$from"
	expect "$from + $(basename "$file")='$word' -> $res, $to" "$res $to" \
		"$got $(block_state "$b")"
}

uevents_start
cell online offline OK offline
cell online offline_depopulated OK offline_depopulated
cell online online EINVAL online
cell online online_movable EINVAL online
cell offline offline EINVAL offline
cell offline offline_depopulated OK offline_depopulated
cell offline online_movable OK online
cell offline_depopulated offline OK offline
cell offline_depopulated offline_depopulated EINVAL offline_depopulated
cell offline_depopulated online OK online
cell offline_depopulated online_movable OK online
cell offline_depopulated 1 OK online $MEMDIR/memory$b/online
cell offline_depopulated 0 OK offline_depopulated $MEMDIR/memory$b/online
cell online 0 OK offline $MEMDIR/memory$b/online
set_state "$b" online
uevents_stop

# One change uevent per transition into or out of offline_depopulated, in
# order, and none for the no-ops.
expect "uevent count (14 transitions into/out of offline_depopulated)" 14 \
	"$(uevents_of "$b" | wc -l)"
expect "uevents carry STATE= of each transition, in order" \
	"14 $(echo $want)" "$(uevents_of "$b" | wc -l) $(echo $(uevents_of "$b"))"
expect "memory$b ends online" online "$(block_state "$b")"
