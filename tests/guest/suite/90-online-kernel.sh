#!/bin/bash
# online_kernel puts a virtio-mem block into ZONE_NORMAL. It runs last:
# the kernel may allocate from that block at once, after which offlining it
# fails with EBUSY, which must then leave it online.
. /harness/lib.sh

b=$(vmem_blocks | head -1)
f=$MEMDIR/memory$b/state
expect "memory$b: offline" OK "$(swrite "$f" offline)"
expect "memory$b: online_kernel write succeeds" OK "$(swrite "$f" online_kernel)"
expect "memory$b: now in ZONE_NORMAL" Normal "$(cat $MEMDIR/memory$b/valid_zones)"
r=$(swrite "$f" offline)
case $r in
OK) expect "memory$b: offlined from ZONE_NORMAL" offline "$(block_state "$b")"
    expect "memory$b: back to online_movable" OK "$(swrite "$f" online_movable)" ;;
EBUSY) expect "memory$b: offline refused (EBUSY), block still online" online "$(block_state "$b")" ;;
*) fail "memory$b: offline from ZONE_NORMAL gives OK or EBUSY" "got $r" ;;
esac
