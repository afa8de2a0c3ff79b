#!/bin/bash
# 200 depopulate/online cycles on one block: no splat (the runner checks the
# kernel log), nothing lost: PageTables exactly as before, free memory at
# most 64 kB lower, the kernel's linear map and vmemmap identical in ptdump
# (vmalloc space changes with every process). Each leak check also requires
# that all cycles ran, so none of them passes when the cycles could not run.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

b=$(vmem_blocks | sed -n 2p)
f=$MEMDIR/memory$b/state
cycles=${CYCLES:-200}

# Free memory is read from depop_test's free_kb (MemFree plus the per-CPU
# free lists, which MemFree leaves out and which change with every
# allocation), after the page cache was dropped, and with bash builtins only:
# a forked reader's own pages would count.
settle() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	kasan_flush
	read -r "$1" < $DEPOP/free_kb
}
# The linear map from the first virtio-mem block on, and the vmemmap
# (lib.sh, ptdump_kmap).
vfirst=$(vmem_blocks | head -1)
kmap() {
	ptdump_kmap "$vfirst"
}

# One cycle first, so that whatever the first transition allocates for
# good (a slab page for a cache, a vmalloc page table) is not counted.
echo offline_depopulated > "$f" && echo online_movable > "$f"
kmap > /tmp/ptdump.before
echo "$(block_phys "$b") $(block_size)" > $DEPOP/tables
tab0=$(cat $DEPOP/tables)
settle free0
meminfo_exact pt0 PageTables
failed=0
for ((i = 1; i <= cycles; i++)); do
	echo offline_depopulated > "$f" || { failed=$i; break; }
	echo online_movable > "$f" || { failed=$i; break; }
done
settle free1
meminfo_exact pt1 PageTables
kmap > /tmp/ptdump.after
expect "$cycles offline_depopulated/online_movable cycles succeed" 0 "$failed"
expect "memory$b online after the cycles" "0 online" "$failed $(block_state "$b")"
echo "  free memory before ${free0} kB, after ${free1} kB; PageTables ${pt0} kB, ${pt1} kB"
# PageTables is exact (meminfo_exact): every table the cycles allocated was
# freed again.
expect "after $cycles cycles: PageTables exactly as before" "0 $pt0" "$failed $pt1"
# Free memory: other users may take or give back a few pages meanwhile (a
# slab page of a cache, RCU-freed objects); 64 kB is 16 pages, less than
# one page-table page leaked every 12 cycles.
d=$((free0 - free1))
expect "after $cycles cycles: free memory at most 64 kB lower" "0 1" \
	"$failed $([ $d -le 64 ] && echo 1)"
# The very same PTE tables (by page-frame number) map the block after the
# cycles: each depopulate parked them and each online put them back.
expect "after $cycles cycles: the same PTE tables map memory$b ($tab0)" \
	"0 $tab0" "$failed $(cat $DEPOP/tables)"
expect "ptdump shows the linear map" 1 "$([ "$(wc -l < /tmp/ptdump.before)" -gt 3 ] && echo 1)"
if [ $failed = 0 ] && cmp -s /tmp/ptdump.before /tmp/ptdump.after; then
	ok "after $cycles cycles: kernel page tables identical (ptdump)"
else
	fail "after $cycles cycles: kernel page tables identical (ptdump)" \
		"cycles failed at $failed; $(diff /tmp/ptdump.before /tmp/ptdump.after | head -3 | xargs)"
fi
