#!/bin/bash
# kconfig.sh KSRC KOBJ CROSS FRAGMENT...   (GUEST_ARCH: arm64 or x86_64)
#
# Configure the kernel in KOBJ: allnoconfig with the fragments as
# KCONFIG_ALLCONFIG, then check that every symbol a fragment sets ended up
# set (a dependency that is not met would otherwise drop it silently).
# Does nothing when neither the fragments nor the tree's Kconfig changed.
set -euo pipefail
ksrc=$1 obj=$2 cross=$3
shift 3
mkdir -p "$obj"
cat "$@" > "$obj/fragments.config"
key=$( { cat "$obj/fragments.config"; git -C "$ksrc" rev-parse HEAD;
	git -C "$ksrc" diff HEAD -- '*Kconfig*'; } | sha256sum | cut -c1-32)
if [ -f "$obj/.config" ] && [ "$(cat "$obj/.config-key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi
echo "kconfig: allnoconfig + $*"
make -s -C "$ksrc" O="$obj" ARCH="${GUEST_ARCH:-arm64}" CROSS_COMPILE="$cross" \
	KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig
bad=0
while read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" || {
			echo "kconfig: $line did not stick (got:" \
			     "$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo "absent"))" >&2
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$obj/.config" || {
			echo "kconfig: $sym should not be set" >&2
			bad=1
		} ;;
	esac
done < "$obj/fragments.config"
[ $bad = 0 ] || exit 1
echo "$key" > "$obj/.config-key"
