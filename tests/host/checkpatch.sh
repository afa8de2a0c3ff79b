#!/bin/bash
# Every patch of the series, and the test modules, pass the kernel's
# scripts/checkpatch.pl --strict. It runs from inside the kernel tree:
# checkpatch treats a file that git tracks in the current repository as a
# source file, not as a patch.
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
[ -f build/linux/scripts/checkpatch.pl ] || { echo "not ok 1 - checkpatch.pl missing (make apply)"; exit 1; }
run_checkpatch() { (cd "$top/build/linux" && perl scripts/checkpatch.pl --strict --no-tree --terse "$@"); }
n=0
while read -r p; do
	n=$((n + 1))
	if out=$(run_checkpatch "$top/$p" 2>&1); then
		echo "ok $n - checkpatch --strict: $p"
	else
		echo "not ok $n - checkpatch --strict: $p"
		echo "$out" | sed 's/^/# /'
	fi
done < <(sed -e 's/#.*//' -e '/^\s*$/d' series)
for f in tests/modules/*/*.c; do
	case $f in *.mod.c) continue ;; esac
	n=$((n + 1))
	if out=$(run_checkpatch -f "$top/$f" 2>&1); then
		echo "ok $n - checkpatch --strict -f: $f"
	else
		echo "not ok $n - checkpatch --strict -f: $f"
		echo "$out" | sed 's/^/# /'
	fi
done
echo "1..$n"
