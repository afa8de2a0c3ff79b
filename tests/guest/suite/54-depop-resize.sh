#!/bin/bash
# virtio-mem shrinking removes offline_depopulated blocks cleanly (they are
# offline, so it takes them first); growing adds blocks that can be
# depopulated in turn.
. /harness/lib.sh
load_depop_test || bail "insmod depop_test.ko"

count_is() { [ "$(vmem_blocks | wc -l)" -eq "$1" ]; }
set -- $(vmem_blocks)
[ $# = 4 ] || bail "need 4 virtio-mem blocks" "$*"
d1=$3 d2=$4
set_state "$d1" offline_depopulated
set_state "$d2" offline_depopulated
st="$(block_state "$d1") $(block_state "$d2")"
expect "two blocks depopulated" "offline_depopulated offline_depopulated" "$st"
total0=$(meminfo MemTotal)

# Timeouts: virtio-mem unplugs and plugs asynchronously, in well under 5 s
# under TCG; 60 s is the bound after which it is broken, not slow.
check "QMP: requested-size 256M" host vmem-resize 256M
if wait_for 60 count_is 2; then
	ok "shrink leaves 2 virtio-mem blocks"
else
	fail "shrink leaves 2 virtio-mem blocks" "$(vmem_blocks | wc -l) left"
fi
expect "the depopulated memory$d1 was removed" "offline_depopulated 0" \
	"${st% *} $([ -d $MEMDIR/memory$d1 ] && echo 1 || echo 0)"
expect "the depopulated memory$d2 was removed" "offline_depopulated 0" \
	"${st#* } $([ -d $MEMDIR/memory$d2 ] && echo 1 || echo 0)"
expect "MemTotal unchanged (the removed blocks were offline)" "$total0" "$(meminfo MemTotal)"
expect "the online blocks stayed online" "online online" \
	"$(for b in $(vmem_blocks); do echo -n "$(block_state "$b") "; done | xargs)"

check "QMP: requested-size 512M" host vmem-resize 512M
if wait_for 60 vmem_all_online 4; then
	ok "grow gives 4 online virtio-mem blocks"
else
	fail "grow gives 4 online virtio-mem blocks" "$(vmem_blocks | xargs)"
fi
n=$(vmem_blocks | tail -1)
expect "new block memory$n is depopulatable" 1 "$(cat $MEMDIR/memory$n/depopulatable)"
expect "new block memory$n: offline_depopulated" OK \
	"$(swrite $MEMDIR/memory$n/state offline_depopulated)"
was=$(probe_block "$n")
expect "new block memory$n: probe faults" -14 "$was"
expect "new block memory$n: online_movable" OK "$(swrite $MEMDIR/memory$n/state online_movable)"
expect "new block memory$n: probe succeeds after the depopulated round trip" "-14 0" \
	"$was $(probe_block "$n")"
