#!/bin/bash
# Every refusal: the right errno, one kernel log line that says why, and
# nothing changed (no resource, no memory block, same MemTotal, the
# region's attributes as they were).
. /harness/lib.sh
. /harness/withheld_ram.sh

# What a refusal must not change.
snapshot() {
	grep 'withheld_ram' /proc/iomem
	ls -d $MEMDIR/memory* | xargs
	meminfo MemTotal
	for f in $MRDIR/*/*; do echo "$f=$(cat "$f")"; done
}

# refused DESC ERRNO LOGWORD CMD...: CMD prints ERRNO, the kernel log got a
# "withheld_ram: ..." line containing LOGWORD, and the snapshot is unchanged.
refused() {
	local desc=$1 want=$2 word=$3 before got log
	shift 3
	before=$(snapshot)
	dmesg -C
	got=$("$@")
	log=$(dmesg | grep 'withheld_ram: ')
	expect "$desc: $want" "$want" "$got"
	if [ -n "$word" ]; then
		expect "$desc: one kernel log line" 1 "$(echo "$log" | grep -c "$word")"
		[ -n "$log" ] && echo "    log: $log"
	fi
	# Tied to the errno: without withheld_ram nothing changes either.
	expect "$desc: refused, nothing changed" "$want $before" "$got $(snapshot)"
}

w() { swrite "$MRDIR/$1/$2" "$3"; }

# Names end up in /proc/iomem: one simple word.
expect "mkdir 'a b' is EINVAL" EINVAL "$(mr_mkdir 'a b')"
expect "mkdir of a 65-character name is EINVAL" EINVAL "$(mr_mkdir "$(printf 'x%.0s' {1..65})")"
expect "no region directory was created" "configfs: " "$(cd $MRDIR && echo "configfs: $(ls)")"

expect "mkdir e" OK "$(mr_mkdir e)"
expect "mkdir e again is EEXIST" EEXIST "$(mr_mkdir e)"

# Malformed values, refused when written.
refused "start 0x80100000 (not block aligned)" EINVAL "not a multiple" w e start 0x80100000
refused "size 1M (not block aligned)" EINVAL "not a multiple" w e size 1M
refused "start 'banana'" EINVAL "not a number" w e start banana
expect "start still 0" 0x0 "$(cat $MRDIR/e/start)"
expect "size still 0" 0x0 "$(cat $MRDIR/e/size)"
refused "enable with size 0" EINVAL "no size" w e enable 1

# Out of range: only RAM that the device tree describes.
try_range() { # start size: configure e, then enable it
	w e start "$1" > /dev/null && w e size "$2" > /dev/null && w e enable 1
}

# refused_range DESC ERRNO LOGWORD START SIZE: region e set to the range
# (which works, it is checked when enabling), then enabling is refused.
refused_range() {
	expect "$1: start and size accepted" "OK OK" "$(w e start "$4") $(w e size "$5")"
	refused "$1: enable" "$2" "$3" w e enable 1
}
refused_range "0xc0000000+128M (virtio-mem device memory, not firmware RAM)" ERANGE \
	"not RAM described by firmware" 0xc0000000 128M
refused_range "0x100000000+128M (nothing there)" ERANGE \
	"not RAM described by firmware" 0x100000000 128M
refused_range "0xb8000000+256M (runs past the end of RAM)" ERANGE \
	"not RAM described by firmware" 0xb8000000 256M
refused_range "0x0+128M (flash, not RAM)" ERANGE \
	"not RAM described by firmware" 0x0 128M

# Overlaps: RAM the kernel uses, another region.
refused_range "0x78000000+256M (straddles the end of boot RAM)" EBUSY \
	"in /proc/iomem" 0x78000000 256M
refused_range "0x40000000+128M (boot RAM holding the kernel)" EBUSY \
	"in /proc/iomem" 0x40000000 128M

expect "region a: create at 0x80000000+256M" OK "$(withheld_ram_create a 0x80000000 256M)"
blocks_a=$(withheld_ram_blocks a | xargs)
refused_range "0x88000000+256M (overlaps region a)" EBUSY \
	"in /proc/iomem" 0x88000000 256M
refused_range "0x80000000+256M (the same range as region a)" EBUSY \
	"in /proc/iomem" 0x80000000 256M
expect "region e still disabled" 0 "$(cat $MRDIR/e/enable)"

# An enabled region: enabling again, reconfiguring, rmdir.
refused "region a: enable twice" EBUSY "" w a enable 1
refused "region a: write start while enabled" EBUSY "" w a start 0x90000000
refused "region a: write size while enabled" EBUSY "" w a size 128M
refused "region a: write online_type while enabled" EBUSY "" w a online_type offline
refused "region a: rmdir while enabled" EBUSY "" mr_rmdir a
expect "region a: still enabled with the same blocks" "1 $blocks_a" \
	"$(cat $MRDIR/a/enable) $(withheld_ram_blocks a | xargs)"

# A region right after region a is fine: adjacent is not overlapping.
expect "region e: 0x90000000+128M next to region a" OK "$(try_range 0x90000000 128M)"
expect "region e: one block" 1 "$(withheld_ram_blocks e | wc -l)"
expect "delete region e" OK "$(withheld_ram_delete e)"
expect "delete region a" OK "$(withheld_ram_delete a)"
expect "no region left" "configfs: " "$(cd $MRDIR && echo "configfs: $(ls)")"
expect "no withheld_ram resource left" "configfs: 0" \
	"$(cd $MRDIR && echo "configfs: $(grep -c withheld_ram /proc/iomem)")"
