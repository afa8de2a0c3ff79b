#!/bin/bash
# Bad requests fail with the right errno and change nothing.
. /harness/lib.sh

b=$(vmem_blocks | head -1)
f=$MEMDIR/memory$b/state
expect "unknown word is EINVAL" EINVAL "$(swrite "$f" sideways)"
expect "block still online after EINVAL" online "$(block_state "$b")"
expect "empty-ish word is EINVAL" EINVAL "$(swrite "$f" " ")"

# The block that holds the kernel image has unmovable kernel allocations.
line=$(grep "Kernel code" /proc/iomem)
line=${line#"${line%%[! ]*}"}
kb=$((0x${line%%-*} / $(block_size)))
# On x86-64 that is the first block, which ZONE_DMA and ZONE_DMA32 share:
# offline_pages() refuses a block of more than one zone with EINVAL first.
want=EBUSY
[ "$GUEST_ARCH" = x86_64 ] && [ $kb = 0 ] && want=EINVAL
expect "memory$kb (kernel code): offline is $want" $want "$(swrite $MEMDIR/memory$kb/state offline)"
expect "memory$kb: still online" online "$(block_state "$kb")"
expect "no block left going-offline" "" "$(grep -l going-offline $MEMDIR/memory*/state)"
