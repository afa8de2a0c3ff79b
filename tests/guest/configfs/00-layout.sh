#!/bin/bash
# The layout the withheld_ram tests rely on: QEMU virt with 2 GiB of boot RAM
# at 0x40000000 that the device tree's /memory node describes in full, of
# which the kernel took 1 GiB (mem=1G); the rest, 0x80000000-0xbfffffff,
# is withheld RAM. The virtio-mem device memory follows at 0xc0000000.
. /harness/lib.sh
. /harness/withheld_ram.sh

echo "  /proc/iomem:"
sed 's/^/    /' /proc/iomem
bs=$(block_size)
expect "memory block size is 128 MiB" $((128 << 20)) "$bs"
expect "mem=1G on the command line" 1 "$(grep -cw 'mem=1G' /proc/cmdline)"
expect "configfs has withheld_ram/" 1 "$([ -d $MRDIR ] && echo 1)"
expect "no region at boot (configfs directory present, empty)" "configfs: " \
	"$(cd $MRDIR && echo "configfs: $(ls)")"

# /memory@40000000 reg: <0x0 0x40000000 0x0 0x80000000> (2 address and 2
# size cells, big endian).
reg=$(od -An -tx1 -v /proc/device-tree/memory@40000000/reg | tr -d ' \n')
expect "device tree describes 0x40000000 + 2 GiB as memory" \
	"0000000040000000 0000000080000000" "${reg:0:16} ${reg:16:16}"
expect "boot System RAM ends at 0x7fffffff (mem=1G)" 7fffffff \
	"$(grep ': System RAM$' /proc/iomem | tail -1 | sed 's/^ *[0-9a-f]*-\([0-9a-f]*\) .*/\1/')"
bad=""
for ((b = 0x80000000 / bs; b < 0xc0000000 / bs; b++)); do
	[ -d $MEMDIR/memory$b ] && bad="$bad memory$b"
done
expect "no memory block in the withheld RAM" "" "$bad"
# Resources (at any level) that start or end inside the withheld RAM.
inside=""
while IFS= read -r line; do
	r=${line#"${line%%[! ]*}"}
	s=$((0x${r%%-*}))
	e=${r#*-}
	e=$((0x${e%% *}))
	if ((s <= 0xbfffffff && e >= 0x80000000)); then
		inside="$inside [$r]"
	fi
done < /proc/iomem
expect "nothing in /proc/iomem at 0x80000000-0xbfffffff" "" "$inside"
expect "virtio-mem memory starts at or above 0xc0000000" 1 \
	"$(s=$(grep -m1 'virtio_mem' /proc/iomem | sed 's/^ *\([0-9a-f]*\)-.*/\1/');
	   [ $((0x$s)) -ge $((0xc0000000)) ] && echo 1)"
