#!/bin/bash
# Who may look and who may change: the attributes show the physical memory
# layout, so only root reads them (mode 0600), and creating a region or
# writing an attribute needs CAP_SYS_ADMIN. An unprivileged user (nobody)
# gets EACCES from the file permissions, root without CAP_SYS_ADMIN gets
# EPERM from the driver; neither changes anything.
. /harness/lib.sh
. /harness/withheld_ram.sh

# As nobody, with no capability at all.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all -- "$@"
}

# As root without CAP_SYS_ADMIN (and without it in the bounding set, so
# that exec cannot give it back).
as_root_no_admin() {
	setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- "$@"
}

# What must not change.
snapshot() {
	grep -c withheld_ram /proc/iomem
	ls -d $MEMDIR/memory* | wc -l
	meminfo MemTotal
	(cd $MRDIR && ls | xargs)
	for f in $MRDIR/*/*; do echo "$f=$(cat "$f")"; done
}

expect "setup: region p at 0x80000000+128M, not enabled" "OK OK OK" \
	"$(mr_mkdir p) $(swrite $MRDIR/p/start 0x80000000) $(swrite $MRDIR/p/size 128M)"
expect "setup: region p configured" "0x80000000 0x8000000 0" \
	"$(cat $MRDIR/p/start) $(cat $MRDIR/p/size) $(cat $MRDIR/p/enable)"
expect "setup: region q at 0x88000000+128M, enabled" OK \
	"$(withheld_ram_create q 0x88000000 128M offline)"

modes=""
for a in start size online_type enable; do
	modes="$modes $a=$(stat -c '%a %U' $MRDIR/p/$a)"
done
expect "attributes are 0600 root" \
	" start=600 root size=600 root online_type=600 root enable=600 root" "$modes"

before=$(snapshot)

# nobody: no read of the layout, no write, no mkdir.
for a in start size online_type enable; do
	expect "nobody: reading p/$a is denied" "Permission denied" \
		"$(as_nobody cat $MRDIR/p/$a 2>&1 | grep -o 'Permission denied')"
done
expect "nobody: reading q/start is denied" 1 \
	"$(as_nobody cat $MRDIR/q/start 2>&1 | grep -c 'Permission denied')"
expect "nobody: write p/start" EACCES "$(as_nobody sysfs_write $MRDIR/p/start 0x90000000 2>/dev/null)"
expect "nobody: write p/size" EACCES "$(as_nobody sysfs_write $MRDIR/p/size 256M 2>/dev/null)"
expect "nobody: write p/online_type" EACCES \
	"$(as_nobody sysfs_write $MRDIR/p/online_type online_movable 2>/dev/null)"
expect "nobody: write p/enable 1" EACCES "$(as_nobody sysfs_write $MRDIR/p/enable 1 2>/dev/null)"
expect "nobody: write q/enable 0" EACCES "$(as_nobody sysfs_write $MRDIR/q/enable 0 2>/dev/null)"
expect "nobody: mkdir" 1 \
	"$(as_nobody mkdir $MRDIR/n 2>&1 | grep -c 'Permission denied')"
expect "nobody: rmdir p" 1 \
	"$(as_nobody rmdir $MRDIR/p 2>&1 | grep -c 'Permission denied')"
# memctl: a permission problem is an environment error (exit 3).
expect "nobody: memctl withheld create: exit 3" 3 \
	"$(as_nobody memctl withheld create n 0x90000000 128M > /dev/null 2>&1; echo $?)"
expect "nobody: nothing changed" "$before" "$(snapshot)"

# root without CAP_SYS_ADMIN: it may read (the files are root's), but the
# driver refuses every change.
expect "root without CAP_SYS_ADMIN: reads p/start" 0x80000000 \
	"$(as_root_no_admin cat $MRDIR/p/start)"
expect "root without CAP_SYS_ADMIN: write p/start" EPERM \
	"$(as_root_no_admin sysfs_write $MRDIR/p/start 0x90000000 2>/dev/null)"
expect "root without CAP_SYS_ADMIN: write p/size" EPERM \
	"$(as_root_no_admin sysfs_write $MRDIR/p/size 256M 2>/dev/null)"
expect "root without CAP_SYS_ADMIN: write p/online_type" EPERM \
	"$(as_root_no_admin sysfs_write $MRDIR/p/online_type online_movable 2>/dev/null)"
expect "root without CAP_SYS_ADMIN: write p/enable 1" EPERM \
	"$(as_root_no_admin sysfs_write $MRDIR/p/enable 1 2>/dev/null)"
expect "root without CAP_SYS_ADMIN: write q/enable 0" EPERM \
	"$(as_root_no_admin sysfs_write $MRDIR/q/enable 0 2>/dev/null)"
expect "root without CAP_SYS_ADMIN: mkdir" 1 \
	"$(as_root_no_admin mkdir $MRDIR/n 2>&1 | grep -c 'Operation not permitted')"
expect "root without CAP_SYS_ADMIN: memctl withheld create: exit 3" 3 \
	"$(as_root_no_admin memctl withheld create n 0x90000000 128M > /dev/null 2>&1; echo $?)"
expect "root without CAP_SYS_ADMIN: nothing changed" "$before" "$(snapshot)"

# The same writes with CAP_SYS_ADMIN work: the refusals above are about
# privilege, not about the values.
expect "root: write p/online_type online_movable" OK \
	"$(swrite $MRDIR/p/online_type online_movable)"
expect "root: enable p" OK "$(swrite $MRDIR/p/enable 1)"
expect "root: p has one block" 1 "$(withheld_ram_blocks p | wc -l)"
expect "root: delete p" OK "$(withheld_ram_delete p)"
expect "root: delete q" OK "$(withheld_ram_delete q)"
expect "no region left" "configfs: " "$(cd $MRDIR && echo "configfs: $(ls)")"
