#!/bin/bash
# Everything at once, for CONC_SECS seconds (default 20): four writers of
# random words to the state of virtio-mem blocks (two over every block, one
# each on the third and the last block), memctl changing blocks by size,
# the exported API in a loop on the first two blocks (depop_test's
# api_loop), virtio-mem resized down and back up through QMP, readers of
# every block's attributes, its linear-map probe and ptdump, and 272 MiB of
# anonymous memory kept busy so that offlining must migrate. The state
# files rest while virtio-mem removes blocks (concurrency.sh: an upstream
# lockdep report, not the series'); everything else goes on.
# Afterwards: no outcome outside the ABI, every block's state agrees with
# its mapping, lockdep still on, every block back online in ZONE_MOVABLE and
# passing the pattern test, virtio-mem at its size again. A splat (WARN,
# BUG, lockdep, hung task) fails the script through run.sh.
#
# With CONC_WITHHELD=1 (configfs/60-concurrency, in the boot with RAM
# withheld by mem=), a withheld_ram region of two blocks at 0x80000000 is
# one more actor: disabled and enabled again every few seconds, its blocks
# among those the writers and readers pick; afterwards its blocks too are
# checked, onlined and pattern-tested, and the region is removed.
. /harness/lib.sh
. /harness/concurrency.sh
. /harness/withheld_ram.sh
load_depop_test || bail "insmod depop_test.ko"
command -v memctl > /dev/null || bail "memctl is not in the image"
host echo x > /dev/null || bail "no host channel"

