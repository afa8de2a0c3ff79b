#!/bin/bash
# What `make run` shows: the memory blocks with their state, zone and owner.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /harness/lib.sh

echo "=== waiting for virtio-mem to plug its memory"
for arg in $(cat /proc/cmdline); do
	case $arg in harness.vmem_blocks=*) want=${arg#*=} ;; esac
done
wait_for 60 test "$(vmem_blocks | wc -l)" -ge "${want:-1}"

echo "=== uname -r: $(uname -r)"
echo "=== /proc/iomem (RAM)"
grep -i "ram" /proc/iomem
echo
echo "=== memory blocks ($(($(block_size) >> 20)) MiB each)"
printf '%-10s %-23s %-20s %-8s %-12s %s\n' BLOCK RANGE STATE NODE ZONES OWNER
bs=$(block_size)
declare -A owner
for b in $(blocks_of "System RAM"); do owner[$b]="System RAM (boot)"; done
for b in $(vmem_blocks); do owner[$b]="System RAM (virtio_mem)"; done
for d in $(ls -d $MEMDIR/memory* | sort -V); do
	b=${d##*memory}
	node=$(basename "$(ls -d "$d"/node* 2>/dev/null | head -1)" 2>/dev/null)
	dep=""
	[ -f "$d/depopulatable" ] && dep=" depopulatable=$(cat "$d/depopulatable")"
	printf '%-10s 0x%09x-0x%09x %-20s %-8s %-12s %s%s\n' "memory$b" \
		$((b * bs)) $(((b + 1) * bs - 1)) "$(cat "$d/state")" "${node:--}" \
		"$(cat "$d/valid_zones" | tr ' ' ,)" "${owner[$b]:-?}" "$dep"
done
echo
echo "=== lsmem (Debian util-linux)"
lsmem -o RANGE,SIZE,STATE,BLOCK,NODE,ZONES
command -v memctl > /dev/null || exit 0
echo
echo "=== memctl list"
memctl list
[ -f $MEMDIR/memory$(vmem_blocks | head -1)/depopulatable ] || exit 0

# The feature: take two virtio-mem blocks out of the linear map and back.
load_depop_test 2> /dev/null
set -- $(vmem_blocks)
a=$3 b=$4
echo
echo "=== memctl depopulate 256M"
memctl depopulate 256M
echo
echo "=== memctl list --all (virtio-mem blocks)"
memctl list --all --owner virtio_mem
echo
for x in $a $b; do
	echo "memory$x: state $(block_state "$x"), linear-map entries in ptdump:" \
		"$(ptdump_block "$x" | wc -l), read of its linear address:" \
		"$(probe_block "$x" 2> /dev/null || echo n/a)"
done
echo
echo "=== memctl online --movable $a-$b"
memctl online --movable "$a-$b"
for x in $a $b; do
	echo "memory$x: state $(block_state "$x"), linear-map entries in ptdump:" \
		"$(ptdump_block "$x" | wc -l), read of its linear address:" \
		"$(probe_block "$x" 2> /dev/null || echo n/a)"
done
