#!/bin/bash
# Fault injection over hot-add: enabling a region (which adds its memory as
# driver-managed System RAM, creates the memory block devices and onlines
# them) with each allocation it makes failing in turn (faults.sh). Each
# failure returns a documented errno and leaves nothing behind: no
# resource, no memory block, the region disabled; enabling again works.
. /harness/lib.sh
. /harness/withheld_ram.sh
. /harness/faults.sh
faults_setup

expect "region f at 0x80000000+256M, online_movable" "OK OK OK OK" \
	"$(mr_mkdir f) $(swrite $MRDIR/f/start 0x80000000) $(swrite $MRDIR/f/size 256M) $(swrite $MRDIR/f/online_type online_movable)"

f_disabled() {
	[ "$(cat $MRDIR/f/enable)" = 0 ] || [ "$(swrite $MRDIR/f/enable 0)" = OK ]
}

f_view() {
	echo "enable=$(cat $MRDIR/f/enable)"
	grep withheld_ram /proc/iomem
	ls -d $MEMDIR/memory* | xargs
	meminfo MemTotal
}

f_disabled
sync
echo 3 > /proc/sys/vm/drop_caches
kernel_pt pt0
view0=$(f_view)

# Documentation/ABI/testing/configfs-withheld_ram, "enable": EINVAL, ERANGE,
# EBUSY, EPERM, or what adding the memory returned: ENOMEM, or EEXIST when
# the resource could not be allocated (register_memory_resource() reports
# every failure of __request_region() as EEXIST).
sweep "enable: hot-add 2 blocks, online_movable" "EINVAL ERANGE EBUSY EPERM ENOMEM EEXIST" \
	f_disabled f_view $MRDIR/f/enable 1

f_disabled
sync
echo 3 > /proc/sys/vm/drop_caches
kernel_pt pt1
expect "kernel page tables unchanged after the sweep (kB)" "$pt0" "$pt1"
expect "nothing left behind" "$view0" "$(f_view)"
expect "region f: enabled again, 2 blocks online" "OK 2 online online" \
	"$(swrite $MRDIR/f/enable 1) $(withheld_ram_blocks f | wc -l) $(for b in $(withheld_ram_blocks f); do block_state "$b"; done | xargs)"
expect "region f: deleted" OK "$(withheld_ram_delete f)"
