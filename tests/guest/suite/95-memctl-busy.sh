#!/bin/bash
# memctl depopulate SIZE moves on past a block that cannot be taken, as
# chmem does: the first block it picks is busy (a ZONE_NORMAL block with a
# pinned page, as in 90-online-kernel), and it still depopulates the size
# asked for from the next candidates, exiting 0.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"
command -v memctl > /dev/null || bail "memctl is not in the image"

h=$(vmem_blocks | tail -1)
f=$MEMDIR/memory$h/state
expect "memory$h: offline" OK "$(swrite "$f" offline)"
expect "memory$h: online_kernel" OK "$(swrite "$f" online_kernel)"
pfn=$(($(block_phys "$h") / 4096 + 4096))
for ((i = 0; i < 64; i++)); do
	echo $((pfn + i * 7)) > $DEPOP/pin 2>/dev/null && break
done
expect "a page of memory$h is pinned" 1 "$(cat $DEPOP/pin)"

before=$(for b in $(vmem_blocks); do [ "$(block_state "$b")" = offline_depopulated ] && echo "$b"; done | wc -l)
out=$(memctl depopulate 256M 2>/tmp/memctl.err)
rc=$?
echo "$out" | sed 's/^/  | /'
sed 's/^/  | err: /' /tmp/memctl.err
expect "memctl depopulate 256M with the first pick busy: exit 0" 0 "$rc"
expect "memory$h (busy) reported failed and still online" "1 online" \
	"$(echo "$out" | grep -c "^memory$h: failed: Device or resource busy$") $(block_state "$h")"
depop=$(for b in $(vmem_blocks); do [ "$(block_state "$b")" = offline_depopulated ] && echo "$b"; done | xargs)
expect "256M depopulated from other virtio-mem blocks" "0 2" "$before $(echo $depop | wc -w)"
n=0
for b in $depop; do
	[ "$(probe_block "$b")" = -14 ] && n=$((n + 1))
done
expect "their linear addresses fault" 2 "$n"
expect "memctl said it moved on" 1 "$(grep -c 'other blocks were changed instead' /tmp/memctl.err)"

echo -1 > $DEPOP/pin
expect "pin released" 0 "$(cat $DEPOP/pin)"
for b in $depop; do
	expect "memory$b: back online" OK "$(swrite "$MEMDIR/memory$b/state" online_movable)"
done
