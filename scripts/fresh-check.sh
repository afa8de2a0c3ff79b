#!/bin/bash
# fresh-check.sh: run CI as on a machine that never had the project.
#
# Builds a minimal Debian 12 root (debootstrap --variant=minbase bookworm,
# plus make and git, which the README assumes), clones the HEAD commit of
# this repository into it (/root/repo: committed work only, uncommitted edits
# are not part of the check), and runs the README's test command there as
# root in a chroot, as CI does. Everything else the build needs must come
# from `make`'s own scripts/deps.sh: this is what the check proves.
#
#   scripts/fresh-check.sh                     fresh root, `make test`
#   scripts/fresh-check.sh -- make deps apply  fresh root, another command
#   KEEP=1 scripts/fresh-check.sh ...          keep the root afterwards and
#                                              reuse it next time (NOT fresh)
#
# Options (or environment variables):
#   -r, --root DIR   (FRESH_ROOT) where the root goes; default
#                    /var/tmp/fresh-check (outside the repository: it grows to
#                    several GB with the kernel build)
#   -k, --keep       (KEEP=1) keep the root after the run; a kept root is
#                    reused by the next run (its packages and the build/ of
#                    its clone too, the clone is moved to the new HEAD)
#   -l, --log FILE   (LOG) the log; default DIR.log, e.g. /var/tmp/fresh-check.log
#   -m, --mirror URL (MIRROR) Debian mirror; default: the one this host's apt
#                    uses (/etc/apt/sources.list{,.d}), else deb.debian.org
#
# Prints the test command's last "N passed, M failed[, K skipped]" line and
# the elapsed times; exits with the status of the command. Needs root (for
# debootstrap, chroot and mounts). Takes about as long as `bash .ci/run` on a
# clean clone, plus a few minutes for debootstrap and the package downloads.
set -euo pipefail

die() { echo "fresh-check: $*" >&2; exit 2; }
say() { echo "fresh-check: $*"; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

root=${FRESH_ROOT:-/var/tmp/fresh-check}
keep=${KEEP:-0}
log=${LOG:-}
mirror=${MIRROR:-}
while [ $# -gt 0 ]; do
	case $1 in
	-r|--root) root=${2:?}; shift 2 ;;
	-k|--keep) keep=1; shift ;;
	-l|--log) log=${2:?}; shift 2 ;;
	-m|--mirror) mirror=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 2 ;;
	esac
