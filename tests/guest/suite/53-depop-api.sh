#!/bin/bash
# The exported in-kernel API, depopulate_range_driver_managed() and
# populate_range_driver_managed(), called by depop_test.ko: whole offline
# blocks, the same state machine and uevents, all or nothing.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

bs=$(block_size)
set -- $(vmem_blocks)
b1=$2 b2=$3
[ $((b2)) = $((b1 + 1)) ] || bail "need two adjacent virtio-mem blocks" "$b1 $b2"
p1=$(block_phys "$b1")

set_state "$b1" offline
set_state "$b2" offline
uevents_start
echo "$p1 $((2 * bs))" > $DEPOP/depopulate 2>/dev/null
expect "depopulate_range_driver_managed(2 blocks) returns 0" 0 "$(cat $DEPOP/depopulate)"
expect "memory$b1 offline_depopulated via the API" offline_depopulated "$(block_state "$b1")"
expect "memory$b2 offline_depopulated via the API" offline_depopulated "$(block_state "$b2")"
expect "memory$b2: probe faults" -14 "$(probe_block "$b2")"
echo "$p1 $((2 * bs))" > $DEPOP/depopulate 2>/dev/null
expect "depopulating again is a no-op returning 0" 0 "$(cat $DEPOP/depopulate)"
echo "$p1 $((2 * bs))" > $DEPOP/populate 2>/dev/null
r=$(cat $DEPOP/populate)
expect "populate_range_driver_managed(2 blocks) returns 0" 0 "$r"
expect "memory$b1 offline again" "0 offline" "$r $(block_state "$b1")"
expect "memory$b2 offline again" "0 offline" "$r $(block_state "$b2")"
expect "memory$b2: probe succeeds" "0 0" "$r $(probe_block "$b2")"
uevents_stop
expect "the API sends the same uevents" \
	"change offline_depopulated change offline" "$(echo $(uevents_of "$b2"))"

# Not whole blocks, or not offline: refused, nothing changed.
echo "$p1 $((bs / 2))" > $DEPOP/depopulate 2>/dev/null
r=$(cat $DEPOP/depopulate)
expect "half a block: EINVAL" -22 "$r"
expect "memory$b1 untouched by the refused call" "-22 offline" "$r $(block_state "$b1")"
set_state "$b2" online
echo "$p1 $((2 * bs))" > $DEPOP/depopulate 2>/dev/null
r=$(cat $DEPOP/depopulate)
expect "range with an online block: EBUSY" -16 "$r"
expect "all or nothing: memory$b1 is not left depopulated" "-16 offline" "$r $(block_state "$b1")"
expect "memory$b2 still online" "-16 online" "$r $(block_state "$b2")"
# Boot memory through the API. arm64 never lets boot memory go offline (its
# memory notifier refuses, "Boot memory ... offlining attempted"), so there
# is no offline boot block to test eligibility alone: an online boot block
# is refused as busy, before its eligibility is looked at. That boot memory
# is not eligible is tested through sysfs (52-depop-errors: depopulatable=0,
# EOPNOTSUPP).
kb=$(boot_blocks | tail -1)
echo "$(block_phys "$kb") $bs" > $DEPOP/depopulate 2>/dev/null
r=$(cat $DEPOP/depopulate)
expect "online boot block through the API: EBUSY" -16 "$r"
expect "boot block memory$kb: refused, still online and mapped" "-16 online 0" \
	"$r $(block_state "$kb") $(probe_block "$kb")"

set_state "$b1" online
set_state "$b2" online
expect "both blocks online again" "online online" "$(block_state "$b1") $(block_state "$b2")"
