#!/bin/bash
# The guest came up as the harness expects: boot RAM and four virtio-mem
# blocks, online in ZONE_MOVABLE, seen the same way by sysfs and lsmem.
. /harness/lib.sh

bs=$(block_size)
expect "memory block size is 128 MiB" $((128 << 20)) "$bs"

vmem=$(vmem_blocks)
expect "virtio-mem provides 4 blocks" 4 "$(echo $vmem | wc -w)"

boot=$(boot_blocks)
expect "boot RAM is 8 blocks (1 GiB)" 8 "$(echo $boot | wc -w)"

bad=""
for b in $vmem; do
	[ "$(block_state "$b")" = online ] || bad="$bad memory$b:$(block_state "$b")"
	[ "$(cat $MEMDIR/memory$b/valid_zones)" = Movable ] || bad="$bad memory$b:zone"
done
expect "virtio-mem blocks are online in ZONE_MOVABLE" "" "$bad"

bad=""
for b in $boot; do
	[ "$(block_state "$b")" = online ] || bad="$bad memory$b"
done
expect "boot RAM blocks are online" "" "$bad"

# lsmem (Debian util-linux) agrees with sysfs on the online total.
total=$(lsmem -b --summary=only | awk '/Total online memory/ { print $4 }')
expect "lsmem counts every block online" $(((8 + 4) * bs)) "$total"
