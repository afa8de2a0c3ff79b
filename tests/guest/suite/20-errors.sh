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
expect "memory$kb (kernel code): offline is EBUSY" EBUSY "$(swrite $MEMDIR/memory$kb/state offline)"
expect "memory$kb: still online" online "$(block_state "$kb")"
expect "no block left going-offline" "" "$(grep -l going-offline $MEMDIR/memory*/state)"