secs=${CONC_SECS:-20}
withheld=${CONC_WITHHELD:-0}
bs=$(block_size)
total0=$(meminfo MemTotal)
CONC_NAME=main
if [ "$withheld" = 1 ]; then
	# Added offline_depopulated: onlined below, after the memory hog
	# took its boot memory.
	r=$(withheld_ram_create r0 0x80000000 256M offline_depopulated)
	[ "$r" = OK ] || bail "withheld_ram region r0" "$r"
	set -- $(withheld_ram_blocks r0)
	[ $# = 2 ] || bail "withheld_ram r0: 2 blocks" "$*"
	wblocks="$*"
	CONC_SOURCES+=("withheld_ram_blocks r0")
fi
conc_init
# The virtio-mem blocks; the writers and readers also get the region's.
set -- $(vmem_blocks)
nblocks=$#
[ $nblocks -ge 4 ] || bail "need 4 virtio-mem blocks" "$*"
first=$1 last=${!#}
size0=$(host vmem-size) || bail "host vmem-size"
bad=""
for b; do
	[ "$(cat $MEMDIR/memory$b/depopulatable)" = 1 ] || bad="$bad memory$b"
done
# So an EOPNOTSUPP (not eligible) below is a bug, not the ABI's promise.
expect "every virtio-mem block is depopulatable" "" "$bad"

# online_kernel is refused by depop_test's veto_kernel, after the kernel
# went all the way to MEM_GOING_ONLINE (and, from offline_depopulated,
# rebuilt the map, which the veto makes it tear down again): a block really
# onlined into ZONE_NORMAL takes unmovable kernel allocations within
# milliseconds and could not be brought back to ZONE_MOVABLE (measured: 10
# offline attempts out of 10 EBUSY after 20 s of this kind of load, with
# drop_caches, compaction and slab shrinking in between), nor unplugged by
# virtio-mem.
echo 125 > $DEPOP/veto_kernel

# The outcomes each operation may have. Writes to a block's state: the ABI
# (Documentation/ABI/testing/sysfs-devices-memory, "state", as the series
# changes it): EINVAL for an unknown word or the word of the state the
# block is in (another actor got there first), EBUSY if offlining failed,
# EOPNOTSUPP if the block is not eligible (never here: all are, checked
# above), ENOMEM never on arm64, or the error a driver vetoed with:
# ECANCELED (125), depop_test's veto_kernel for online_kernel, and nothing
# else vetoes, except virtio-mem while it shrinks: it refuses to online a
# block it has unplugged and is about to remove ("memory block onlining
# denied", NOTIFY_BAD, which notifier_to_errno() makes EPERM). "online" and
# "online_movable" never offline anything, so never EBUSY. A block
# virtio-mem removes meanwhile: $CONC_GONE (concurrency.sh).
conc_allow state:online "OK EINVAL EPERM@removing"
conc_allow state:online_movable "OK EINVAL EPERM@removing"
conc_allow state:online_kernel "ECANCELED EINVAL EPERM@removing"
conc_allow state:offline "OK EINVAL EBUSY"
conc_allow state:offline_depopulated "OK EINVAL EBUSY"
words="online online_movable online_kernel offline offline_depopulated"
# Words that are no state at all: EINVAL, always.
for w in offline_depop Online depopulated; do
	conc_allow "state:$w" EINVAL
	words="$words $w"
done
# memctl: the same errnos per block (tools/memctl/memctl.8, DIAGNOSTICS:
# EINVAL, EBUSY, EOPNOTSUPP, ENOMEM, a veto), and "going-offline", memctl's
# own refusal of a block another writer is offlining at that moment; exit
# status 0, 1 (no block changed), 64 (some did), or 2 because the size asked
# for is more than the blocks that can make the transition at that moment
# (memctl.8, EXIT STATUS).
for c in depopulate offline populate online; do
	conc_allow "memctl:$c" "exit0 exit1 exit64 exit2-short"
done
conc_allow memctl-write:offline_depopulated "OK EINVAL EBUSY going-offline"
conc_allow memctl-write:offline "OK EINVAL EBUSY going-offline"
conc_allow memctl-write:online_movable "OK EINVAL going-offline EPERM@removing"
# The exported API (mm/memory_hotplug.c, kernel-doc of
# depopulate_range_driver_managed() and populate_range_driver_managed()):
# EBUSY if a block is online, EINVAL if the range is not fully present
# (virtio-mem removed a block of it); for populate, EINVAL, or a veto
# (none here); ENOMEM never on arm64. EOPNOTSUPP: never, as above.
conc_allow api:depopulate "OK EBUSY EINVAL"
conc_allow api:populate "OK EINVAL"
conc_allow api:stop OK
# The reader: only values a block can have.
for r in state valid_zones depopulatable probe ptdump probe_block; do
	conc_allow "read:$r" OK
done
conc_allow memhog exit0
conc_allow resize:quiesce OK
conc_allow resize:down OK
conc_allow resize:up OK
conc_allow resize:shrunk OK
conc_allow resize:grown OK
# withheld_ram (Documentation/ABI/testing/configfs-withheld_ram): disabling
# fails with EBUSY if a block cannot be offlined (the region stays
# enabled); enabling a disabled region of free RAM, and writing its
# online_type while disabled, have nothing to fail on here.
conc_allow withheld:quiesce OK
conc_allow withheld:disable "OK EBUSY"
conc_allow withheld:online_type OK
conc_allow withheld:enable OK

conc_actor writer1 conc_writer all $words
conc_actor writer2 conc_writer all $words
conc_actor writer3 conc_writer "$3" $words
conc_actor writer4 conc_writer "$last" $words
conc_actor memctl conc_memctl "depopulate 256M" "depopulate 128M" \
	"offline 128M" "populate 256M" "online --movable 256M" \
	"online --movable 128M"
conc_actor api conc_api
# Down by one block and back, once, at 40% of the run: the state files
# rest meanwhile (concurrency.sh), from 5 to 10 s under TCG.
conc_actor resize conc_resize $((size0 - bs)) "$size0" $((secs * 2 / 5))
conc_actor reader conc_reader state probe_block
conc_actor watcher conc_reader valid_zones depopulatable probe ptdump
# Never online_kernel: a region onlined into ZONE_NORMAL could not be
# disabled again (see veto_kernel above).
[ "$withheld" = 1 ] && conc_actor withheld conc_withheld r0 \
	default online_movable offline offline_depopulated
# Memory pressure, 272 MiB: 256 MiB in boot memory (allocated while every
# virtio-mem block is depopulated), which leaves offlining that much less
# room to migrate to, and 16 MiB in the virtio-mem blocks, which offlining
# them must migrate while memhog writes them. Each memhog touches its pages,
# rests a second and starts again (a pass takes 100 to 300 ms under TCG),
# so that it does not take a whole CPU of two from the others. Offlining
# the block that holds the 16 MiB takes 1 to 3 s under TCG with this debug
# kernel, all of it under device_hotplug_lock, which every other transition
# waits for; 300 MiB in the virtio-mem blocks made it 10 to 25 s, and left
# a handful of transitions in 20 s.
for b; do
	set_state "$b" offline_depopulated || bail "memory$b: offline_depopulated"
done
conc_memhog_start hogboot 256 1000 ||
	bail "memhog 256 did not start" "$(cat $CONC/hogboot.out)"
# The API's two blocks start offline, the others online (and get memhog's
# 16 MiB): the API's calls succeed from the start, until a writer or memctl
# onlines one of its blocks.
for b in $3 $4 ${wblocks:-}; do
	set_state "$b" online || bail "memory$b: online"
done
conc_memhog_start hogvmem 16 1000 ||
	bail "memhog 16 did not start" "$(cat $CONC/hogvmem.out)"
for b in $1 $2; do
	set_state "$b" offline || bail "memory$b: offline"
done
conc_actor hogboot conc_memhog hogboot
conc_actor hogvmem conc_memhog hogvmem
conc_api_start "$(block_phys "$first")" $((2 * bs)) ||
	bail "api_loop did not start"

# What the run must have done at least (asserted below): it goes on past
# $secs seconds, up to $max (below), until it has. Alone (10-soak), a
# transition takes 6 to 25 ms under TCG, an offline 0.2 to 0.3 s on
# average; here most of them wait for device_hotplug_lock while an offline
# migrates, and the four writers got 4 to 55 through in 20 s on a 2-core
# machine busy with other jobs (4 with a second TCG guest and a kernel
# build next to it). 20 took 30 to 70 s there.
min_writes=20
# With KASAN an offline that migrates the memory hog's pages takes 50 s
# (make KASAN=1 test: 4 successful writes in 61 s).
kasan_on && min_writes=3
# With the withheld_ram region the state files rest while it is disabled
# and enabled (up to 10 s each time under TCG, waiting for an offline under
# way): 14 writes got through in 62 s on a loaded machine.
[ "$withheld" = 1 ] && ((min_writes > 10)) && min_writes=10
# How long the run may go on until enough has happened: three times $secs,
# six with KASAN, where everything takes about ten times as long (a quiesce
# waited 31 to 47 s for the offlines under way; in 60 s with the region, 5
# state writes and one memctl run got through).
max=$((3 * secs))
kasan_on && max=$((6 * secs))
# "depopulate 305 ok 238 EBUSY 67" (read at once: the file has its text at
# offset 0 only, and bash's read seeks back after each line).
api_depopulated() {
	local f out
	out=$(cat $DEPOP/api_loop)
	while read -ra f; do
		[ "${f[0]}" = depopulate ] && [ "${f[3]}" -ge 1 ] && return 0
	done <<< "$out"
	return 1
}
enough() {
	if [ "$withheld" = 1 ]; then
		[ "$(conc_count withheld:disable OK)" -ge 1 ] &&
			[ "$(conc_count withheld:enable OK)" -ge 1 ] || return 1
	fi
	[ "$(conc_count "$valid" OK)" -ge $min_writes ] &&
		[ "$(conc_count state:offline_depopulated OK)" -ge 1 ] &&
		[ "$(conc_count 'memctl-write:.*' OK)" -ge 1 ] &&
		api_depopulated
}
valid='state:(online|online_movable|offline|offline_depopulated)'

echo "  blocks: $*; ${secs}s"
conc_run "$secs" $max enough
echo 0 > $DEPOP/veto_kernel
for a in api hogboot hogvmem resize $([ "$withheld" = 1 ] && echo withheld); do
	sed "s/^/  $a: /" $CONC/$a.log
done
echo "  memctl stderr:"
sed 's/[0-9][0-9.]*/N/g' $CONC/memctl.stderr 2>/dev/null | sort | uniq -c |
	sed 's/^/   /'
conc_check

# Something happened: transitions succeeded, through every path.
n=$(conc_count "$valid" OK)
echo "  successful state writes: $n in ${CONC_RAN}s"
expect "writers: at least $min_writes transitions succeeded" 1 \
	"$([ "$n" -ge $min_writes ] && echo 1)"
n=$(conc_count state:offline_depopulated OK)
expect "writers: at least one offline_depopulated succeeded" 1 \
	"$([ "$n" -ge 1 ] && echo 1)"
n=$(conc_count 'memctl-write:.*' OK)
expect "memctl changed at least one block" 1 "$([ "$n" -ge 1 ] && echo 1)"
n=$(conc_count api:depopulate OK)
expect "api_loop: at least one successful depopulate call" 1 \
	"$([ "$n" -ge 1 ] && echo 1)"
expect "virtio-mem shrank at least once during the run" 1 \
	"$([ "$(conc_count resize:shrunk OK)" -ge 1 ] && echo 1)"
expect "both memhogs found their data intact" 2 "$(conc_count memhog exit0)"
if [ "$withheld" = 1 ]; then
	expect "withheld_ram r0: disabled and enabled again at least once" 1 \
		"$([ "$(conc_count withheld:disable OK)" -ge 1 ] &&
		[ "$(conc_count withheld:enable OK)" -ge 1 ] && echo 1)"
	# Enabled again, if the run ended with it disabled, so that its
	# blocks are checked below.
	if [ "$(cat $MRDIR/r0/enable)" = 0 ]; then
		expect "withheld_ram r0: online_type online_movable" OK \
			"$(swrite $MRDIR/r0/online_type online_movable)"
		expect "withheld_ram r0: enabled again" OK \
			"$(swrite $MRDIR/r0/enable 1)"
	fi
	expect "withheld_ram r0: its blocks" "$wblocks" \
		"$(withheld_ram_blocks r0 | xargs)"
fi

# virtio-mem back at its size, with all its blocks (the resize actor waited
# for it; this is the state after every actor ended).
if wait_for 60 conc_vmem_is "$size0" "$nblocks"; then
	ok "virtio-mem back at $size0 bytes, $nblocks blocks"
else
	fail "virtio-mem back at $size0 bytes, $nblocks blocks" \
		"$(host vmem-size) bytes, blocks $(vmem_blocks | xargs)"
fi

# Every block is in a state its mapping agrees with.
for b in $(vmem_blocks) ${wblocks:-}; do
	st=$(block_state "$b")
	p=$(probe_block "$b")
	if [ "$st" = offline_depopulated ]; then
		pt=$(ptdump_block "$b" | wc -l)
		expect "memory$b offline_depopulated: probe faults, no ptdump entry" \
			"offline_depopulated -14 0" "$st $p $pt"
	else
		expect "memory$b $st: probe maps it" "$st 0" "$st $p"
	fi
done

expect "lockdep still on (debug_locks 1)" 1 \
	"$(awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats)"

# Every block back online in ZONE_MOVABLE, and usable: the pattern test
# allocates the whole block, writes and checks it through the linear map.
for b in $(vmem_blocks) ${wblocks:-}; do
	set_state "$b" online
	expect "memory$b back online in ZONE_MOVABLE" "online Movable" \
		"$(block_state "$b") $(cat $MEMDIR/memory$b/valid_zones)"
	echo "$b" > $DEPOP/pattern
	expect "memory$b: pattern test passes" 0 "$(cat $DEPOP/pattern)"
done

if [ "$withheld" = 1 ]; then
	expect "withheld_ram r0: disabled and removed" OK \
		"$(withheld_ram_delete r0)"
	expect "withheld_ram r0: resource gone" 0 \
		"$(grep -c 'withheld_ram r0' /proc/iomem)"
	expect "MemTotal as before the region" "$total0" "$(meminfo MemTotal)"
fi