done
cmd=("$@")
[ ${#cmd[@]} -gt 0 ] || cmd=(make test)

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount): sudo $0 $*"

# The root must be a plain directory we may wipe: never "/" or the repo.
root=$(realpath -m "$root")
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
case $root in
/|/usr|/var|/var/tmp|/tmp|/root|/home|"$repo"|"$repo"/*) die "refusing to use $root as the root" ;;
esac
log=${log:-$root.log}
head=$(git -C "$repo" rev-parse HEAD)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
	say "note: $repo has uncommitted changes; they are not part of the check (HEAD only)"
fi

# ---- the Debian mirror of this host -------------------------------------

# Prints the URI this host's apt uses for SUITE (e.g. bookworm,
# bookworm-security), from one-line sources.list files and deb822 .sources.
host_uri() {
	local suite=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [options] URI SUITE COMPONENTS...
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# Stanzas separated by blank lines: "Types: deb", "URIs: ...",
		# "Suites: a b", "Enabled: no" to switch one off.
		awk -v s="$suite" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " s " "))
					{ split(uris, u, " "); print u[1]; found = 1; exit }
				types = uris = suites = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			tolower($1) == "types:"   { $1 = ""; types = $0 }
			tolower($1) == "uris:"    { $1 = ""; uris = $0 }
			tolower($1) == "suites:"  { $1 = ""; suites = $0 }
			tolower($1) == "enabled:" { enabled = tolower($2) }
			END { if (!found) flush() }' "$f"
	done
}
if [ -z "$mirror" ]; then
	mirror=$(host_uri bookworm | sed 's/^ *//' | head -1)
	mirror=${mirror:-http://deb.debian.org/debian}
fi
security=$(host_uri bookworm-security | sed 's/^ *//' | head -1)
security=${security:-http://deb.debian.org/debian-security}

# ---- mounts, and their removal on every exit ----------------------------

mounted=()
# shellcheck disable=SC2317  # (called by the EXIT trap)
cleanup() {
	local rc=$? i p
	trap - EXIT INT TERM
	set +e
	# Processes still running inside the root (make, QEMU, after Ctrl-C)
	# would keep the mounts busy: end them (only ours: their root is $root).
	for i in 1 2 3 4 5; do
		local left=0
		for p in /proc/[0-9]*; do
			if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then
				kill "${p#/proc/}" 2>/dev/null && left=1
			fi
		done
		[ "$left" = 1 ] || break
		sleep 1
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" ||
			echo "fresh-check: could not unmount ${mounted[i]}" >&2
	done
	mounted=()
	if [ "$keep" != 1 ] && [ -d "$root" ] && ! under_mounts; then
		say "removing $root (KEEP=1 keeps it)"
		rm -rf --one-file-system "$root"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# True if anything is mounted at or below $root.
under_mounts() {
	awk -v r="$root" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' \
		/proc/self/mountinfo
}

# mnt ARGS... TARGET: mount, and remember it for cleanup.
mnt() {
	mount "$@"
	mounted+=("${!#}")
}

# ---- the minimal root ---------------------------------------------------

start=$SECONDS
under_mounts && die "something is mounted under $root (an earlier run still going?)"
if [ "$keep" = 1 ] && [ -f "$root/.fresh-check-base" ]; then
	say "reusing $root (KEEP=1): not a fresh machine any more"
else
	command -v debootstrap >/dev/null || {
		say "installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	}
	rm -rf --one-file-system "$root"
	say "debootstrap --variant=minbase bookworm $root $mirror"
	debootstrap --variant=minbase bookworm "$root" "$mirror" > "$root.debootstrap.log" 2>&1 || {
		tail -20 "$root.debootstrap.log" >&2
		die "debootstrap failed (log: $root.debootstrap.log)"
	}
	# What minbase installs, for scripts/commands.map's "base" list.
	# shellcheck disable=SC2016  # (a dpkg-query format, not a shell expansion)
	chroot "$root" dpkg-query -W -f='${Package}\n' > "$root/root/minbase-packages.txt"
	say "minbase: $(wc -l < "$root/root/minbase-packages.txt") packages ($((SECONDS - start))s)"
	# The same mirror as the host for the root's apt, deb822 as on Debian 12.
	rm -f "$root/etc/apt/sources.list"
	cat > "$root/etc/apt/sources.list.d/debian.sources" <<-EOF
	Types: deb
	URIs: $mirror
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: $security
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
fi

cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mnt -t proc proc "$root/proc"
mnt -t sysfs sysfs "$root/sys"
mnt --bind /dev "$root/dev"
mnt -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
mnt -t tmpfs tmpfs "$root/dev/shm"
mnt -t tmpfs tmpfs "$root/tmp"

# in_root COMMAND...: run in the root, as root, with a clean environment.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}

if [ ! -f "$root/.fresh-check-base" ]; then
	say "installing make and git in the root"
	in_root apt-get update -qq
	in_root apt-get install -y -qq --no-install-recommends make git > /dev/null
	touch "$root/.fresh-check-base"
fi

# ---- the repository: a clone of HEAD ------------------------------------

dest=$root/root/repo
if [ -d "$dest/.git" ] && [ "$keep" = 1 ]; then
	say "updating the kept clone to $head"
	git -C "$dest" fetch -q "$repo" '+refs/heads/*:refs/remotes/origin/*'
	git -C "$dest" checkout -q --detach "$head"
else
	rm -rf "$dest"
	git clone -q --no-hardlinks "$repo" "$dest"
	git -C "$dest" checkout -q --detach "$head"
fi
say "clone of $(git -C "$repo" log -1 --format='%h %s' "$head") in /root/repo"

# ---- the test command ---------------------------------------------------

say "running '${cmd[*]}' in the root as root (log: $log)"
t0=$SECONDS
# In the background, so that a signal to this script runs the cleanup at
# once (bash runs traps only between foreground commands); the command's
# status goes through a file because of the pipe to tee.
rcfile=$root/root/.fresh-check-rc
rm -f "$rcfile"
{
	status=0
	in_root /bin/bash -c 'cd /root/repo && exec "$@"' fresh-check "${cmd[@]}" 2>&1 || status=$?
	echo "$status" > "$rcfile"
} | tee "$log" &
wait $! || true
rc=$(cat "$rcfile" 2>/dev/null || echo 1)
secs=$((SECONDS - t0))

echo
say "---"
result=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
say "command: ${cmd[*]} (in a fresh Debian 12 minbase root, HEAD $(git -C "$repo" rev-parse --short "$head"))"
[ -z "$result" ] || say "result:  $result"
say "status:  $rc"
say "time:    $((secs / 60))m$((secs % 60))s for the command, $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s in all"
say "log:     $log"
exit "$rc"
