#!/bin/bash
# online_type=offline_depopulated adds the region depopulated: its memory is
# never mapped, not even between adding and depopulating it, so the memory
# blocks arrive (add uevent) already offline_depopulated and never change
# state on their own; their page tables were built and parked at add time,
# so the first populate allocates nothing and cannot fail for lack of it.
. /harness/lib.sh
. /harness/withheld_ram.sh
load_depop_test || bail "insmod depop_test.ko"

start=$((0x80000000))
fi=/sys/kernel/debug/fail_page_alloc

uevents_start
expect "create and enable an offline_depopulated region" OK \
	"$(withheld_ram_create t-depop $start 256M offline_depopulated)"
uevents_stop
blocks=$(withheld_ram_blocks t-depop)
expect "two blocks" 2 "$(echo $blocks | wc -w)"
for b in $blocks; do
	expect "memory$b: add uevent" 1 \
		"$(grep -c "^KERNEL\[[^]]*\] *add .*/devices/system/memory/memory$b " $UEVENTS)"
	expect "memory$b: no change uevent, it was added depopulated" "" \
		"$(uevents_of "$b")"
	expect "memory$b: offline_depopulated" offline_depopulated "$(block_state "$b")"
	expect "memory$b: no linear map entry" "" "$(ptdump_block "$b")"
	expect "memory$b: virt_addr_valid false (memblock NOMAP)" 0 \
		"$(echo "$(block_phys "$b")" > $DEPOP/vaddr_valid; cat $DEPOP/vaddr_valid)"
done

b=$(echo $blocks | cut -d' ' -f1)
# Only tasks that ask for it (sysfs_write --fail-alloc) see the failures:
# filter first, then turn it on.
echo Y > $fi/task-filter
echo 100 > $fi/probability
echo -1 > $fi/times
echo 1 > $fi/interval
echo 0 > $fi/space
echo 0 > $fi/verbose
echo 0 > $fi/min-order
echo N > $fi/ignore-gfp-wait
expect "memory$b: first populate with every page allocation failing: OK" OK \
	"$(sysfs_write --fail-alloc $MEMDIR/memory$b/state offline)"
echo 0 > $fi/probability
echo N > $fi/task-filter
expect "memory$b: offline and mapped" "offline 0" \
	"$(block_state "$b") $(probe_block "$b")"
expect "memory$b: online_movable" OK "$(swrite $MEMDIR/memory$b/state online_movable)"
echo "$b" > $DEPOP/pattern
expect "memory$b: online, pattern over every page" "online 0" \
	"$(block_state "$b") $(cat $DEPOP/pattern)"
expect "delete (one online, one never mapped)" OK "$(withheld_ram_delete t-depop)"
