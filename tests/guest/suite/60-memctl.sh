#!/bin/bash
# memctl drives the real kernel: depopulate two virtio-mem blocks chosen by
# size, see them offline_depopulated in its JSON listing and in sysfs, bring
# them back with online --movable; Debian's unmodified lsmem and chmem keep
# listing and onlining depopulated blocks.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

command -v memctl > /dev/null || bail "memctl is not in the image"
bs=$(block_size)

out=$(memctl depopulate 256M 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
expect "memctl depopulate 256M exits 0" 0 "$rc"
depop=$(for b in $(vmem_blocks); do
	[ "$(block_state "$b")" = offline_depopulated ] && echo "$b"
done | xargs)
expect "two virtio-mem blocks are offline_depopulated in sysfs" 2 "$(echo $depop | wc -w)"
set -- $depop
d1=$1 d2=$2
expect "memctl reports a timed result line per block" 2 \
	"$(echo "$out" | grep -cE "^memory($d1|$d2): online -> offline_depopulated \([0-9.]+ ms\)")"
expect "memctl depopulate left the boot RAM alone" "0 " \
	"$rc $(for b in $(boot_blocks); do [ "$(block_state "$b")" = online ] || echo "$b"; done)"

json=$(memctl list --json --all)
for b in $d1 $d2; do
	expect "memctl list --json: memory$b is offline_depopulated" 1 \
		"$(echo "$json" | tr -d '\n' | grep -o "{[^{}]*\"block\": *\"$b\"[^{}]*}" |
			grep -c '"state": *"offline_depopulated"')"
done
expect "memctl list --json parses (Python's json on the host)" dict \
	"$(host json "$(echo "$json" | tr -d '\n')" 2>&1)"
expect "memctl list --json names the owner" 1 \
	"$(echo "$json" | grep -q '"owner": *"virtio_mem"' && echo 1)"
expect "memctl list: summary counts 256M offline_depopulated" 1 \
	"$(memctl list --summary=only | grep -Eq 'offline_depopulated memory: +256M' && echo 1)"
expect "memctl depopulate --dry-run: boot RAM refused (exit 2), virtio-mem accepted (0)" "2 0" \
	"$(memctl depopulate --dry-run "$(boot_blocks | head -1)" > /dev/null 2>&1; echo $?) $(
	   memctl depopulate --dry-run "$(vmem_blocks | head -1)" > /dev/null 2>&1; echo $?)"

# Unmodified util-linux on depopulated blocks.
ls=$(lsmem -a -n -o BLOCK,STATE 2>&1)
expect "lsmem runs and lists the depopulated memory$d1" "offline_depopulated 1" \
	"$(block_state "$d1") $(echo "$ls" | awk -v b="$d1" '$1 == b' | wc -l)"
echo "$ls" | awk -v b="$d1" '$1 == b { print "  lsmem: memory" b " state " $2 }'
expect "lsmem exits 0 with depopulated blocks" "offline_depopulated 0" \
	"$(block_state "$d1") $(lsmem > /dev/null 2>&1; echo $?)"
check "chmem -e -b $d2 onlines a depopulated block" chmem -e -b "$d2"
expect "memory$d2 online after chmem" online "$(block_state "$d2")"
expect "memory$d2 mapped after chmem" 0 "$(probe_block "$d2")"

out=$(memctl online --movable "$d1" 2>&1)
expect "memctl online --movable $d1 exits 0" 0 "$?"
expect "memory$d1 online" online "$(block_state "$d1")"
expect "memory$d1 in ZONE_MOVABLE" Movable "$(cat $MEMDIR/memory$d1/valid_zones)"
expect "memory$d1 mapped again" 0 "$(probe_block "$d1")"
expect "memctl online of an online block says so" 1 \
	"$(memctl online --movable "$d1" 2>&1 | grep -q "already online" && echo 1)"
