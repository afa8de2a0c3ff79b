#!/bin/bash
# Unpack the Debian packages of scripts/packages.guest for the guest's
# architecture (GUEST_DEBARCH: arm64, the default, or amd64), and the shared
# libraries they depend on, into a base root file system for the guest.
#
#   mkrootfs.sh BUILD_DIR      -> BUILD_DIR/rootfs-base$GUEST_SFX, BUILD_DIR/debs
#
# Only dependencies named lib* are followed: the guest needs programs and
# their libraries, not Debian's maintainer-script machinery (perl, debconf).
# Every ELF file in the result is checked for unresolved DT_NEEDED entries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
debs=$build/debs
arch=${GUEST_DEBARCH:-arm64}
triplet=${GUEST_TRIPLET:-aarch64-linux-gnu}
base=$build/rootfs-base${GUEST_SFX:-}

want=$(sed 's/#.*//' "$here/packages.guest" | xargs)

# Breadth-first closure over Depends/PreDepends, lib* only.
closure() {
	local todo=$want seen="" next p
	while [ -n "$todo" ]; do
		seen="$seen $todo"
		next=$(apt-cache depends --no-recommends --no-suggests --no-conflicts \
			--no-breaks --no-replaces --no-enhances \
			$(printf "%s:$arch " $todo) 2>/dev/null |
			sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \([^<][^ ]*\)$/\2/p' |
			sed "s/:$arch\$//" | grep '^lib' | sort -u || true)
		todo=""
		for p in $next; do
			case " $seen $todo " in *" $p "*) ;; *) todo="$todo $p" ;; esac
		done
		todo=$(echo $todo)
	done
	printf '%s\n' $seen | sort -u
}

# The newest downloaded .deb of a package, or nothing.
deb_of() {
	local f
	f=$(compgen -G "$debs/$1_*_$arch.deb" || compgen -G "$debs/$1_*_all.deb" || true)
	printf '%s\n' $f | sort -V | tail -1
}

pkgs=$(closure)
[ -n "$pkgs" ] || { echo "mkrootfs: no $arch package lists (run scripts/deps.sh)" >&2; exit 1; }
stamp=$(printf '%s\n' $pkgs | sha256sum | cut -c1-16)
if [ -f "$base/.stamp" ] && [ "$(cat "$base/.stamp")" = "$stamp" ]; then
	exit 0
fi

mkdir -p "$debs"
missing=""
for p in $pkgs; do
	[ -n "$(deb_of "$p")" ] || missing="$missing $p:$arch"
done
if [ -n "$missing" ]; then
	echo "mkrootfs: downloading$missing"
	(cd "$debs" && apt-get download -qq $missing 2>&1 |
		grep -v 'unsandboxed as root' || true)
fi

echo "mkrootfs: unpacking $(echo $pkgs | wc -w) packages into $base"
rm -rf "$base"
mkdir -p "$base"
for p in $pkgs; do
	f=$(deb_of "$p")
	[ -n "$f" ] || { echo "mkrootfs: no .deb for $p" >&2; exit 1; }
	dpkg-deb -x "$f" "$base"
done
rm -rf "$base"/usr/share/{doc,man,info,locale,lintian,bash-completion,zsh} \
	"$base"/usr/lib/udev/hwdb.d "$base"/lib/udev/hwdb.d \
	"$base/usr/lib/$triplet/gconv"

# Every DT_NEEDED of every ELF file must be found in the library directories.
libdirs="lib lib/$triplet lib64 usr/lib usr/lib/$triplet usr/lib/$triplet/systemd usr/lib/systemd lib/systemd"
bad=0
while read -r f; do
	for n in $(LC_ALL=C readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=0
		for d in $libdirs; do
			[ -e "$base/$d/$n" ] && { found=1; break; }
		done
		[ $found = 1 ] || { echo "mkrootfs: ${f#$base} needs $n, not in the image" >&2; bad=1; }
	done
done < <(find "$base" -type f \( -path '*/bin/*' -o -path '*/sbin/*' -o -name '*.so*' \) \
	-exec sh -c 'head -c4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
[ $bad = 0 ] || exit 1
echo "$stamp" > "$base/.stamp"
