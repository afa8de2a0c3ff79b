#!/bin/bash
# A 1 GiB region at a 1 GiB-aligned address (0x80000000). With rodata=on
# the linear map may use block mappings, and a single PUD block would map
# all eight memory blocks: the series maps hot-added memory one memory
# block at a time, so the region is mapped with PMD blocks, and one block
# in the middle depopulates without touching its neighbours' mappings
# (ptdump before and after, clipped to each block).
. /harness/lib.sh
. /harness/withheld_ram.sh

bs=$(block_size)
start=$((0x80000000))
first=$((start / bs))
last=$((first + 7))
mid=$((first + 3))
rodata_on=0
grep -qw rodata=on /proc/cmdline && rodata_on=1
load_depop_test || bail "insmod depop_test.ko"

# Reading ptdump walks every page table entry, which takes seconds under
# TCG with rodata=full: the helpers of lib.sh read a snapshot instead,
# taken after each change.
PTDUMP_LIVE=$PTDUMP
PTDUMP=/tmp/ptdump.snapshot
snap() { cat $PTDUMP_LIVE > $PTDUMP; }
snap
region_va=$(linear_va $start)

# The ptdump entries that map memory block $1, clipped to the block, with
# addresses relative to its start and without the size column, so that
# the same mapping reads the same whether or not ptdump merged it with
# its neighbours' entries.
block_view() {
	local va size line fields s e
	va=$((region_va + ($1 - first) * bs))
	size=$bs
	ptdump_range "$va" "$size" | while IFS= read -r line; do
		read -ra fields <<< "$line"
		s=${line%%-*}
		e=${line#*-}
		e=${e%% *}
		((s < va)) && s=$va
		((e > va + size)) && e=$((va + size))
		printf '%x-%x %s\n' $((s - va)) $((e - va)) "${fields[*]:2}"
	done
}

expect "create 1 GiB region at 0x80000000 (online_movable)" OK \
	"$(withheld_ram_create big 0x80000000 1G online_movable)"
expect "eight memory blocks memory$first..memory$last" "$(seq $first $last | xargs)" \
	"$(withheld_ram_blocks big | xargs)"
bad=""
for ((b = first; b <= last; b++)); do
	[ "$(cat $MEMDIR/memory$b/depopulatable)" = 1 ] || bad="$bad memory$b"
done
expect "every block is depopulatable" "" "$bad"

snap
declare -A before
for ((b = first; b <= last; b++)); do
	before[$b]=$(block_view "$b")
done
echo "  ptdump of the region before:"
ptdump_range $region_va $((1 << 30)) | sed 's/^/    /'
expect "every block is mapped before" "" \
	"$(for ((b = first; b <= last; b++)); do [ -n "${before[$b]}" ] || echo -n " memory$b"; done)"
if [ $rodata_on = 1 ]; then
	expect "rodata=on: no PUD entry maps the region (no leaf spans blocks)" 0 \
		"$(ptdump_range $region_va $((1 << 30)) | grep -c ' PUD ')"
	expect "rodata=on: the region is mapped with PMD blocks" 1 \
		"$(ptdump_range $region_va $((1 << 30)) | grep -q ' PMD .*BLK' && echo 1)"
	expect "rodata=on: memory$mid is mapped with PMD blocks only" PMD \
		"$(echo "${before[$mid]}" | awk '{ print $2 }' | sort -u | xargs)"
fi

expect "memory$mid: offline_depopulated" OK \
	"$(swrite $MEMDIR/memory$mid/state offline_depopulated)"
snap
expect "memory$mid: no linear map entry" "" "$(block_view "$mid")"
expect "memory$mid: probe faults" -14 "$(probe_block "$mid")"
for ((b = first; b <= last; b++)); do
	[ $b = $mid ] && continue
	expect "memory$b: mapping unchanged" "${before[$b]}" "$(block_view "$b")"
	expect "memory$b: still online" online "$(block_state "$b")"
done
for b in $((mid - 1)) $((mid + 1)); do
	expect "neighbour memory$b: probe of first and last page succeeds" "0 0" \
		"$(probe_block "$b") $(probe $(($(block_phys "$b") + bs - 8)))"
done
echo "$((mid + 1))" > $DEPOP/pattern
expect "neighbour memory$((mid + 1)): pattern over every page" 0 "$(cat $DEPOP/pattern)"
echo "  ptdump of the region with memory$mid depopulated:"
ptdump_range $region_va $((1 << 30)) | sed 's/^/    /'

expect "memory$mid: online_movable again" OK \
	"$(swrite $MEMDIR/memory$mid/state online_movable)"
snap
expect "memory$mid: mapped as before" "${before[$mid]}" "$(block_view "$mid")"
bad=""
for ((b = first; b <= last; b++)); do
	[ "$(block_view "$b")" = "${before[$b]}" ] || bad="$bad memory$b"
done
expect "the whole region is mapped as before" "" "$bad"

# Depopulate the first and the last block too: the region's edges.
for b in $first $last; do
	expect "memory$b (edge): offline_depopulated" OK \
		"$(swrite $MEMDIR/memory$b/state offline_depopulated)"
	snap
	expect "memory$b (edge): no linear map entry" "" "$(block_view "$b")"
done
expect "memory$((first + 1)): mapping unchanged" "${before[$((first + 1))]}" "$(block_view $((first + 1)))"
expect "memory$((last - 1)): mapping unchanged" "${before[$((last - 1))]}" "$(block_view $((last - 1)))"
expect "delete the region with two blocks depopulated" OK "$(withheld_ram_delete big)"
expect "no memory block left in the withheld RAM" "" \
	"$(for ((b = first; b <= last; b++)); do [ -d $MEMDIR/memory$b ] && echo -n " memory$b"; done)"
