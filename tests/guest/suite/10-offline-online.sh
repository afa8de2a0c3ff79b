#!/bin/bash
# Offline and online every virtio-mem block through sysfs: the state file,
# the zone and MemTotal follow each transition.
. /harness/lib.sh

bs=$(block_size)
for b in $(vmem_blocks); do
	f=$MEMDIR/memory$b/state
	total0=$(meminfo MemTotal)

	expect "memory$b: offline write succeeds" OK "$(swrite "$f" offline)"
	expect "memory$b: state reads offline" offline "$(block_state "$b")"
	expect "memory$b: MemTotal drops by one block" \
		$((total0 - bs / 1024)) "$(meminfo MemTotal)"

	# Writing the state a block is already in changes nothing; the
	# kernel has always answered it with EINVAL.
	expect "memory$b: offline again is EINVAL" EINVAL "$(swrite "$f" offline)"
	expect "memory$b: still offline" offline "$(block_state "$b")"

	expect "memory$b: online_movable write succeeds" OK "$(swrite "$f" online_movable)"
	expect "memory$b: state reads online" online "$(block_state "$b")"
	expect "memory$b: back in ZONE_MOVABLE" Movable "$(cat $MEMDIR/memory$b/valid_zones)"
	expect "memory$b: MemTotal restored" "$total0" "$(meminfo MemTotal)"
	expect "memory$b: online_movable again is EINVAL" EINVAL "$(swrite "$f" online_movable)"
done

# The device-core "online" attribute drives the same transitions. It onlines
# with the default online type; memory_hotplug.online_policy=auto-movable on
# the command line makes that ZONE_MOVABLE here.
b=$(vmem_blocks | tail -1)
expect "memory$b: online=0 offlines" OK "$(swrite $MEMDIR/memory$b/online 0)"
expect "memory$b: state offline after online=0" offline "$(block_state "$b")"
expect "memory$b: online=1 onlines" OK "$(swrite $MEMDIR/memory$b/online 1)"
expect "memory$b: state online after online=1" online "$(block_state "$b")"
expect "memory$b: online=1 chose ZONE_MOVABLE" Movable "$(cat $MEMDIR/memory$b/valid_zones)"
expect "memory$b: online=1 again is a no-op" OK "$(swrite $MEMDIR/memory$b/online 1)"
