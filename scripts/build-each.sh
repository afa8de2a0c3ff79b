#!/bin/bash
# Build the kernel after each patch of the series in turn, to show that
# every patch builds on its own (bisectability). Uses a separate git
# worktree and object directory (build/each, build/kobj-each), so build/linux
# is left alone; each step is an incremental build of the one before.
#   scripts/build-each.sh [JOBS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=$top/build/linux
tree=$top/build/each
obj=$top/build/kobj-each
jobs=${1:-$(nproc)}
cross=aarch64-linux-gnu-

git -C "$ksrc" rev-parse -q --verify pristine > /dev/null ||
	{ echo "build-each: run 'make apply' first" >&2; exit 1; }
if [ ! -e "$tree/.git" ]; then
	git -C "$ksrc" worktree add -q --detach "$tree" pristine
fi
git -C "$tree" am --abort > /dev/null 2>&1 || true
git -C "$tree" reset -q --hard pristine

mapfile -t patches < <(sed -e 's/#.*//' -e '/^\s*$/d' "$top/series")
cat "$top"/kconfig/{base,debug,feature}.config > "$obj.fragment" 2>/dev/null ||
	{ mkdir -p "$obj"; cat "$top"/kconfig/{base,debug,feature}.config > "$obj.fragment"; }
i=0
for p in "" "${patches[@]}"; do
	if [ -n "$p" ]; then
		i=$((i + 1))
		git -C "$tree" -c user.name=build -c user.email=build@memctl.invalid \
			am -q "$top/$p"
	fi
	# The options a later patch adds do not exist yet: allnoconfig drops
	# them quietly, which is what building that patch alone means.
	make -s -C "$tree" O="$obj" ARCH=arm64 CROSS_COMPILE=$cross \
		KCONFIG_ALLCONFIG="$obj.fragment" allnoconfig
	start=$SECONDS
	if make -s -C "$tree" O="$obj" ARCH=arm64 CROSS_COMPILE=$cross \
		-j"$jobs" Image modules > "$obj.log" 2>&1 &&
	   ! grep -q "warning:" "$obj.log"; then
		echo "ok $((i + 1)) - builds with ${i} patches${p:+ (up to $(basename "$p"))} ($((SECONDS - start))s)"
	else
		echo "not ok $((i + 1)) - build fails or warns with ${i} patches${p:+ (up to $(basename "$p"))}"
		tail -20 "$obj.log" | sed 's/^/# /'
		exit 1
	fi
done
echo "1..$((i + 1))"
