#!/bin/bash
# Fault injection over every transition of a virtio-mem block and over the
# exported range API: each allocation the write makes fails in turn (see
# faults.sh); the write returns a documented errno, changes nothing, and
# works when retried. Then nothing is lost: page tables exactly, and the
# block's own ptdump.
. /harness/lib.sh
. /harness/faults.sh
load_depop_test
faults_setup

# KASAN: onlining allocates the block's shadow, a page at a time (4096
# points per 128 MiB block), and a point takes about 12 s there: fail the
# first 32 points one by one, then every 256th (see faults.sh).
if kasan_on; then
	SWEEP_DENSE=32 SWEEP_STRIDE=256 SWEEP_MAX=16384
	echo "# KASAN: sweeps sample the points after the 32nd, every 256th"
fi

b=$(vmem_blocks | head -1)
b2=$(vmem_blocks | sed -n 2p)
F=$MEMDIR/memory$b/state
bs=$(block_size)
phys=$(block_phys "$b")
expect "two virtio-mem blocks to work on" 2 "$(echo $b $b2 | wc -w)"

# What a state write changes: the state, the linear map of the block.
view() {
	echo "$(block_state "$b") probe=$(probe_block "$b")"
	ptdump_block "$b"
}

st_online() { set_state "$b" online; }
st_offline() { set_state "$b" offline; }
st_depop() { set_state "$b" offline_depopulated; }

set_state "$b" offline
set_state "$b2" offline
sync
echo 3 > /proc/sys/vm/drop_caches
kernel_pt pt0
view0=$(view)

# Documentation/ABI/testing/sysfs-devices-memory, "state": EINVAL (unknown
# word, current state), EBUSY (offlining failed), EOPNOTSUPP (ineligible),
# ENOMEM (memory the change needed could not be allocated).
errs="EINVAL EBUSY EOPNOTSUPP ENOMEM"
# Onlining also fails with the error a memory notifier vetoed it with. Under
# KASAN that is KASAN's own notifier, which allocates the shadow of the block
# at MEM_GOING_ONLINE and answers NOTIFY_BAD (EPERM) when it cannot.
oerrs=$errs
kasan_on && oerrs="$errs EPERM"
sweep "online -> offline" "$errs" st_online view "$F" offline
sweep "offline -> online_movable" "$oerrs" st_offline view "$F" online_movable
sweep "offline -> offline_depopulated" "$errs" st_offline view "$F" offline_depopulated
sweep "offline_depopulated -> offline" "$errs" st_depop view "$F" offline
sweep "offline_depopulated -> online_movable" "$oerrs" st_depop view "$F" online_movable

# The exported API on two blocks, through depop_test's debugfs files; its
# kernel-doc (drivers/base/memory.c) documents EINVAL, EBUSY, EOPNOTSUPP
# and a notifier's veto (none here), and that it allocates nothing. The
# first point a sweep finds is depop_test's own copy of the text written
# to its file (ENOMEM before the API is called); every later one is a
# uevent's, whose failure is absorbed: exactly one write may fail.
range=$(( b2 == b + 1 ? 2 : 1 ))
view2() {
	echo "$(block_state "$b") $(block_state "$b2") $(probe_block "$b")"
	ptdump_block "$b"
}
st2_offline() { set_state "$b" offline && set_state "$b2" offline; }
st2_depop() { st2_offline && echo "$phys $((range * bs))" > $DEPOP/depopulate; }
sweep "depopulate_range_driver_managed() of $range block(s)" "EINVAL EBUSY EOPNOTSUPP ENOMEM" \
	st2_offline view2 $DEPOP/depopulate "$phys $((range * bs))"
expect "depopulate_range_driver_managed(): only depop_test's buffer can fail" 1 "$SWEEP_FAILED"
sweep "populate_range_driver_managed() of $range block(s)" "EINVAL EBUSY EOPNOTSUPP ENOMEM" \
	st2_depop view2 $DEPOP/populate "$phys $((range * bs))"
expect "populate_range_driver_managed(): only depop_test's buffer can fail" 1 "$SWEEP_FAILED"

# Back where it started; nothing lost.
set_state "$b" offline
set_state "$b2" offline
sync
echo 3 > /proc/sys/vm/drop_caches
kernel_pt pt1
expect "kernel page tables unchanged after the sweeps (kB)" "$pt0" "$pt1"
expect "memory$b: state and linear map as before the sweeps" "$view0" "$(view)"
set_state "$b" online
set_state "$b2" online
echo "$b" > $DEPOP/pattern
expect "memory$b: online, pattern over every page" "online 0" \
	"$(block_state "$b") $(cat $DEPOP/pattern)"
