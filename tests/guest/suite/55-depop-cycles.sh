#!/bin/bash
# 200 depopulate/online cycles on one block: no splat (the runner checks the
# kernel log), MemFree back within 1 MiB, the kernel's linear map and
# vmemmap identical in ptdump (vmalloc space changes with every process).
. /harness/lib.sh

b=$(vmem_blocks | sed -n 2p)
f=$MEMDIR/memory$b/state
cycles=${CYCLES:-200}

# One cycle first: offlining drains the per-CPU page lists, whose pages
# MemFree does not count, so both readings are taken after such a drain.
echo offline_depopulated > "$f" && echo online_movable > "$f"
sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1
free0=$(meminfo MemFree)
# The linear map from the first virtio-mem block on, and the vmemmap. Boot
# memory is left out: with KFENCE, its pool at the end of boot memory
# changes page by page all the time, and its last page may merge into the
# ptdump line of the first virtio-mem block, so lines are cut at that
# address. With debug_pagealloc, free pages are mapped invalid (F) and
# change with every allocation: F is dropped and the lines it split are
# joined again. All addresses are 0x + 16 hex digits: string order is
# numeric.
vfirst=$(vmem_blocks | head -1)
kmap() {
	local lo line s e key f fields ps="" pe="" pkey=""
	lo=$(printf '0x%016x' "$(linear_va "$(block_phys "$vfirst")")")
	sed -n '/Linear Mapping start/,/Linear Mapping end/p' $PTDUMP | {
	while IFS= read -r line; do
		[[ $line == 0x* ]] || continue
		s=${line%%-*} e=${line#*-}
		e=${e%% *}
		[[ $e > $lo ]] || continue
		[[ $s < $lo ]] && s=$lo
		read -ra fields <<< "$line"
		key=""
		for f in "${fields[@]:2}"; do
			[ "$f" = F ] || key="$key $f"
		done
		if [ "$key" = "$pkey" ] && [ "$s" = "$pe" ]; then
			pe=$e
			continue
		fi
		[ -n "$ps" ] && echo "$ps-$pe$pkey"
		ps=$s pe=$e pkey=$key
	done
	[ -n "$ps" ] && echo "$ps-$pe$pkey"
	}
	sed -n -e '/vmemmap start/,/vmemmap end/p' $PTDUMP
}
kmap > /tmp/ptdump.before
failed=0
for ((i = 1; i <= cycles; i++)); do
	echo offline_depopulated > "$f" || { failed=$i; break; }
	echo online_movable > "$f" || { failed=$i; break; }
done
expect "$cycles offline_depopulated/online_movable cycles succeed" 0 "$failed"
expect "memory$b online after the cycles" online "$(block_state "$b")"
kmap > /tmp/ptdump.after
expect "ptdump shows the linear map" 1 "$([ "$(wc -l < /tmp/ptdump.before)" -gt 3 ] && echo 1)"
sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1
free1=$(meminfo MemFree)
echo "  MemFree before ${free0} kB, after ${free1} kB"
# Other users of memory may give some back during the run (RCU-freed
# objects, caches), so MemFree can end higher; a leak shows as lower.
d=$((free1 - free0))
expect "MemFree back to its start value: at most 1 MiB less (got ${d} kB)" 1 \
	"$([ $d -ge -1024 ] && echo 1)"
if cmp -s /tmp/ptdump.before /tmp/ptdump.after; then
	ok "kernel page tables identical to before the first cycle (ptdump)"
else
	fail "kernel page tables identical to before the first cycle (ptdump)" \
		"$(diff /tmp/ptdump.before /tmp/ptdump.after | head -3 | xargs)"
fi
