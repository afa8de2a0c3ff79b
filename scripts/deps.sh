#!/bin/bash
# Install what the build needs on a Debian 12 host: the amd64 packages in
# scripts/packages.host and the arm64 ones in scripts/packages.cross. Adds the
# arm64 architecture to dpkg, because the guest image is made from arm64 .debs.
# Quick and silent when everything is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=$(cat "$here/packages.host" "$here/packages.cross" | sed 's/#.*//' | xargs)
have_arm64=0
dpkg --print-foreign-architectures | grep -qx arm64 && have_arm64=1

missing=$(dpkg-query -W -f='${binary:Package} ${db:Status-Status}\n' $pkgs 2>/dev/null |
	awk '$2 == "installed" { print $1 }' | sed 's/:amd64$//' |
	sort -u | comm -13 - <(printf '%s\n' $pkgs | sort -u) || true)

if [ "$have_arm64" = 1 ] && [ -z "$missing" ] && [ -n "$(ls /var/lib/apt/lists/*_binary-arm64_Packages* 2>/dev/null)" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install: ${missing:-arm64 package lists}" >&2
	echo "deps: run 'sudo scripts/deps.sh' once, then retry" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
[ "$have_arm64" = 1 ] || dpkg --add-architecture arm64
echo "deps: apt-get update"
apt-get update -qq
if [ -n "$missing" ]; then
	echo "deps: installing" $missing
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
