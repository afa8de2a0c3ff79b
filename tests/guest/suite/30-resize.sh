#!/bin/bash
# Resize the virtio-mem device through QMP: blocks disappear when it
# shrinks and come back (auto-onlined) when it grows.
. /harness/lib.sh

count() { vmem_blocks | wc -l; }
count_is() { [ "$(count)" -eq "$1" ]; }

expect "host channel answers" "ping" "$(host echo ping)"
expect "device plugged size is 512 MiB" $((512 << 20)) "$(host vmem-size)"

# Timeouts below: virtio-mem unplugs and plugs asynchronously, in well
# under 5 s under TCG; 60 s is the bound after which it is broken, not slow.
check "QMP: requested-size 256M" host vmem-resize 256M
if wait_for 60 count_is 2; then
	ok "shrink to 256M leaves 2 virtio-mem blocks"
else
	fail "shrink to 256M leaves 2 virtio-mem blocks" "$(count) left"
fi
wait_for 30 test "$(host vmem-size)" = $((256 << 20))
expect "device reports 256 MiB plugged" $((256 << 20)) "$(host vmem-size)"
expect "no removed block left in sysfs" 2 \
	"$(for b in $(vmem_blocks); do [ -d $MEMDIR/memory$b ] && echo; done | wc -l)"

check "QMP: requested-size 512M" host vmem-resize 512M
if wait_for 60 count_is 4; then
	ok "grow to 512M gives 4 virtio-mem blocks again"
else
	fail "grow to 512M gives 4 virtio-mem blocks again" "$(count) present"
fi
if wait_for 30 vmem_all_online 4; then
	ok "re-added blocks are onlined"
else
	fail "re-added blocks are onlined" "$(for b in $(vmem_blocks); do echo -n "$b:$(block_state $b) "; done)"
fi
