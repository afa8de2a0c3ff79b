#!/bin/bash
# Build the kernel after each patch of the series in turn, to show that
# every patch builds on its own (bisectability). Uses a separate git
# worktree and object directory (build/each, build/kobj-each[-x86_64]-on|off),
# so build/linux is left alone; each step is an incremental build of the one
# before.
#   [GUEST_ARCH=x86_64] scripts/build-each.sh [on|off] [JOBS]
# on (default): the options the series adds enabled (kconfig/feature.config;
# on x86_64 the one in kconfig/x86_64.config) as soon as the patch that adds
# them is in; off: the same fragments without them, so every new option keeps
# its default (n). GUEST_ARCH (default arm64) picks the architecture, as the
# Makefile's ARCH does.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=$top/build/linux
tree=$top/build/each
opts=${1:-on}
case ${GUEST_ARCH:-arm64} in
arm64)
	karch=arm64 cross=aarch64-linux-gnu- image=Image sfx=
	frags="base debug feature" ;;
x86_64)
	karch=x86_64 cross= image=bzImage sfx=-x86_64
	frags="x86_64 debug" ;;
*) echo "build-each: GUEST_ARCH=$GUEST_ARCH: arm64 or x86_64" >&2; exit 2 ;;
esac
case $opts in
on | off) ;;
*) echo "usage: build-each.sh [on|off] [JOBS]" >&2; exit 2 ;;
esac
obj=$top/build/kobj-each$sfx-$opts
jobs=${2:-$(nproc)}

git -C "$ksrc" rev-parse -q --verify pristine > /dev/null ||
	{ echo "build-each: run 'make apply' first" >&2; exit 1; }
if [ ! -e "$tree/.git" ]; then
	git -C "$ksrc" worktree add -q --detach "$tree" pristine
fi
git -C "$tree" am --abort > /dev/null 2>&1 || true
git -C "$tree" reset -q --hard pristine

mapfile -t patches < <(sed -e 's/#.*//' -e '/^\s*$/d' "$top/series")
mkdir -p "$obj"
# "off" drops every line that sets an option of kconfig/feature.config.
for f in $frags; do cat "$top/kconfig/$f.config"; done |
	if [ "$opts" = off ]; then
		grep -vF -f <(grep '^CONFIG_' "$top/kconfig/feature.config" | cut -d= -f1)
	else
		cat
	fi > "$obj.fragment"
i=0
for p in "" "${patches[@]}"; do
	if [ -n "$p" ]; then
		i=$((i + 1))
		git -C "$tree" -c user.name=build -c user.email=build@memctl.invalid \
			am -q "$top/$p"
	fi
	# The options a later patch adds do not exist yet: allnoconfig drops
	# them quietly, which is what building that patch alone means.
	make -s -C "$tree" O="$obj" ARCH=$karch CROSS_COMPILE=$cross \
		KCONFIG_ALLCONFIG="$obj.fragment" allnoconfig
	start=$SECONDS
	if make -s -C "$tree" O="$obj" ARCH=$karch CROSS_COMPILE=$cross \
		-j"$jobs" $image modules > "$obj.log" 2>&1 &&
	   ! grep -q "warning:" "$obj.log"; then
		echo "ok $((i + 1)) - ${karch}, options $opts: builds with ${i} patches${p:+ (up to $(basename "$p"))} ($((SECONDS - start))s)"
	else
		echo "not ok $((i + 1)) - ${karch}, options $opts: build fails or warns with ${i} patches${p:+ (up to $(basename "$p"))}"
		tail -20 "$obj.log" | sed 's/^/# /'
		exit 1
	fi
done
echo "1..$((i + 1))"
