#!/bin/bash
# What depopulating a virtio-mem block drops and what it keeps, proven from
# the page tables (ptdump), a probe of the linear address
# (copy_from_kernel_nofault in depop_test.ko), sysfs, /proc/iomem and
# /proc/meminfo; and that onlining brings all of it back.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

b=$(vmem_blocks | sed -n 3p)
bs=$(block_size)
phys=$(block_phys "$b")
full=1
grep -qw rodata=on /proc/cmdline && full=0
# x86-64 maps hot-added memory with 2 MiB pages, with 4 KiB pages only
# under debug_pagealloc.
if [ "$GUEST_ARCH" = x86_64 ]; then
	full=0
	grep -qw debug_pagealloc=on /proc/cmdline && full=1
fi

expect "memory$b: linear map present while online (ptdump)" 1 \
	"$([ -n "$(ptdump_block "$b")" ] && echo 1)"
expect "memory$b: probe of its linear address succeeds" 0 "$(probe "$phys")"
expect "memory$b: probe of its last page succeeds" 0 "$(probe $((phys + bs - 8)))"

iomem0=$(grep -c "System RAM (virtio_mem)" /proc/iomem)
node0=$(readlink $MEMDIR/memory$b/node0)
total0=$(meminfo MemTotal)
# The page tables that map this block and nothing else, from ptdump: with
# rodata=full the block is mapped with 4 KiB pages, 64 PTE tables (256 kB)
# for 128 MiB; with rodata=on with PMD blocks, and it has no table of its own.
pt_kb=$(block_pt_kb "$b")
if [ $full = 1 ]; then
	expect "memory$b: mapped by PTE tables of its own: $((bs >> 21)) x 4 kB" \
		$((bs >> 21 << 2)) "$pt_kb"
else
	expect "memory$b: mapped by block entries, no PTE table of its own" 0 "$pt_kb"
fi
# The PTE tables that map it, by page-frame number (depop_test's tables):
# none with block entries, one per 2 MiB otherwise.
ntab=$((pt_kb >> 2))
echo "$phys $bs" > $DEPOP/tables
expect "memory$b: depop_test finds its $ntab PTE tables" "$ntab $ntab $ntab" \
	"$(cat $DEPOP/tables)"
expect "memory$b: offline" OK "$(swrite $MEMDIR/memory$b/state offline)"
meminfo_exact pt_offline PageTables
expect "memory$b: offline_depopulated" OK \
	"$(swrite $MEMDIR/memory$b/state offline_depopulated)"
meminfo_exact pt1 PageTables
tab1=$(cat $DEPOP/tables)
st1=$(block_state "$b")
expect "memory$b: state reads offline_depopulated" offline_depopulated "$st1"

# Gone: every linear-map entry of the block. Its page-table pages are kept
# (parked, detached from the kernel page tables) so that the rebuild needs
# no memory: nothing is freed or allocated. Both are exact: PageTables read
# with the per-CPU deltas folded in and without forking (a forked subshell's
# copied page tables would count), and the tables themselves by page-frame
# number: none maps the block, every one of them is still a page-table page.
expect "memory$b: no linear-map entry in ptdump" "" "$(ptdump_block "$b")"
expect "memory$b: probe of the first byte faults (-EFAULT)" -14 "$(probe "$phys")"
expect "memory$b: probe of the middle faults" -14 "$(probe $((phys + bs / 2)))"
expect "memory$b: probe of the last page faults" -14 "$(probe $((phys + bs - 8)))"
echo "  PageTables: offline ${pt_offline} kB, depopulated ${pt1} kB; tables ${tab1}"
expect "depopulated, page tables kept: PageTables unchanged" \
	"offline_depopulated 0" "$st1 $((pt1 - pt_offline))"
expect "depopulated: no table maps it, its $ntab PTE tables kept intact" \
	"offline_depopulated 0 0 $ntab" "$st1 $tab1"
