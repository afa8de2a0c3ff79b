#!/bin/bash
# The kernel patch series: each patch is stored under the kernel path it
# touches (mm/, arch/arm64/mm/, drivers/base/, Documentation/, ...) and the
# file `series` at the top of the repository gives their order.
#
#   series.sh unpack KSRC       unpack linux-source-6.12 into KSRC as a git
#                               tree whose tag `pristine` is the untouched source
#   series.sh apply KSRC        reset KSRC to `pristine` and `git am` the series
#                               (nothing happens if it is already applied)
#   series.sh export KSRC [OUT] write the commits pristine..HEAD of KSRC back as
#                               patches and a series file (into OUT, default:
#                               the repository), keeping each known patch where
#                               it is stored and placing new ones by the paths
#                               they touch
#   series.sh status KSRC       say whether KSRC matches the series
set -euo pipefail

# SERIES_DIR: where the series file and the patches are (default: the repo).
top=${SERIES_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
gitid=(-c user.name="memctl build" -c user.email=build@memctl.invalid
       -c commit.gpgsign=false -c core.autocrlf=false)

die() { echo "series: $*" >&2; exit 1; }

# Records which series (hash) was applied at which HEAD.
stampfile() {
	echo "$(git -C "$1" rev-parse --absolute-git-dir)/series-applied"
}

# Patch files named by the series file, in order (comments and blanks dropped).
series_list() {
	local dir=$1
	[ -f "$dir/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$dir/series"
}

series_hash() {
	{
		series_list "$top"
		series_list "$top" | while read -r p; do
			[ -f "$top/$p" ] || die "series names $p, which does not exist"
			cat "$top/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

cmd_unpack() {
	local ksrc=$1 tmp
	if git -C "$ksrc" rev-parse -q --verify pristine >/dev/null 2>&1; then
		return 0
	fi
	[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.12)"
	echo "series: unpacking $(basename "$tarball") into $ksrc"
	rm -rf "$ksrc" "$ksrc.tmp"
	mkdir -p "$ksrc.tmp"
	tar -C "$ksrc.tmp" -xf "$tarball"
	tmp=$(echo "$ksrc.tmp"/linux-source-*)
	# Debian appends "/*" to the top-level .gitignore, which would hide the
	# whole tree from git: drop that stanza so the tree can be versioned.
	sed -i '/^# Debian packaging/,$d' "$tmp/.gitignore"
	sed -i '${/^#$/d}' "$tmp/.gitignore"
	git -C "$tmp" init -q
	git -C "$tmp" add -A
	git "${gitid[@]}" -C "$tmp" commit -q -m "linux-source-6.12 (Debian), pristine"
	git -C "$tmp" tag pristine
	mv "$tmp" "$ksrc"
	rmdir "$ksrc.tmp"
}

cmd_apply() {
	local ksrc=$1 want have head p
	git -C "$ksrc" rev-parse -q --verify pristine >/dev/null ||
		die "$ksrc is not an unpacked tree (series.sh unpack)"
	want=$(series_hash)
	have=$(cat "$(stampfile "$ksrc")" 2>/dev/null || true)
	head=$(git -C "$ksrc" rev-parse HEAD)
	if [ "$have" = "$want $head" ] &&
	   git -C "$ksrc" diff --quiet HEAD; then
		return 0
	fi
	# Whatever is in the tree besides an earlier apply is someone's work.
	if [ "${FORCE:-0}" != 1 ] && {
		{ [ -z "$have" ] && [ "$head" != "$(git -C "$ksrc" rev-parse pristine)" ]; } ||
		{ [ -n "$have" ] && [ "${have#* }" != "$head" ]; } ||
		! git -C "$ksrc" diff --quiet HEAD; }; then
		die "$ksrc has commits or edits that are not in the series:" \
		    "'make export' saves them, FORCE=1 throws them away"
	fi
	echo "series: applying $(series_list "$top" | wc -l) patches to $ksrc"
	git -C "$ksrc" am --abort >/dev/null 2>&1 || true
	git -C "$ksrc" reset -q --hard pristine
	while read -r p; do
		git "${gitid[@]}" -C "$ksrc" am -q --keep-cr "$top/$p" ||
			die "$p does not apply"
	done < <(series_list "$top")
	echo "$want $(git -C "$ksrc" rev-parse HEAD)" > "$(stampfile "$ksrc")"
}

# Where a new patch is stored: the kernel path its subject names, as in
# "arm64/mm: ..." (arch/arm64/mm/) or "mm/memory_hotplug: ..." (mm/), when
# the patch touches it; else the deepest directory that holds every file it
# touches; if that is the top of the tree, the directory of the file with the
# most changed lines.
patch_home() {
	local patch=$1 files common f prefix c
	files=$(sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$patch")
	prefix=$(sed -n 's/^Subject: \(\[[^]]*\] *\)\{0,1\}\([^: ]*\):.*/\2/p' "$patch" | head -1)
	for c in "$prefix" "arch/$prefix"; do
		[ -n "$prefix" ] || break
		for f in $files; do
			case $f in
			"$c"/*) echo "$c"; return ;;
			"$c".[ch]) dirname "$c"; return ;;
			esac
		done
	done
	common=$(printf '%s\n' $files | head -1 | xargs dirname)
	for f in $files; do
		while [ "$common" != . ] && [ "${f#"$common"/}" = "$f" ]; do
			common=$(dirname "$common")
		done
	done
	if [ "$common" = . ]; then
		f=$(git apply --numstat "$patch" | sort -k1,1nr -k2,2nr | head -1 | cut -f3)
		common=$(dirname "$f")
	fi
	echo "$common"
}

cmd_export() {
	local ksrc=$1 out=${2:-$top} tmp f slug old dest new_series=""
	git -C "$ksrc" rev-parse -q --verify pristine >/dev/null ||
		die "$ksrc is not an unpacked tree"
	git -C "$ksrc" diff --quiet HEAD || die "$ksrc has uncommitted edits: commit them first"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	git -C "$ksrc" format-patch -q --zero-commit --no-signature --abbrev=12 \
		--filename-max-length=80 \
		-o "$tmp" pristine..HEAD
	for f in "$tmp"/*.patch; do
		[ -e "$f" ] || continue
		slug=$(basename "$f" | sed 's/^[0-9]*-//')
		old=$(series_list "$top" | grep -E "(^|/)$slug\$" | head -1 || true)
		if [ -n "$old" ]; then
			dest=$old
		else
			dest=$(patch_home "$f")/$slug
		fi
		mkdir -p "$out/$(dirname "$dest")"
		cp "$f" "$out/$dest"
		new_series+="$dest"$'\n'
	done
	# Patches that left the series are deleted from the repository.
	if [ "$out" = "$top" ]; then
		series_list "$top" | while read -r old; do
			printf '%s' "$new_series" | grep -qxF "$old" || rm -f "$top/$old"
		done
	fi
	{
		echo "# Kernel patch series on Debian's linux-source-6.12, in order."
		echo "# Written by 'make export'; applied by 'make apply'."
		printf '%s' "$new_series"
	} > "$out/series"
	echo "series: exported $(printf '%s' "$new_series" | grep -c . || true) patches to $out"
	if [ "$out" = "$top" ]; then
		# The tree now matches the series.
		echo "$(series_hash) $(git -C "$ksrc" rev-parse HEAD)" > "$(stampfile "$ksrc")"
	fi
}

cmd_status() {
	local ksrc=$1 want have
	want=$(series_hash)
	have=$(cat "$(stampfile "$ksrc")" 2>/dev/null || true)
	if [ "$have" = "$want $(git -C "$ksrc" rev-parse HEAD)" ] &&
	   git -C "$ksrc" diff --quiet HEAD; then
		echo "series: $ksrc matches the series"
	else
		echo "series: $ksrc differs from the series"
		return 1
	fi
}

[ $# -ge 2 ] || die "usage: series.sh unpack|apply|export|status KSRC [OUT]"
cmd=$1; shift
case $cmd in
unpack|apply|export|status) "cmd_$cmd" "$@" ;;
*) die "unknown command $cmd" ;;
esac
