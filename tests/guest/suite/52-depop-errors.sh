#!/bin/bash
# Requests that must fail do so with their errno and change nothing.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

b=$(vmem_blocks | sed -n 2p)
f=$MEMDIR/memory$b/state
expect "unknown word: EINVAL" EINVAL "$(swrite "$f" offline_depopulatedx)"
expect "prefix of the word: EINVAL" EINVAL "$(swrite "$f" offline_depop)"
expect "memory$b: still online" online "$(block_state "$b")"

# Boot memory is never eligible.
for kb in $(boot_blocks | head -1) $(boot_blocks | tail -1); do
	expect "boot block memory$kb: depopulatable=0" 0 "$(cat $MEMDIR/memory$kb/depopulatable)"
	r=$(swrite $MEMDIR/memory$kb/state offline_depopulated)
	expect "boot block memory$kb: offline_depopulated is EOPNOTSUPP" EOPNOTSUPP "$r"
	expect "boot block memory$kb: refused, still online" "EOPNOTSUPP online" \
		"$r $(block_state "$kb")"
	expect "boot block memory$kb: refused, still mapped" "EOPNOTSUPP 0" \
		"$r $(probe_block "$kb")"
done

# fail_page_alloc: every page allocation of the writing task fails. The
# depopulated block's page tables were kept (parked), so rebuilding its map
# allocates nothing and succeeds anyway.
set_state "$b" offline_depopulated
st0=$(block_state "$b")
expect "memory$b: depopulated for the fail_page_alloc test" offline_depopulated "$st0"
fail_alloc_on
expect "populate (offline) under fail_page_alloc succeeds" "offline_depopulated OK" \
	"$st0 $(sysfs_write --fail-alloc "$f" offline)"
expect "after populate under fail_page_alloc: offline, probe succeeds" "offline_depopulated offline 0" \
	"$st0 $(block_state "$b") $(probe_block "$b")"
expect "after populate under fail_page_alloc: linear map in ptdump" "offline_depopulated 1" \
	"$st0 $([ -n "$(ptdump_block "$b")" ] && echo 1)"
fail_alloc_off
expect "online after the populate" "offline_depopulated OK" "$st0 $(swrite "$f" online_movable)"
expect "memory$b: online and mapped after the populate" "offline_depopulated online 0" \
	"$st0 $(block_state "$b") $(probe_block "$b")"

# A memory notifier vetoes the rebuild (MEM_PREPARE_POPULATE).
set_state "$b" offline_depopulated
echo > $DEPOP/events
echo 125 > $DEPOP/veto
expect "notifier veto: online_movable fails with the vetoed errno (ECANCELED)" ECANCELED \
	"$(swrite "$f" online_movable)"
expect "after the veto: still offline_depopulated" offline_depopulated "$(block_state "$b")"
expect "after the veto: probe still faults" -14 "$(probe_block "$b")"
expect "notifier veto: offline (populate) fails the same way" ECANCELED "$(swrite "$f" offline)"
echo 0 > $DEPOP/veto
ev=$(cat $DEPOP/events)
echo "$ev" | sed 's/^/  events: /'
expect "notifier saw MEM_PREPARE_POPULATE twice" 2 \
	"$(echo "$ev" | awk '$1 ~ /PREPARE_POPULATE/ { print $2 }')"
expect "the vetoing notifier is not sent MEM_CANCEL_POPULATE (after two vetoes)" "2 0" \
	"$(echo "$ev" | awk '$1 ~ /PREPARE_POPULATE/ { p = $2 } $1 ~ /CANCEL_POPULATE/ { c = $2 } END { print p + 0, c + 0 }')"
st=$(block_state "$b")
expect "online after the veto is lifted" "offline_depopulated OK" "$st $(swrite "$f" online_movable)"
ev=$(cat $DEPOP/events)
expect "a successful rebuild is announced with MEM_PREPARE_POPULATE" 3 \
	"$(echo "$ev" | awk '$1 ~ /PREPARE_POPULATE/ { print $2 }')"
expect "memory$b: online after the rebuild" "offline_depopulated online" "$st $(block_state "$b")"

# Onlining fails after the map was rebuilt (a MEM_GOING_ONLINE veto): the
# map is torn down again, MEM_CANCEL_POPULATE tells the notifiers, and the
# block is offline_depopulated as before.
set_state "$b" offline_depopulated
echo > $DEPOP/events
echo 125 > $DEPOP/veto_online
expect "online vetoed after the rebuild: the vetoed errno (ECANCELED)" ECANCELED \
	"$(swrite "$f" online_movable)"
echo 0 > $DEPOP/veto_online
expect "after the failed online: offline_depopulated again" offline_depopulated "$(block_state "$b")"
expect "after the failed online: probe faults (map torn down again)" -14 "$(probe_block "$b")"
expect "after the failed online: no linear-map entry" "" "$(ptdump_block "$b")"
ev=$(cat $DEPOP/events)
expect "the rollback sends MEM_CANCEL_POPULATE" 1 \
	"$(echo "$ev" | awk '$1 == "MEM_CANCEL_POPULATE" { print $2 }')"
expect "online works once the veto is lifted" OK "$(swrite "$f" online_movable)"

# MEM_DEPOPULATED is sent after teardown.
echo > $DEPOP/events
set_state "$b" offline_depopulated
expect "notifier saw MEM_DEPOPULATED once" 1 \
	"$(cat $DEPOP/events | awk '$1 ~ /^MEM_DEPOPULATED$|^DEPOPULATED$/ { print $2 }')"
set_state "$b" online