# kept DESC WANT GOT: an assertion about the depopulated block; it holds
# only if the block is offline_depopulated, so none passes without the
# feature. back DESC WANT GOT: the same for the block brought back from
# offline_depopulated ($st1, its state after depopulating).
kept() { expect "$1" "offline_depopulated $2" "$(block_state "$b") $3"; }
back() { expect "$1" "offline_depopulated $2" "$st1 $3"; }

# The neighbours are untouched.
for nb in $((b - 1)) $((b + 1)); do
	[ -d $MEMDIR/memory$nb ] || continue
	[ "$(block_state "$nb")" = online ] || continue
	kept "neighbour memory$nb: still mapped" 0 "$(probe_block "$nb")"
done

# Kept: the device, its sysfs directory and node link, the resource, the
# memmap (valid_zones walks it) and the block's place in MemTotal accounting.
kept "memory$b: sysfs directory kept" 1 "$([ -d $MEMDIR/memory$b ] && echo 1)"
kept "memory$b: node link kept" "$node0" "$(readlink $MEMDIR/memory$b/node0)"
kept "memory$b: phys_index kept" "$(printf '%08x' "$b")" "$(cat $MEMDIR/memory$b/phys_index)"
kept "/proc/iomem still lists every virtio_mem resource" "$iomem0" \
	"$(grep -c "System RAM (virtio_mem)" /proc/iomem)"
kept "memory$b: still listed as System RAM (virtio_mem)" 1 \
	"$(vmem_blocks | grep -cx "$b")"
kept "memory$b: valid_zones readable (memmap present)" 1 \
	"$(grep -qE 'Movable|Normal' $MEMDIR/memory$b/valid_zones && echo 1)"
kept "memory$b: still depopulatable" 1 "$(cat $MEMDIR/memory$b/depopulatable)"
kept "MemTotal excludes the depopulated block" $((total0 - bs / 1024)) "$(meminfo MemTotal)"
kept "lsmem lists memory$b (state column of util-linux)" 1 \
	"$(lsmem -a -n -o BLOCK | grep -cx " *$b")"

# Back online: the map is rebuilt, the whole block is usable.
kasan_flush
free1=$(meminfo MemFree)
back "memory$b: online_movable from offline_depopulated" OK \
	"$(swrite $MEMDIR/memory$b/state online_movable)"
back "memory$b: state online" online "$(block_state "$b")"
back "memory$b: linear map back in ptdump" 1 "$([ -n "$(ptdump_block "$b")" ] && echo 1)"
back "memory$b: probe succeeds again" 0 "$(probe "$phys")"
back "memory$b: probe of the last page succeeds again" 0 "$(probe $((phys + bs - 8)))"
meminfo_exact pt2 PageTables
echo "  PageTables: online again ${pt2} kB"
expect "rebuilt from offline_depopulated without allocating: PageTables unchanged" \
	"offline_depopulated online 0" "$st1 $(block_state "$b") $((pt2 - pt1))"
back "the rebuilt map has the same shape (ptdump page-table bytes)" \
	"$pt_kb" "$(block_pt_kb "$b")"
back "the rebuilt map uses the same $ntab PTE tables (page-frame numbers)" \
	"$ntab $ntab $ntab" "$(cat $DEPOP/tables)"
back "MemTotal back" "$total0" "$(meminfo MemTotal)"
echo "$b" > $DEPOP/pattern
back "memory$b: pattern written and verified over every page" 0 "$(cat $DEPOP/pattern)"
kasan_flush
free2=$(meminfo MemFree)
echo "  MemFree: depopulated ${free1} kB, online again ${free2} kB"
# All 128 MiB of the block are freed to the allocator when it is onlined;
# the per-CPU lists (a few hundred kB, not in MemFree) and what the kernel
# allocates meanwhile (the pattern test's own pages are back) take less
# than 8 MiB of that. With KASAN, the block's shadow (1/8 of it, 16 MiB)
# is allocated when it goes online.
grow=$((120 << 10))
kasan_on && grow=$((grow - (16 << 10)))
back "MemFree grows by the block (>= $((grow >> 10)) MiB) when it is back" 1 \
	"$([ $((free2 - free1)) -ge $grow ] && echo 1)"
