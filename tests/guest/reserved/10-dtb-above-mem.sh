#!/bin/bash
# RAM that was reserved before "mem=" removed the memory around it must not
# be hot-added. The reservation is the device tree blob, which arm64
# reserves in setup_machine_fdt() before arm64_memblock_init() applies
# mem=, and keeps using afterwards (/sys/firmware/fdt reads it through the
# fixmap). memblock_cap_memory_range() drops the reservation from
# memblock.reserved along with the memory; the series records what it
# dropped, and withheld_ram refuses the block that holds it.
#
# The boot (scripts/run-tests.sh, guest-reserved) places it: 1 GiB of boot
# RAM at 0x40000000; QEMU loads the initrd at 0x48000000 and the DTB after
# it, 2 MiB aligned; the initrd is padded to 128 MiB, so the DTB is at
# 0x50000000, the first byte above mem=256M.
. /harness/lib.sh
. /harness/withheld_ram.sh

dtb=0x50000000
bs=$(block_size)
expect "memory block size is 128 MiB" $((128 << 20)) "$bs"
expect "mem=256M on the command line" 1 "$(grep -cw 'mem=256M' /proc/cmdline)"
expect "boot System RAM ends at 0x4fffffff" 4fffffff \
	"$(grep ': System RAM$' /proc/iomem | tail -1 | sed 's/^ *[0-9a-f]*-\([0-9a-f]*\) .*/\1/')"

# The layout this test relies on, seen from the host: the FDT magic
# (0xd00dfeed, big endian) at 0x50000000 of guest physical memory.
# The reply is a JSON string: "0000000050000000: 0xedfe0dd0\r\n".
word=$(host qmp human-monitor-command "{\"command-line\": \"xp /1xw $dtb\"}")
echo "    host: xp /1xw $dtb: $word"
expect "the host sees the device tree blob at $dtb" 0xedfe0dd0 \
	"$(echo "$word" | grep -o ': 0x[0-9a-f]*' | cut -c3-)"
expect "/sys/firmware/fdt starts with the FDT magic" d00dfeed \
	"$(od -An -tx1 -N4 /sys/firmware/fdt | tr -d ' \n')"
size=$(stat -c %s /sys/firmware/fdt)
sum=$(md5sum < /sys/firmware/fdt)

# memblock no longer knows of the reservation: it went with the memory.
resv=$(cat /sys/kernel/debug/memblock/reserved)
dropped=1
while read -r _ range _; do
	s=${range%..*} e=${range#*..}
	[ $((s)) -le $((dtb)) ] && [ $((e)) -ge $((dtb)) ] && dropped=0
done <<< "$resv"
expect "memblock.reserved no longer holds $dtb (mem= dropped it)" 1 "$dropped"

# The block holding the DTB: firmware RAM, nothing in /proc/iomem, not in
# memblock.reserved; only the record of the cap tells it is in use.
dmesg -C
before=$(grep -c withheld_ram /proc/iomem; ls -d $MEMDIR/memory* | wc -l)
expect "region d over the DTB block: refused with EBUSY" EBUSY \
	"$(withheld_ram_create d $dtb 128M)"
expect "one kernel log line says why" 1 \
	"$(dmesg | grep -c 'withheld_ram: d: .*reserved at boot before "mem=" removed it')"
expect "nothing was added" "$before" \
	"$(grep -c withheld_ram /proc/iomem; ls -d $MEMDIR/memory* | wc -l)"
expect "the half-made region is gone" "configfs: " "$(cd $MRDIR && echo "configfs: $(ls)")"

# A larger region that contains the block is refused too.
expect "region d2 over 0x50000000+512M: refused with EBUSY" EBUSY \
	"$(withheld_ram_create d2 $dtb 512M)"

# The next block is free: the refusal is about the reservation alone.
expect "region n at 0x58000000+128M: enabled" OK \
	"$(withheld_ram_create n 0x58000000 128M online_movable)"
b=$(withheld_ram_blocks n | xargs)
expect "region n: one block, online" "1 online" \
	"$(echo "$b" | wc -w) $(block_state "$b")"
load_depop_test
echo "$b" > $DEPOP/pattern
expect "region n: pattern written and verified over every page" 0 \
	"$(cat $DEPOP/pattern)"
expect "region n: deleted" OK "$(withheld_ram_delete n)"

expect "/sys/firmware/fdt unchanged" "$size $sum" \
	"$(stat -c %s /sys/firmware/fdt) $(md5sum < /sys/firmware/fdt)"
