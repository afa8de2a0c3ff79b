#!/bin/bash
# The patch-series mechanism round-trips: the kernel tree under build/ has
# the series applied, and exporting it again reproduces the stored patches
# and series file byte for byte. Applying again is a no-op.
cd "$(dirname "$0")/../.." || exit 1
ksrc=build/linux
n=0
t() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

[ -d $ksrc/.git ] || { echo "not ok 1 - $ksrc missing (make apply)"; exit 1; }
scripts/series.sh status $ksrc > /dev/null
t $? "build/linux matches the series"

count=$(sed -e 's/#.*//' -e '/^\s*$/d' series | wc -l)
t $([ "$(git -C $ksrc rev-list --count pristine..HEAD)" = "$count" ]; echo $?) \
	"build/linux has one commit per series entry ($count)"

out=$(mktemp -d)
scripts/series.sh export $ksrc "$out" > /dev/null
t $? "export runs"
diff -u series "$out/series" > /dev/null
t $? "exported series file is identical"
bad=0
while read -r p; do
	cmp -s "$p" "$out/$p" || { echo "# differs: $p"; bad=1; }
done < <(sed -e 's/#.*//' -e '/^\s*$/d' series)
t $bad "exported patches are identical to the stored ones, in the same places"
extra=$(cd "$out" && find . -name '*.patch' | wc -l)
t $([ "$extra" = "$count" ]; echo $?) "export wrote exactly the series' patches"
rm -rf "$out"

head0=$(git -C $ksrc rev-parse HEAD)
msg=$(scripts/series.sh apply $ksrc 2>&1)
t $([ -z "$msg" ] && [ "$(git -C $ksrc rev-parse HEAD)" = "$head0" ]; echo $?) \
	"a second apply changes nothing"

# A patch that does not apply is reported by name, on a small stand-in tree.
tmp=$(mktemp -d)
mkdir -p "$tmp/tree" "$tmp/repo"
git -C "$tmp/tree" init -q
echo "line one" > "$tmp/tree/Makefile"
git -C "$tmp/tree" add Makefile
git -C "$tmp/tree" -c user.name=t -c user.email=t@t commit -q -m base
git -C "$tmp/tree" tag pristine
printf 'From: x <x@y>\nSubject: [PATCH] broken\n\n---\n--- a/Makefile\n+++ b/Makefile\n@@ -1,1 +1,1 @@\n-no such line\n+x\n' \
	> "$tmp/repo/broken.patch"
echo broken.patch > "$tmp/repo/series"
msg=$(SERIES_DIR=$tmp/repo scripts/series.sh apply "$tmp/tree" 2>&1)
rc=$?
t $([ $rc != 0 ] && echo "$msg" | grep -q "broken.patch does not apply"; echo $?) \
	"a patch that does not apply fails the apply and is named"
t $([ "$(git -C "$tmp/tree" rev-parse HEAD)" = "$(git -C "$tmp/tree" rev-parse pristine)" ]; echo $?) \
	"the failed apply leaves the tree at pristine"

# Commits made in the tree are not thrown away by an apply.
echo "line two" >> "$tmp/tree/Makefile"
git -C "$tmp/tree" -c user.name=t -c user.email=t@t commit -q -am "local work"
: > "$tmp/repo/series"
msg=$(SERIES_DIR=$tmp/repo scripts/series.sh apply "$tmp/tree" 2>&1)
rc=$?
t $([ $rc != 0 ] && echo "$msg" | grep -q "make export" &&
    git -C "$tmp/tree" log -1 --format=%s | grep -q "local work"; echo $?) \
	"apply refuses to discard local commits and says how to keep them"
rm -rf "$tmp"
echo "1..$n"
