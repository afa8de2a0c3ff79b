#!/bin/bash
# KASAN and hot-added memory (make KASAN=1 test only): the shadow of every
# virtio-mem block exists once it is online, and KASAN tracks its pages
# (unpoisoned while allocated, poisoned once freed), also after the block
# went through offline_depopulated and back, which frees and maps the
# shadow again with the block's linear map.
. /harness/lib.sh
load_depop_test
insmod /lib/modules/harness/kasan_check.ko 2>/dev/null
K=/sys/kernel/debug/kasan_check/page

# The boot's messages: /tmp/dmesg.boot (run.sh emptied the ring buffer).
expect "KASAN generic is on" 1 \
	"$({ cat /tmp/dmesg.boot 2>/dev/null; dmesg; } |
	grep -c 'KernelAddressSanitizer initialized (generic)')"
expect "kasan_check loaded" 1 "$([ -f $K ] && echo 1)"

# shadow_ok B DESC: a page in the middle of block B, and its last page.
shadow_ok() {
	local b=$1 p0 p1
	p0=$(( $(block_phys "$b") + $(block_size) / 2 ))
	p1=$(( $(block_phys "$b") + $(block_size) - 4096 ))
	expect "memory$b $2: shadow unpoisoned while allocated, poisoned when freed" \
		"OK 0 0 OK 0 0" \
		"$(swrite $K $p0) $(cat $K) $(swrite $K $p1) $(cat $K)"
}

for b in $(vmem_blocks); do
	shadow_ok "$b" "(online at boot)"
done
b=$(vmem_blocks | head -1)
set_state "$b" offline_depopulated
expect "memory$b: offline_depopulated, probe faults" "offline_depopulated -14" \
	"$(block_state "$b") $(probe_block "$b")"
set_state "$b" online
shadow_ok "$b" "(online again after offline_depopulated)"
echo "$b" > $DEPOP/pattern
expect "memory$b: pattern over every page" 0 "$(cat $DEPOP/pattern)"
rmmod kasan_check
