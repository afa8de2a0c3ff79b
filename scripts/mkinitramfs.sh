#!/bin/bash
# mkinitramfs.sh BUILD_DIR OUTPUT
#
# The guest initramfs: the Debian base (scripts/mkrootfs.sh) of the guest's
# architecture (GUEST_SFX, GUEST_TRIPLET, GUEST_DEBARCH as the Makefile sets
# them; arm64 by default) plus
#   /init                      tests/guest/init
#   /harness/                  tests/guest/*.sh and the suite directories
#   /usr/local/bin/            static test programs (build/progs)
#   /usr/local/sbin/memctl     memctl, when it was built
#   /lib/modules/harness/      test modules (build/modules/*/*.ko, or
#                              $MODDIR/*/*.ko when MODDIR is set)
#   /usr/local/lib/udev/rules.d/  the project's udev rules (udev/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd) out=$2
sfx=${GUEST_SFX:-}
triplet=${GUEST_TRIPLET:-aarch64-linux-gnu}
root=$build/rootfs$sfx

rm -rf "$root"
cp -a "$build/rootfs-base$sfx" "$root"
rm -f "$root/.stamp"
mkdir -p "$root"/{dev,proc,sys,tmp,run,root,etc,harness,usr/local/bin,usr/local/sbin} \
	"$root/lib/modules/harness"
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3
echo "root:x:0:0:root:/root:/bin/bash" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
: > "$root/etc/fstab"
printf '/lib/%s\n/usr/lib/%s\n' "$triplet" "$triplet" > "$root/etc/ld.so.conf"

install -m 755 "$top/tests/guest/init" "$root/init"
cp -a "$top/tests/guest/." "$root/harness/"
rm -f "$root/harness/init"
[ -d "$build/progs$sfx" ] && cp -a "$build/progs$sfx/." "$root/usr/local/bin/"
memctl=$build/memctl-${GUEST_DEBARCH:-arm64}/memctl
[ -x "$memctl" ] && install -m 755 "$memctl" "$root/usr/local/sbin/"
for ko in "${MODDIR:-$build/modules$sfx}"/*/*.ko; do
	[ -e "$ko" ] && cp "$ko" "$root/lib/modules/harness/"
done
# The udev rules as `make install PREFIX=/usr/local` puts them, next to
# memctl in /usr/local/sbin (the policy file /etc/memctl/depopulate.conf is
# left out: the udev suite writes it).
make -s -C "$top/udev" install DESTDIR="$root" PREFIX=/usr/local

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $(du -h "$out" | cut -f1) -> $out"
