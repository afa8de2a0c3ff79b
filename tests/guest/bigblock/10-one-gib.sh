#!/bin/bash
# virtio-mem with 1 GiB device blocks (qemu-run.py --vmem-block-size 1G)
# adds its memory 1 GiB at a time, one arch_add_memory() call per device
# block. Without the series, x86-64 maps such a range with 1 GiB pages
# (gbpages), each spanning eight 128 MiB memory blocks; with it, every leaf
# of the direct map lies within one memory block. Depopulating one block
# then changes nothing in its neighbours' mapping, and CPA splitting a
# neighbour's 2 MiB page meanwhile leaves its parked entries alone.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

bs=$(block_size)
blocks=$(vmem_blocks)
nr=$(echo $blocks | wc -w)
first=$(echo $blocks | cut -d' ' -f1)
expect "16 virtio-mem blocks of 128 MiB (2 GiB)" "16 134217728" "$nr $bs"
phys=$(block_phys "$first")
expect "the first block starts a 1 GiB-aligned device block" 0 $((phys % (1 << 30)))
grep -qw pdpe1gb /proc/cpuinfo && gb=yes || gb=no
echo "# CPU has 1 GiB pages (pdpe1gb): $gb"

# The levels of the direct-map entries over the first GiB: 2 MiB leaves
# (pmd), or PTE tables with debug_pagealloc; never a 1 GiB leaf (pud).
lines=$(ptdump_range "$(linear_va "$phys")" $((1 << 30)))
echo "$lines" | sed 's/^/# /'
levels=$(while IFS= read -r l; do [ -n "$l" ] && pt_level "$l"; done <<< "$lines" | sort -u)
expect "the first GiB is mapped" 1 "$([ -n "$lines" ] && echo 1)"
expect "no 1 GiB leaf in the direct map of the 1 GiB device block" "" \
	"$(echo "$levels" | grep -v -e '^PMD$' -e '^PTE$')"

check_cpa() {
	echo "$1" > $DEPOP/cpa && cat $DEPOP/cpa
}

# Depopulate a block in the middle of the device block.
m=$((first + 3))
before_m=$(ptdump_block_clip $m)
before_prev=$(ptdump_block_clip $((m - 1)))
before_next=$(ptdump_block_clip $((m + 1)))
echo "# memory$((m - 1)): $before_prev"
expect "memory$m: depopulatable" 1 "$(cat $MEMDIR/memory$m/depopulatable)"
expect "memory$m: offline" OK "$(swrite $MEMDIR/memory$m/state offline)"
expect "memory$m: offline_depopulated" OK \
	"$(swrite $MEMDIR/memory$m/state offline_depopulated)"
expect "memory$m: no direct-map entry in ptdump" "" "$(ptdump_block $m)"
expect "memory$m: probe of the first and last page fault" "-14 -14" \
	"$(probe "$(block_phys $m)") $(probe $(($(block_phys $m) + bs - 8)))"
expect "memory$((m - 1)): ptdump lines unchanged" "$before_prev" "$(ptdump_block_clip $((m - 1)))"
expect "memory$((m + 1)): ptdump lines unchanged" "$before_next" "$(ptdump_block_clip $((m + 1)))"
expect "neighbours still online and mapped" "online online 0 0" \
	"$(block_state $((m - 1))) $(block_state $((m + 1))) $(probe_block $((m - 1))) $(probe_block $((m + 1)))"

# CPA next door: set_memory_uc() and set_memory_wb() on a page of the
# neighbour split its 2 MiB page, in the PMD table that memory$m's parked
# entries go back into; on memory$m itself CPA finds no mapping (or PAT
# refuses the offline page, -16): nothing is mapped there, nothing warns.
nb=$(( $(block_phys $((m - 1))) + bs / 2 ))
expect "memory$((m - 1)): set_memory_uc/wb on a page" 0 "$(check_cpa "$nb")"
expect "memory$((m - 1)): its 2 MiB page is split (4 KiB entries in ptdump)" 1 \
	"$(ptdump_block_clip $((m - 1)) | grep -qw pte && echo 1)"
r=$(check_cpa $(($(block_phys $m) + 8192)))
expect "memory$m: set_memory_uc/wb on a depopulated page: 0 or EBUSY" 1 \
	"$(case $r in 0|-16) echo 1 ;; *) echo "$r" ;; esac)"
expect "memory$m: still not mapped" "-14 " "$(probe_block $m) $(ptdump_block $m)"

# Back: online, mapped as before, and usable.
expect "memory$m: online_movable" OK "$(swrite $MEMDIR/memory$m/state online_movable)"
expect "memory$m: probe succeeds" 0 "$(probe_block $m)"
expect "memory$m: mapped as before it was depopulated" "$before_m" "$(ptdump_block_clip $m)"
echo "$m" > $DEPOP/pattern
expect "memory$m: pattern written and verified over every page" 0 "$(cat $DEPOP/pattern)"

# One TLB flush per call, however many blocks: nr_tlb_remote_flush_received
# (CONFIG_DEBUG_TLBFLUSH) counts one per CPU for each flush of all TLBs
# (flush_tlb_kernel_range() of a range this large), around a
# depopulate_range_driver_managed() of 4 blocks, read with bash builtins
# only (a forked process may have its own TLB flushes counted). Another
# kernel flush may fall into the window now and then: the smallest count of
# three calls is taken.
r0=$((first + 8))
range="$(block_phys $r0) $((4 * bs))"
for b in $r0 $((r0 + 1)) $((r0 + 2)) $((r0 + 3)); do
	set_state "$b" offline || fail "memory$b: offline for the flush count"
done
cpus=$(grep -c ^processor /proc/cpuinfo)
min=""
for i in 1 2 3; do
	f0=$(tlb_flushes_received)
	echo "$range" > $DEPOP/depopulate
	f1=$(tlb_flushes_received)
	r=$(cat $DEPOP/depopulate)
	echo "$range" > $DEPOP/populate
	[ "$r" = 0 ] || break
	d=$((f1 - f0))
	echo "# depopulate of 4 blocks: $d flushes received on $cpus CPUs"
	[ -z "$min" ] || [ $d -lt $min ] && min=$d
done
expect "depopulate_range_driver_managed(4 blocks) returns 0" 0 "$r"
expect "one TLB flush for the 4-block call: one per CPU received" $cpus "$min"
for b in $r0 $((r0 + 1)) $((r0 + 2)) $((r0 + 3)); do
	set_state "$b" online || fail "memory$b: online again"
done
