# Shell helpers for withheld_ram, the configfs interface that hot-adds RAM the
# kernel withheld at boot (CONFIG_WITHHELD_RAM, see
# Documentation/ABI/testing/configfs-withheld_ram). Source after lib.sh.
#
#   withheld_ram_create NAME START SIZE [ONLINE_TYPE]  create and enable
#   withheld_ram_delete NAME                           disable and remove
#   withheld_ram_blocks NAME                           its memory block indices
#
# create and delete print OK or the errno name of the step that failed;
# a region that could not be enabled is removed again.

MRDIR=/sys/kernel/config/withheld_ram

# The errno name for an error message of mkdir/rmdir (strerror text).
errname() {
	case $1 in
	*"Device or resource busy"*) echo EBUSY ;;
	*"Invalid argument"*) echo EINVAL ;;
	*"File exists"*) echo EEXIST ;;
	*"No such file or directory"*) echo ENOENT ;;
	*"Operation not permitted"*) echo EPERM ;;
	*"Directory not empty"*) echo ENOTEMPTY ;;
	*) echo "$1" ;;
	esac
}

# mr_mkdir NAME / mr_rmdir NAME: OK or the errno name.
mr_mkdir() {
	local out
	out=$(mkdir "$MRDIR/$1" 2>&1) && echo OK || errname "$out"
}

mr_rmdir() {
	local out
	out=$(rmdir "$MRDIR/$1" 2>&1) && echo OK || errname "$out"
}

withheld_ram_create() {
	local name=$1 d=$MRDIR/$1 r attr val
	r=$(mr_mkdir "$name")
	[ "$r" = OK ] || { echo "$r"; return 1; }
	for attr in start size online_type enable; do
		case $attr in
		start) val=$2 ;;
		size) val=$3 ;;
		online_type) val=${4:-default} ;;
		enable) val=1 ;;
		esac
		r=$(sysfs_write "$d/$attr" "$val" 2>&1)
		if [ "$r" != OK ]; then
			rmdir "$d"
			echo "$r"
			return 1
		fi
	done
	echo OK
}

withheld_ram_delete() {
	local r
	if [ "$(cat "$MRDIR/$1/enable")" = 1 ]; then
		r=$(sysfs_write "$MRDIR/$1/enable" 0 2>&1)
		[ "$r" = OK ] || { echo "$r"; return 1; }
	fi
	mr_rmdir "$1"
}

withheld_ram_blocks() {
	blocks_of "System RAM (withheld_ram $1)"
}
