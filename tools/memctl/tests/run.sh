#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests for memctl against fake sysfs trees.  Prints TAP, exits
# non-zero if any test failed.
#
#   MEMCTL=path/to/memctl [FAILWRITE=failwrite.so] [MANPAGE=memctl.8] \
#	bash tests/run.sh

set -u

MEMCTL=${MEMCTL:?set MEMCTL to the memctl binary}
SHIM=${FAILWRITE:-}
unset FAILWRITE
MANPAGE=${MANPAGE:-}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)

unset MEMCTL_SYSFS_ROOT
export LC_ALL=C

T=$(mktemp -d "${TMPDIR:-/tmp}/memctl-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"

n=0
failed=0
skipped=0
rc=0

# ---- TAP helpers -----------------------------------------------------

diag_run() {
	echo "#   exit: $rc"
	sed 's/^/#   out: /' "$T/out" | head -n 40
	sed 's/^/#   err: /' "$T/err" | head -n 20
}

# t DESCRIPTION COMMAND...: passes if COMMAND succeeds
t() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		echo "#   failed: $*"
		diag_run
	fi
}

# skip DESCRIPTION REASON: a test the environment cannot run (counted as
# skipped, never as passed)
skip() {
	n=$((n + 1))
	skipped=$((skipped + 1))
	echo "ok $n - $1 # SKIP $2"
}

# run ROOT ARGS...: run memctl against a fake root
run() {
	local root=$1
	shift
	"$MEMCTL" --sysfs-root "$root" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# run_fail SPEC ROOT ARGS...: run with the write-failure shim
run_fail() {
	local spec=$1
	shift
	FAILWRITE="$spec" FAILWRITE_LOG="$T/faillog" LD_PRELOAD="$SHIM" \
		run "$@"
}

rc_is() { [ "$rc" -eq "$1" ]; }
out_has() { grep -q -e "$1" "$T/out"; }
out_lacks() { ! grep -q -e "$1" "$T/out"; }
err_has() { grep -q -e "$1" "$T/err"; }
err_lines() { [ "$(wc -l <"$T/err")" -eq "$1" ]; }
out_lines() { [ "$(wc -l <"$T/out")" -eq "$1" ]; }
out_is() { [ "$(cat "$T/out")" = "$1" ]; }
# The same on the output with blanks squeezed: libsmartcols pads a column
# to its header's width even with --noheadings, as lsmem shows it.
squeezed() { sed -e 's/^ *//' -e 's/ *$//' -e 's/  */ /g' "$T/out"; }
sq_is() { [ "$(squeezed)" = "$1" ]; }
sq_has() { squeezed | grep -q -e "$1"; }

# py EXPR: evaluate a Python expression on the JSON in out (as d)
py() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$T/out" "$1" 2>>"$T/err"
}

# ---- fake trees ------------------------------------------------------

MEM=sys/devices/system/memory

# mktree ROOT BLOCK_SIZE_HEX
mktree() {
	rm -rf "$1"
	mkdir -p "$1/$MEM" "$1/proc"
	printf '%s\n' "$2" >"$1/$MEM/block_size_bytes"
	: >"$1/proc/iomem"
}

# mkblock ROOT INDEX STATE NODE ZONES DEPOP [REMOVABLE]
# NODE or DEPOP "-" leaves the link or file out.  The state file has no
# trailing newline, so any write by memctl ("word\n") changes its bytes.
mkblock() {
	local d=$1/$MEM/memory$2
	mkdir -p "$d"
	printf '%s' "$3" >"$d/state"
	printf '%x\n' "$2" >"$d/phys_index"
	[ "$4" = - ] || ln -s "../../node/node$4" "$d/node$4"
	printf '%s\n' "$5" >"$d/valid_zones"
	[ "$6" = - ] || printf '%s\n' "$6" >"$d/depopulatable"
	printf '%s\n' "${7:-1}" >"$d/removable"
	if [ "$3" = online ]; then echo 1; else echo 0; fi >"$d/online"
}

# mkblocks ROOT FIRST LAST STATE NODE ZONES DEPOP
mkblocks() {
	local i
	for ((i = $2; i <= $3; i++)); do
		mkblock "$1" "$i" "$4" "$5" "$6" "$7"
	done
}

# Standard tree, 128M blocks:
#   0-7   online   node0 boot "System RAM"             not eligible
#   8-11  online   node0 "System RAM (virtio_mem)"     eligible
#   12-13 offline  node0 virtio_mem                    eligible
#   14-15 offline_depopulated node0 virtio_mem         eligible
#   16-17 online   node1 "System RAM (kmem)" (nested)  eligible
#   18-19 online   node1 kmem                          not eligible
std_tree() {
	local r=$1
	mktree "$r" 8000000
	mkblocks "$r" 0 7 online 0 Normal 0
	mkblocks "$r" 8 11 online 0 Movable 1
	mkblocks "$r" 12 13 offline 0 "Normal Movable" 1
	mkblocks "$r" 14 15 offline_depopulated 0 "Normal Movable" 1
	mkblocks "$r" 16 17 online 1 Normal 1
	mkblocks "$r" 18 19 online 1 Normal 0
	cat >"$r/proc/iomem" <<-EOF
	00000000-3fffffff : System RAM
	  00200000-0121ffff : Kernel code
	  01220000-0144ffff : Kernel data
	40000000-7fffffff : virtio0
	  40000000-7fffffff : System RAM (virtio_mem)
	80000000-9fffffff : CXL Window 0
	  80000000-9fffffff : region0
	    80000000-9fffffff : dax0.0
	      80000000-9fffffff : System RAM (kmem)
	a0000000-a0000fff : pl011@9000000
	EOF
}

state_of() { cat "$1/$MEM/memory$2/state"; }
state_is() { [ "$(state_of "$1" "$2")" = "$3" ]; }
# A block memctl wrote to has "word\n"; untouched ones have no newline.
wrote() { [ "$(tail -c 1 "$1/$MEM/memory$2/state" | od -An -c | tr -d ' ')" = '\n' ] && state_is "$@"; }
untouched() { [ "$(tail -c 1 "$1/$MEM/memory$2/state" | od -An -c | tr -d ' ')" != '\n' ]; }

snap() {
	(cd "$1" && find . -name state | LC_ALL=C sort | while read -r f; do
		printf '%s ' "$f"
		od -An -c "$f" | tr -d ' \n'
		echo
	done)
}
unchanged() { [ "$(snap "$1")" = "$(cat "$T/snap")" ]; }
take_snap() { snap "$1" >"$T/snap"; }

R=$T/std

# ---- basics ----------------------------------------------------------

"$MEMCTL" --version >"$T/out" 2>"$T/err"; rc=$?
t "--version exits 0" rc_is 0
t "--version prints name and version" out_has '^memctl [0-9]'

"$MEMCTL" --help >"$T/out" 2>"$T/err"; rc=$?
t "--help exits 0" rc_is 0
t "--help documents offline_depopulated and exit codes" \
	eval 'out_has offline_depopulated && out_has "Exit status"'

std_tree "$R"
run "$R" --bogus
t "unknown option: exit 2" rc_is 2
t "unknown option: one message" err_has "unrecognized option '--bogus'"

run "$R" frobnicate 5
t "unknown command: exit 2" rc_is 2
t "unknown command: message names it" err_has "unknown command 'frobnicate'"

run "$R" offline
t "change without target: exit 2" rc_is 2

run "$R" offline -a 9
t "listing option with a change command: exit 2" rc_is 2

run "$R" offline --movable 9
t "--movable with offline: exit 2" rc_is 2

run "$R" online --movable --kernel 12
t "--movable with --kernel: exit 2" rc_is 2

run "$R" list --dry-run
t "--dry-run with list: exit 2" rc_is 2

run "$R" --raw --json
t "--raw with --json: exit 2" rc_is 2

for bad in abc -1 1001; do
	run "$R" offline --retry "$bad" 9
	t "--retry '$bad': exit 2" eval 'rc_is 2 && untouched "$R" 9'
done

run "$R" 12-13 -n -o BLOCK,STATE --summary=never
t "a target without a command lists it" out_is "12-13 offline"

# ---- listing ---------------------------------------------------------

std_tree "$R"
run "$R"
t "list is the default command, exit 0" rc_is 0
t "list: no stderr" err_lines 0
t "list: header line" out_has '^RANGE  *SIZE STATE  *BLOCK NODE ZONES  *OWNER  *DEPOP$'
t "list: boot range merged" \
	out_has '^0x0000000000000000-0x000000003fffffff  *1G online  *0-7  *0 Normal  *System RAM  *no$'
t "list: depopulated range with owner" \
	out_has '^0x0000000070000000-0x000000007fffffff  *256M offline_depopulated  *14-15  *0 Normal/Movable  *virtio_mem  *yes$'
t "list: kmem owner named after its dax device (nested resource)" out_has '16-17  *1 Normal  *kmem:dax0.0  *yes$'
t "list: eligibility splits ranges" out_has '18-19  *1 Normal  *kmem:dax0.0  *no$'
t "list: summary of depopulated memory" \
	out_has '^Total offline_depopulated memory:  *256M$'
t "list: summary of online memory" out_has '^Total online memory:  *2G$'
t "list: summary block size" out_has '^Memory block size:  *128M$'

run "$R" -r -n
t "raw: 6 merged rows" out_lines 6
t "raw: no header, no summary" eval 'out_lacks RANGE && out_lacks Total'

run "$R" -r -n -o BLOCK,STATE
t "split follows the shown columns" \
	eval 'out_lines 4 && out_has "^0-11 online$" && out_has "^16-19 online$"'

run "$R" -r -o BLOCK,RESOURCE
t "raw: blanks escaped like lsmem" out_has '^8-15 System\\x20RAM\\x20(virtio_mem)$'

run "$R" -a -n -o BLOCK --summary=never
t "--all: one row per block" out_lines 20

run "$R" -n -o BLOCK --split none --summary=never
t "--split none: adjacent blocks merged" sq_is "0-19"

run "$R" -n -o BLOCK,STATE --split state --summary=never
t "--split state: splits on state only" out_lines 4

run "$R" -n -o BLOCK,STATE --split bogus
t "--split with unknown column: exit 2" rc_is 2

run "$R" -o BOGUS
t "unknown column: exit 2" rc_is 2
t "unknown column: message" err_has "unknown column: 'BOGUS'"

run "$R" -o +REMOVABLE,START,END -n --summary=never
t "-o +LIST appends columns" \
	sq_has '^0x0000000000000000-0x000000003fffffff.* yes 0x0000000000000000 0x000000003fffffff$'

run "$R" --summary=only
t "--summary=only: no table" eval 'out_lacks RANGE && out_has "^Total offline memory: *256M$"'

run "$R" -b --summary=only
t "--bytes: summary in bytes" out_has '^Total offline memory: *268435456$'

run "$R" --json
t "json: exit 0" rc_is 0
t "json: parses" py 'True'
t "json: 6 ranges" py 'len(d["memory"]) == 6'
t "json: depopulated range" \
	py 'any(m["state"] == "offline_depopulated" and m["block"] == "14-15" and m["depop"] is True and m["owner"] == "virtio_mem" and m["node"] == 1 - 1 for m in d["memory"])'
t "json: sizes are strings without --bytes" py 'd["memory"][0]["size"] == "1G"'
t "json: summary" py 'd["summary"]["offline_depopulated"] == "256M" and d["summary"]["block_size"] == "128M"'

run "$R" --json --bytes --all
t "json --bytes --all: numeric sizes" \
	py 'len(d["memory"]) == 20 and all(m["size"] == 134217728 for m in d["memory"]) and d["summary"]["online"] == 16 * 134217728'

run "$R" -J --summary=never -o BLOCK,REMOVABLE
t "json: only the chosen columns, no summary" \
	py 'set(d) == {"memory"} and all(set(m) == {"block", "removable"} for m in d["memory"])'

run "$R" list 8-13 -n -o BLOCK,STATE --summary=never
t "list with an index range lists only it" \
	eval 'out_lines 2 && out_has "^ *8-11 online$" && out_has "^12-13 offline$"'

run "$R" list driver:kmem -n -o BLOCK --summary=never -a
t "list driver:kmem" eval 'out_lines 4 && sq_has "^16$" && sq_has "^19$"'

run "$R" list --owner virtio_mem -n -o BLOCK --summary=never -a
t "list --owner virtio_mem" eval 'out_lines 8 && out_has "^ *8$" && out_has "^ *15$"'
run "$R" list --owner virtio -n -o BLOCK --summary=never -a
t "--owner virtio: owners match exactly, not by substring" \
	eval 'rc_is 2 && err_has "no memory block owned by .virtio."'
run "$R" list driver:mem -n -o BLOCK --summary=never -a
t "driver:mem selects neither virtio_mem nor kmem" eval 'rc_is 2 && out_lines 0'
run "$R" list dax0.0 -n -o BLOCK --summary=never -a
t "dax0.0 selects the blocks of that dax device" \
	eval 'rc_is 0 && out_lines 4 && out_has "^ *16$" && out_has "^ *19$"'
run "$R" list --owner kmem:dax0.0 -n -o BLOCK,OWNER,RESOURCE --summary=never
t "--owner kmem:dax0.0; RESOURCE shows the /proc/iomem name" \
	sq_is '16-19 kmem:dax0.0 System RAM (kmem)'
run "$R" list dax1.0
t "a dax device without blocks: usage error" eval 'rc_is 2 && err_has "no memory block owned by .dax1.0."'

run "$R" list 512M
t "list with a size: exit 2" rc_is 2

MEMCTL_SYSFS_ROOT=$R "$MEMCTL" -n -o BLOCK --split none --summary=never \
	>"$T/out" 2>"$T/err"; rc=$?
t "MEMCTL_SYSFS_ROOT selects the tree" sq_is "0-19"

# JSON string escaping: quotes, backslash, control and non-UTF-8 bytes
J=$T/json
mktree "$J" 8000000
mkblock "$J" 0 online 0 Normal 1
mkblock "$J" 1 online 0 Normal 1
printf '00000000-07ffffff : System RAM (we"ird\\ \001 \xff\xfe caf\xc3\xa9)\n' \
	>"$J/proc/iomem"
printf '08000000-0fffffff : System RAM (\xe2\x82\xac)\n' >>"$J/proc/iomem"
run "$J" --json -o +RESOURCE
t "json: odd resource names give valid JSON, control and non-UTF-8 bytes as ?" \
	py 'd["memory"][0]["resource"] == "System RAM (we\"ird\\ ? ?? caf\u00e9)" and d["memory"][1]["resource"] == "System RAM (\u20ac)"'
run "$J" -o +RESOURCE
t "table: control characters sanitized" out_has 'we"ird\\ ? '

# ---- odd numbering ---------------------------------------------------

S=$T/sparse
mktree "$S" 8000000
mkblocks "$S" 0 1 online 0 Normal 0
mkblocks "$S" 100 103 offline 0 Movable 1
mkblock "$S" 1000 online 1 Movable 1
mkblock "$S" 123456 offline 1 Movable 1
mkdir -p "$S/$MEM/memory_tiers" "$S/$MEM/power" "$S/$MEM/memory007"
echo 7 >"$S/$MEM/memory007/phys_index"
run "$S" -n -o BLOCK,RANGE --summary=never
t "sparse: four ranges, non-block entries ignored" out_lines 4
t "sparse: gaps split ranges" out_has '^ *100-103 0x0000000320000000-0x000000033fffffff$'
t "sparse: 4-digit index" out_has '^ *1000 0x0000001f40000000-0x0000001f47ffffff$'
t "sparse: 6-digit index" out_has '^ *123456 0x00000f1200000000-0x00000f1207ffffff$'

take_snap "$S"
run "$S" offline 0-100
t "index range over a hole: exit 2" rc_is 2
t "index range over a hole: names the missing block" err_has 'memory2: no such memory block'
t "index range over a hole: nothing written" unchanged "$S"

run "$S" depopulate 123456 101-102
t "6-digit and range targets: exit 0" rc_is 0
t "6-digit block written" wrote "$S" 123456 offline_depopulated
t "range blocks written" eval 'wrote "$S" 101 offline_depopulated && wrote "$S" 102 offline_depopulated'
t "neighbours untouched" eval 'untouched "$S" 100 && untouched "$S" 103'
t "descending order for depopulate" \
	eval '[ "$(cut -d: -f1 "$T/out" | tr "\n" " ")" = "memory123456 memory102 memory101 " ]'

# 1G blocks (x86 style) and 3-digit indices
G=$T/gig
mktree "$G" 40000000
mkblocks "$G" 254 257 online 2 Movable 1
printf '3f80000000-407fffffff : System RAM (kmem)\n' >"$G/proc/iomem"
run "$G" -n -o RANGE,SIZE,BLOCK,NODE,OWNER
t "1G blocks: range and size" \
	sq_has '^0x0000003f80000000-0x000000407fffffff 4G 254-257 2 kmem$'

# ---- malformed trees ---------------------------------------------------

M=$T/bad
mktree "$M" 8000000
mkblocks "$M" 0 3 online 0 Normal 0
rm "$M/$MEM/block_size_bytes"
run "$M"
t "missing block_size_bytes: exit 3" rc_is 3
t "missing block_size_bytes: message" err_has 'block_size_bytes: No such file or directory'
t "missing block_size_bytes: nothing on stdout" out_lines 0

for bs in zz12 0 123 "" 1000000000000000000; do
	printf '%s\n' "$bs" >"$M/$MEM/block_size_bytes"
	run "$M"
	t "block_size_bytes '$bs': exit 3" rc_is 3
done
t "invalid block size: one message" err_lines 1

printf '8000000\n' >"$M/$MEM/block_size_bytes"
printf 'bogus' >"$M/$MEM/memory2/state"
run "$M" -n -o BLOCK,STATE --summary=never
t "garbage state: listing still works" rc_is 0
t "garbage state: shown as unknown" out_has '^ *2 unknown$'
t "garbage state: warning" err_has "memory2: unknown state 'bogus'"
run "$M" --summary=only
t "garbage state: summary has an unknown total" out_has '^Total unknown memory: *128M$'
take_snap "$M"
run "$M" offline 1-3
t "garbage state targeted: exit 3" rc_is 3
t "garbage state targeted: nothing written" unchanged "$M"
run "$M" offline 256M
t "garbage state: size picks around it" eval 'rc_is 0 && wrote "$M" 3 offline && wrote "$M" 1 offline && untouched "$M" 0'

mktree "$M" 8000000
mkblocks "$M" 0 3 offline 0 Normal 1
printf 'xyz\n' >"$M/$MEM/memory1/phys_index"
printf '7\n' >"$M/$MEM/memory3/phys_index"
run "$M" -n -o BLOCK --summary=never -a
t "bad phys_index: blocks ignored" eval 'out_lines 2 && sq_has "^0$" && sq_has "^2$"'
t "bad phys_index: warnings" \
	eval "err_has \"memory1: bad phys_index 'xyz'\" && err_has \"memory3: bad phys_index '7'\""
take_snap "$M"
run "$M" depopulate 0-1
t "bad phys_index targeted: exit 2, nothing written" eval 'rc_is 2 && unchanged "$M"'

rm -f "$M/$MEM/memory0/depopulatable"
run "$M" -n -o BLOCK,DEPOP --summary=never -a
t "missing depopulatable: not eligible" sq_has '^0 no$'
run "$M" depopulate 0
t "missing depopulatable: depopulate refused (exit 2)" rc_is 2
t "refusal names the block" err_has 'memory0: not eligible for depopulation'

rm -rf "$M/$MEM"
run "$M"
t "no memory directory: exit 3" rc_is 3
t "no memory directory: message" err_has 'sys/devices/system/memory: No such file or directory'
run "$T/nonexistent" offline 5
t "--sysfs-root that is no directory: usage error, exit 2" \
	eval 'rc_is 2 && err_has "nonexistent: not a directory"'

E=$T/empty
mktree "$E" 8000000
run "$E"
t "no blocks: list exits 0" rc_is 0
t "no blocks: zero totals" out_has '^Total online memory: *0B$'
run "$E" offline 0
t "no blocks: offline 0 exits 2" rc_is 2
run "$E" --json
t "no blocks: JSON has an empty list" py 'd["memory"] == [] and d["summary"]["online"] == "0B"'

# ---- changing state ----------------------------------------------------

std_tree "$R"
run "$R" offline 9
t "offline 9: exit 0" rc_is 0
t "offline 9: wrote 'offline'" wrote "$R" 9 offline
t "offline 9: result line with timing" out_has '^memory9: online -> offline ([0-9.]* ms)$'
t "offline 9: no other block touched" eval 'untouched "$R" 8 && untouched "$R" 10'

run "$R" offline 9
t "offline again: already, exit 0" eval 'rc_is 0 && out_is "memory9: already offline"'

std_tree "$R"
take_snap "$R"
run "$R" offline 12-13 14
t "offline on offline blocks: no write for the offline ones" \
	eval 'untouched "$R" 12 && untouched "$R" 13'
t "offline on a depopulated block repopulates it" wrote "$R" 14 offline
t "offline: repopulate line" out_has '^memory14: offline_depopulated -> offline ('

std_tree "$R"
run "$R" depopulate 12
t "depopulate offline block: writes offline_depopulated" \
	eval 'rc_is 0 && wrote "$R" 12 offline_depopulated'
t "depopulate: result line" \
	out_has '^memory12: offline -> offline_depopulated ([0-9.]* ms)$'
run "$R" depopulate 8
t "depopulate online block: one write" wrote "$R" 8 offline_depopulated
t "depopulate online block: line" out_has '^memory8: online -> offline_depopulated'
run "$R" depopulate 14
t "depopulate depopulated block: already" \
	eval 'rc_is 0 && out_is "memory14: already offline_depopulated" && untouched "$R" 14'

std_tree "$R"
run "$R" populate 14 12 9
t "populate: depopulated block gets 'offline'" wrote "$R" 14 offline
t "populate: mapped blocks untouched" eval 'untouched "$R" 12 && untouched "$R" 9'
t "populate: already lines" \
	eval 'out_has "^memory12: already offline$" && out_has "^memory9: already online$"'

std_tree "$R"
run "$R" online 14
t "online depopulated block: writes online" \
	eval 'rc_is 0 && wrote "$R" 14 online && out_has "^memory14: offline_depopulated -> online"'
run "$R" online --movable 12
t "online --movable writes online_movable" wrote "$R" 12 online_movable
run "$R" online --kernel 13
t "online --kernel writes online_kernel" wrote "$R" 13 online_kernel
run "$R" online 0
t "online on online block: already, no write" \
	eval 'out_is "memory0: already online" && untouched "$R" 0'

std_tree "$R"
run "$R" offline 0x48000000-0x4fffffff
t "address range: block 9" eval 'rc_is 0 && wrote "$R" 9 offline && untouched "$R" 8 && untouched "$R" 10'
run "$R" offline 0x50000000+256M
t "address+size: blocks 10 and 11" eval 'wrote "$R" 10 offline && wrote "$R" 11 offline'
t "address+size: descending order" \
	eval '[ "$(cut -d: -f1 "$T/out" | tr "\n" " ")" = "memory11 memory10 " ]'

std_tree "$R"
take_snap "$R"
for bad in 0x48000000-0x4ffffffe 0x48000001+128M 0x48000000+100M \
	   0x48000000 0x4fffffff-0x48000000 100M 1.05G 1.5 7-5 4- x5 0x+1G \
	   0xfffffffff8000000+1G driver: 5K 99999999999999999999; do
	run "$R" offline "$bad"
	t "bad target '$bad': exit 2" rc_is 2
	t "bad target '$bad': one message on stderr" err_lines 1
done
t "bad targets: nothing written" unchanged "$R"
run "$R" offline 0x48000000-0x4ffffffe
t "misaligned range: says so" err_has 'not aligned to the memory block size (128M)'

run "$R" offline 9 10 99
t "one unknown block among good ones: exit 2" rc_is 2
t "unknown block: message" err_has 'memory99: no such memory block'
t "unknown block: nothing written, not even the good ones" unchanged "$R"

run "$R" depopulate 8 3
t "ineligible block among eligible: exit 2, nothing written" \
	eval 'rc_is 2 && unchanged "$R"'
t "ineligible: owner in message" err_has 'memory3: not eligible for depopulation (owner: System RAM)'

run "$R" depopulate --force 3
t "--force writes despite depopulatable=0" \
	eval 'rc_is 0 && wrote "$R" 3 offline_depopulated'

# ---- dry run -----------------------------------------------------------

std_tree "$R"
take_snap "$R"
run "$R" depopulate --dry-run 8-13
t "dry run: exit 0" rc_is 0
t "dry run: nothing written" unchanged "$R"
t "dry run: says what it would do" \
	eval 'out_has "^memory11: online -> offline_depopulated (dry run)$" && out_has "^memory12: offline -> offline_depopulated (dry run)$"'
run "$R" online --dry-run --json 14 0
t "dry run json: parses, nothing written" \
	eval 'py "d[\"dry_run\"] is True and d[\"results\"][0][\"result\"] == \"already\" and d[\"results\"][1][\"result\"] == \"dry-run\"" && unchanged "$R"'

# ---- size picking --------------------------------------------------------

std_tree "$R"
run "$R" depopulate 256M
t "depopulate 256M: offline eligible blocks first" \
	eval 'rc_is 0 && wrote "$R" 12 offline_depopulated && wrote "$R" 13 offline_depopulated'
t "depopulate 256M: online blocks untouched" \
	eval 'untouched "$R" 17 && untouched "$R" 11'

std_tree "$R"
run "$R" depopulate 512M
t "depopulate 512M: then online eligible blocks, highest first" \
	eval 'wrote "$R" 12 offline_depopulated && wrote "$R" 13 offline_depopulated && wrote "$R" 17 offline_depopulated && wrote "$R" 16 offline_depopulated'
t "depopulate 512M: lower and ineligible blocks untouched" \
	eval 'untouched "$R" 11 && untouched "$R" 18 && untouched "$R" 19 && untouched "$R" 14'

std_tree "$R"
take_snap "$R"
run "$R" depopulate 2G
t "depopulate more than eligible: exit 2" rc_is 2
t "depopulate more than eligible: says how much" \
	err_has 'depopulate 2G: only 1G (8 blocks) can be depopulated'
t "depopulate more than eligible: nothing written" unchanged "$R"

run "$R" depopulate --owner virtio_mem 512M
t "size with --owner: only that owner's blocks" \
	eval 'rc_is 0 && wrote "$R" 13 offline_depopulated && wrote "$R" 12 offline_depopulated && wrote "$R" 11 offline_depopulated && wrote "$R" 10 offline_depopulated && untouched "$R" 17'

std_tree "$R"
run "$R" offline 384M
t "offline 384M: highest online blocks" \
	eval 'wrote "$R" 19 offline && wrote "$R" 18 offline && wrote "$R" 17 offline && untouched "$R" 16'

std_tree "$R"
run "$R" online 384M
t "online 384M: lowest offline or depopulated blocks" \
	eval 'wrote "$R" 12 online && wrote "$R" 13 online && wrote "$R" 14 online && untouched "$R" 15'

std_tree "$R"
run "$R" populate 128M
t "populate 128M: lowest depopulated block" \
	eval 'wrote "$R" 14 offline && untouched "$R" 15 && untouched "$R" 12'

std_tree "$R"
run "$R" offline 9 128M
t "size adds to named blocks" \
	eval 'wrote "$R" 9 offline && wrote "$R" 19 offline && untouched "$R" 18'

std_tree "$R"
run "$R" offline 9 9-10 0x48000000+128M
t "a block named twice is changed once" \
	eval 'rc_is 0 && out_lines 2 && [ "$(grep -c "^memory9:" "$T/out")" -eq 1 ]'

std_tree "$R"
printf '0\n' >"$R/$MEM/memory19/removable"
run "$R" offline 128M
t "offline by size skips removable=0" eval 'wrote "$R" 18 offline && untouched "$R" 19'

# ---- owners ------------------------------------------------------------

std_tree "$R"
run "$R" offline driver:virtio_mem
t "driver:virtio_mem offline: exit 0" rc_is 0
t "driver:virtio_mem: online blocks offlined" \
	eval 'wrote "$R" 8 offline && wrote "$R" 11 offline'
t "driver:virtio_mem: offline ones already" \
	eval 'untouched "$R" 12 && out_has "^memory12: already offline$"'
t "driver:virtio_mem: others untouched" \
	eval 'untouched "$R" 7 && untouched "$R" 16'

std_tree "$R"
run "$R" offline --owner kmem
t "--owner alone selects the owner's blocks" \
	eval 'rc_is 0 && wrote "$R" 16 offline && wrote "$R" 19 offline && untouched "$R" 11'

std_tree "$R"
take_snap "$R"
run "$R" offline --owner virtio_mem 3
t "--owner and a block of another owner: exit 2" rc_is 2
t "--owner mismatch: message" err_has "memory3 is owned by 'System RAM', not 'virtio_mem'"
run "$R" offline driver:nosuchdriver
t "unknown driver: exit 2" rc_is 2
t "unknown driver: message" err_has "no memory block owned by 'nosuchdriver'"
run "$R" depopulate driver:kmem
t "driver with an ineligible block: exit 2" rc_is 2
t "owner errors: nothing written" unchanged "$R"

# non-root view of /proc/iomem: zero addresses
sed -E 's/[0-9a-f]+-[0-9a-f]+/00000000-00000000/' "$R/proc/iomem" >"$T/iomem"
cp "$T/iomem" "$R/proc/iomem"
run "$R" -n -o BLOCK,OWNER --summary=never
t "zeroed iomem: owner unknown in listing" eval 'rc_is 0 && sq_is "0-19 -"'
run "$R" offline driver:virtio_mem
t "zeroed iomem: driver target is an environment error (3)" rc_is 3
t "zeroed iomem: says why" err_has 'not root?'
rm "$R/proc/iomem"
run "$R" offline --owner virtio 9
t "missing iomem: --owner is exit 3" rc_is 3
run "$R" offline 9
t "missing iomem: index targets still work" eval 'rc_is 0 && wrote "$R" 9 offline'

# ---- failures ----------------------------------------------------------

std_tree "$R"
printf 'going-offline' >"$R/$MEM/memory10/state"
run "$R" offline 10 9
t "going-offline block, another done: exit 64 (partial success, as chmem)" rc_is 64
t "going-offline block: failed line, not written" \
	eval 'out_has "^memory10: failed: block is going-offline$" && untouched "$R" 10'
t "going-offline block: the other block is done" wrote "$R" 9 offline
t "partial failure: summary on stderr" err_has '1 of 2 blocks failed'

# Does the shim take effect (not with a static binary)?
shim_works() {
	local p=$T/probe
	[ -n "$SHIM" ] && [ -f "$SHIM" ] || return 1
	mktree "$p" 8000000
	mkblock "$p" 0 online 0 Normal 0
	run_fail "memory0=EIO" "$p" offline 0
	rc_is 1 && state_is "$p" 0 online
}

if shim_works; then
	std_tree "$R"
	rm -f "$T/faillog"
	run_fail "memory9=EBUSY" "$R" offline 8-10
	t "EBUSY on one of three: exit 64" rc_is 64
	t "EBUSY: daxctl-style failure line" \
		out_has '^memory9: failed: Device or resource busy$'
	t "EBUSY: block keeps its state" state_is "$R" 9 online
	t "EBUSY: other blocks done" \
		eval 'wrote "$R" 8 offline && wrote "$R" 10 offline'
	t "EBUSY: no retry without --retry" \
		eval '[ "$(grep -c memory9 "$T/faillog")" -eq 1 ]'

	std_tree "$R"
	rm -f "$T/faillog"
	run_fail "memory9=EBUSY*2" "$R" offline --retry 3 9
	t "--retry: succeeds after 2 busy attempts" \
		eval 'rc_is 0 && wrote "$R" 9 offline && out_has "^memory9: online -> offline ([0-9.]* ms, 2 retries)$"'
	t "--retry: two failed writes" \
		eval '[ "$(grep -c memory9 "$T/faillog")" -eq 2 ]'

	std_tree "$R"
	rm -f "$T/faillog"
	run_fail "memory9=EBUSY*5" "$R" offline --retry 2 9
	t "--retry bounded: fails after 1+2 attempts" \
		eval 'rc_is 1 && [ "$(grep -c memory9 "$T/faillog")" -eq 3 ] && out_has "^memory9: failed: Device or resource busy (2 retries)$"'

	std_tree "$R"
	rm -f "$T/faillog"
	run_fail "memory12=EOPNOTSUPP" "$R" depopulate --retry 3 12
	t "no retry for non-EBUSY errors" \
		eval 'rc_is 1 && [ "$(grep -c memory12 "$T/faillog")" -eq 1 ] && out_has "^memory12: failed: Operation not supported$"'

	# A SIZE target moves on past a block that fails, as chmem does.
	std_tree "$R"
	rm -f "$T/faillog"
	run_fail "memory19=EBUSY" "$R" offline 256M
	t "offline 256M, the first pick busy: two other blocks offlined, exit 0" \
		eval 'rc_is 0 && out_has "^memory19: failed: Device or resource busy$" && wrote "$R" 18 offline && wrote "$R" 17 offline && [ "$(grep -c " -> offline" "$T/out")" = 2 ]'
	t "offline 256M moved on: said on stderr" err_has "other blocks were changed instead"
	std_tree "$R"
	run_fail "memory17=EBUSY memory16=EBUSY" "$R" depopulate 1G
	t "depopulate 1G, two of the 8 candidates busy: 6 done, exit 64, says the candidates ran out" \
		eval 'rc_is 64 && [ "$(grep -c " -> offline_depopulated" "$T/out")" = 6 ] && err_has "no more candidates"'
	std_tree "$R"
	run_fail "memory9=EBUSY" "$R" offline 9
	t "the only block fails: exit 1 (nothing done)" eval 'rc_is 1 && state_is "$R" 9 online'
	std_tree "$R"
	run_fail "memory19=EBUSY" "$R" --json offline 128M
	t "--json: the failed pick and its replacement are both in the results" \
		py '[r["result"] for r in d["results"]] == ["failed", "done"] and d["summary"]["failed"] == 1 and d["summary"]["done"] == 1'

	std_tree "$R"
	run_fail "memory8=ENOMEM:offline" "$R" depopulate 8
	t "partial transition: reports the state it ended in" \
		out_has '^memory8: failed: Cannot allocate memory (now offline)$'

	std_tree "$R"
	run_fail "memory14=ENOMEM" "$R" --json online 14 15
	t "json results with a failure: parses" py 'True'
	t "json failure entry" \
		py 'd["results"][0]["result"] == "failed" and d["results"][0]["errno"] == 12 and d["results"][0]["state"] == "offline_depopulated"'
	t "json done entry has time" \
		py 'd["results"][1]["result"] == "done" and d["results"][1]["time_ms"] >= 0 and d["results"][1]["from"] == "offline_depopulated" and d["results"][1]["to"] == "online" and d["results"][1]["write"] == "online"'
	t "json summary counts" \
		py 'd["summary"] == {"done": 1, "already": 0, "failed": 1}'
	t "json with a failure: exit 64" rc_is 64
else
	for i in $(seq 15); do
		skip "write failure test $i" "failwrite.so not usable"
	done
fi

# ---- permissions -------------------------------------------------------

if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	std_tree "$R"
	take_snap "$R"
	asnobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$MEMCTL" --sysfs-root "$R" "$@" >"$T/out" 2>"$T/err"
		rc=$?
	}
	asnobody offline 9
	t "not permitted to write: exit 3" rc_is 3
	t "not permitted: message" err_has 'memory9/state: Permission denied'
	t "not permitted: nothing written" unchanged "$R"
	asnobody offline --dry-run 9
	t "dry run needs no permission" eval 'rc_is 0 && unchanged "$R"'
	asnobody
	t "listing needs no permission" rc_is 0
else
	for i in 1 2 3 4 5; do
		skip "permission test $i" "needs root and setpriv"
	done
fi

# ---- JSON results, order -------------------------------------------------

std_tree "$R"
run "$R" --json depopulate 12 8 14
t "json results: parse" py 'True'
t "json results: order and results" \
	py '[r["block"] for r in d["results"]] == [14, 12, 8] and [r["result"] for r in d["results"]] == ["already", "done", "done"]'
t "json results: exit 0" rc_is 0

std_tree "$R"
run "$R" online 15 12
t "online runs in ascending order" \
	eval '[ "$(cut -d: -f1 "$T/out" | tr "\n" " ")" = "memory12 memory15 " ]'

# ---- withheld_ram regions (configfs) --------------------------------------

RG=$T/rg
CFG=sys/kernel/config/withheld_ram
mkdir -p "$RG/$CFG/r1" "$RG/$MEM"
printf '8000000\n' > "$RG/$MEM/block_size_bytes"
printf '0x80000000\n' > "$RG/$CFG/r1/start"
printf '0x10000000\n' > "$RG/$CFG/r1/size"
printf 'offline_depopulated\n' > "$RG/$CFG/r1/online_type"
printf '1\n' > "$RG/$CFG/r1/enable"
region() { "$MEMCTL" withheld --sysfs-root "$RG" "$@" >"$T/out" 2>"$T/err"; rc=$?; }

region list
t "region list: the region with its attributes" \
	eval 'rc_is 0 && out_has "^r1  *0x80000000  *0x10000000  *offline_depopulated  *yes"'
region list --json
t "region list --json parses" eval 'rc_is 0 && py "d[\"regions\"][0][\"enabled\"] is True"'
region create 'bad/name' 0x90000000 256M
t "region create: bad name is a usage error, nothing made" \
	eval 'rc_is 2 && [ "$(ls "$RG/$CFG")" = r1 ]'
region create r2 0x90000000 256M --online-type sideways
t "region create: unknown online type is a usage error" \
	eval 'rc_is 2 && err_has "unknown online type" && [ ! -e "$RG/$CFG/r2" ]'
region create r1 0x90000000 256M
t "region create: an existing name is a usage error" eval 'rc_is 2 && err_has "exists already"'
region create r2 0x90000000 256M --dry-run --online-type offline
t "region create --dry-run: says what, makes nothing" \
	eval 'rc_is 0 && out_has "would create 0x90000000+0x10000000" && [ ! -e "$RG/$CFG/r2" ]'
region create r2 0x90000000 256M
t "region create: a failed write removes the half-made region (exit 1)" \
	eval 'rc_is 1 && [ ! -e "$RG/$CFG/r2" ]'
region delete r9
t "region delete: unknown region is a usage error" eval 'rc_is 2 && err_has "no such region"'
region delete r1 --dry-run
t "region delete --dry-run: writes nothing" \
	eval 'rc_is 0 && out_has "would disable and remove" && [ "$(cat "$RG/$CFG/r1/enable")" = 1 ]'
mkdir -p "$T/none"
"$MEMCTL" withheld --sysfs-root "$T/none" list >"$T/out" 2>"$T/err"; rc=$?
t "region: no configfs directory is an environment error" eval 'rc_is 3 && err_has CONFIG_WITHHELD_RAM'

# ---- output through libsmartcols ------------------------------------------

std_tree "$T/sc"
run "$T/sc" -P -o BLOCK,STATE,OWNER,DEPOP 12-13
t "-P/--pairs: one KEY=\"value\" line per range" \
	eval 'rc_is 0 && out_is "BLOCK=\"12-13\" STATE=\"offline\" OWNER=\"virtio_mem\" DEPOP=\"yes\""'
run "$R" --pairs -o NODE 0-7 --summary=never
t "--pairs: no summary by default" eval 'rc_is 0 && out_is "NODE=\"0\""'
run "$R" --output-all -n --summary=never 0
t "--output-all: every column" \
	eval 'rc_is 0 && [ "$(squeezed | wc -w)" = 14 ] && sq_has "^0x0000000000000000-0x0000000007ffffff 0x0000000000000000 0x0000000007ffffff 128M online yes 0 0 Normal System RAM no System RAM$"'
run "$R" --output-all -o BLOCK
t "--output and --output-all exclude each other" eval 'rc_is 2 && err_has "exclude each other"'
run "$R" --raw --pairs
t "--raw and --pairs exclude each other" eval 'rc_is 2 && err_has "exclude each other"'
run "$R" --json --pairs
t "--json and --pairs exclude each other" rc_is 2
run "$R" --json --bytes -o BLOCK,SIZE,NODE,REMOVABLE,DEPOP --all 12
t "--json: numbers and booleans typed as lsmem types them" \
	py 'd["memory"] == [{"block": "12", "size": 134217728, "node": 0, "removable": True, "depop": True}]'

# Widths count characters, not bytes: the column after an owner with a
# multi-byte character starts in the same place on every line.
U=$T/utf8
mktree "$U" 8000000
mkblock "$U" 0 online 0 Normal 1
mkblock "$U" 1 online 0 Normal 0
printf '00000000-07ffffff : System RAM (\xe2\x82\xac\xe2\x82\xac)\n08000000-0fffffff : System RAM (ab)\n' >"$U/proc/iomem"
LC_ALL=C.UTF-8 "$MEMCTL" --sysfs-root "$U" -o RESOURCE,DEPOP --summary=never >"$T/out" 2>"$T/err"; rc=$?
t "UTF-8 owner: columns aligned by characters" \
	python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
cols = {l.rstrip().rfind(" ") for l in lines}
sys.exit(0 if len(lines) == 3 and len(cols) == 1 else 1)' "$T/out"
t "UTF-8 owner: shown as is in a UTF-8 locale" out_has 'System RAM (€€)'

# Output errors are errors (as util-linux's close_stdout).
"$MEMCTL" --sysfs-root "$R" list >/dev/full 2>"$T/err"; rc=$?
t "list >/dev/full: write error reported, exit 3" eval 'rc_is 3 && err_has "write error"'
"$MEMCTL" --sysfs-root "$R" --json list >/dev/full 2>"$T/err"; rc=$?
t "list --json >/dev/full: write error reported, exit 3" eval 'rc_is 3 && err_has "write error"'
std_tree "$T/full"
"$MEMCTL" --sysfs-root "$T/full" --json offline 8 >/dev/full 2>"$T/err"; rc=$?
t "offline --json >/dev/full: the block changed, the lost results are an error (exit 1)" \
	eval 'rc_is 1 && err_has "write error" && state_is "$T/full" 8 offline'

# ---- one option parser ---------------------------------------------------

std_tree "$T/p"
take_snap "$T/p"
"$MEMCTL" --sysfs-root '' offline --dry-run 0 >"$T/out" 2>"$T/err"; rc=$?
t "--sysfs-root '': usage error, never the real /sys" \
	eval 'rc_is 2 && err_has "is empty" && out_lines 0'
MEMCTL_SYSFS_ROOT= "$MEMCTL" offline --dry-run 0 >"$T/out" 2>"$T/err"; rc=$?
t "MEMCTL_SYSFS_ROOT set but empty: usage error" eval 'rc_is 2 && err_has "is empty"'
: >"$T/afile"
run "$T/afile" list
t "--sysfs-root naming a file: usage error" eval 'rc_is 2 && err_has "not a directory"'
run "$T/p" -S '' list
t "-S '': an empty split list is an error, not 'none'" eval 'rc_is 2 && err_has "empty column list"'
run "$T/p" list -o
t "-o without its argument: says which option" \
	eval 'rc_is 2 && err_has "option .-o. requires an argument"'
run "$T/p" offline 9 --retry
t "--retry without its argument: says which option" \
	eval 'rc_is 2 && err_has "option .--retry. requires an argument" && unchanged "$T/p"'
run "$T/p" offline --online-type offline 9
t "--online-type outside region create: usage error" eval 'rc_is 2 && unchanged "$T/p"'

RP=$T/rp
mkdir -p "$RP/sys/kernel/config/withheld_ram/r1" "$RP/$MEM"
printf '8000000\n' > "$RP/$MEM/block_size_bytes"
for a in start size online_type enable; do : > "$RP/sys/kernel/config/withheld_ram/r1/$a"; done
printf '1\n' > "$RP/sys/kernel/config/withheld_ram/r1/enable"
"$MEMCTL" --sysfs-root "$RP" withheld list -n >"$T/out" 2>"$T/err"; rc=$?
t "region after global options; -n is --noheadings there too" \
	eval 'rc_is 0 && out_lines 1 && out_has "^r1 "'
"$MEMCTL" withheld --sysfs-root "$RP" -J >"$T/out" 2>"$T/err"; rc=$?
t "region options after the command; list is the default" py 'd["regions"][0]["name"] == "r1"'
"$MEMCTL" --sysfs-root "$RP" withheld create r2 0x90000001 100 --dry-run >"$T/out" 2>"$T/err"; rc=$?
t "region create: a start or size off the block size is a usage error, even --dry-run" \
	eval 'rc_is 2 && err_has "multiples of the memory block size" && out_lines 0'
"$MEMCTL" --sysfs-root "$RP" withheld create r2 0x90000000 256M -n >"$T/out" 2>"$T/err"; rc=$?
t "region create -n: a listing option, refused" eval 'rc_is 2 && [ ! -e "$RP/sys/kernel/config/withheld_ram/r2" ]'
"$MEMCTL" --sysfs-root "$RP" withheld create r2 0x90000000 256M --force >"$T/out" 2>"$T/err"; rc=$?
t "region create --force: not a region option" eval 'rc_is 2 && [ ! -e "$RP/sys/kernel/config/withheld_ram/r2" ]'
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MEMCTL" --sysfs-root "$RP" withheld create r2 0x90000000 256M >"$T/out" 2>"$T/err"; rc=$?
	t "region create without permission: exit 3 as everywhere, nothing made" \
		eval 'rc_is 3 && err_has "Permission denied" && [ ! -e "$RP/sys/kernel/config/withheld_ram/r2" ]'
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MEMCTL" --sysfs-root "$RP" withheld delete r1 >"$T/out" 2>"$T/err"; rc=$?
	t "region delete without permission: exit 3, nothing changed" \
		eval 'rc_is 3 && [ "$(cat "$RP/sys/kernel/config/withheld_ram/r1/enable")" = 1 ]'
else
	skip "region create without permission" "needs root and setpriv"
	skip "region delete without permission" "needs root and setpriv"
fi

# ---- sizes as util-linux parses them ---------------------------------------

std_tree "$T/sz"
take_snap "$T/sz"
run "$T/sz" offline --dry-run 1.5G
t "1.5G: a fraction with a unit is a size (12 blocks)" \
	eval 'rc_is 0 && [ "$(grep -c "(dry run)" "$T/out")" = 12 ] && unchanged "$T/sz"'
run "$T/sz" offline --dry-run 0.25GiB
t "0.25GiB: 2 blocks" eval 'rc_is 0 && [ "$(grep -c "(dry run)" "$T/out")" = 2 ]'
run "$T/sz" offline --dry-run 256MB
t "256MB: powers of 1000, not a multiple of the block size" \
	eval 'rc_is 2 && err_has "not a multiple of the memory block size"'
run "$T/sz" offline --dry-run 128M 256M
t "two sizes: usage error" eval 'rc_is 2 && err_has "only one size"'
mkdir -p "$T/sz/sys/kernel/config/withheld_ram"
"$MEMCTL" --sysfs-root "$T/sz" withheld create q 0x90000000 0.125G --dry-run >"$T/out" 2>"$T/err"; rc=$?
t "region create takes 0.125G" eval 'rc_is 0 && out_has "would create 0x90000000+0x8000000"'

# ---- lsmem's zone spelling -------------------------------------------------

Z=$T/zones
mktree "$Z" 8000000
mkblock "$Z" 0 offline 0 "Movable Normal" 1
mkblock "$Z" 1 online 0 "Normal" 1
mkblock "$Z" 2 offline 0 "Movable Normal DMA32 Weird" 1
run "$Z" -o BLOCK,ZONES -a -n --summary=never
t "ZONES as lsmem spells them: kernel order of zones, joined by /" \
	eval 'rc_is 0 && sq_has "^0 Normal/Movable$" && sq_has "^1 Normal$" && sq_has "^2 DMA32/Normal/Movable/Weird$"'

# ---- udev-env (udev/30-memctl-depopulate.rules) -------------------------

UD=$T/udev
std_tree "$UD"
mkblocks "$UD" 20 21 offline 0 "Normal Movable" 1
mkblock "$UD" 22 offline 0 "Normal Movable" 0
cat >>"$UD/proc/iomem" <<-EOF
a8000000-afffffff : System RAM (withheld_ram r0)
b0000000-b7ffffff : System RAM (withheld_ram r1)
EOF
mkdir -p "$UD/etc/memctl"
ud() { "$MEMCTL" --sysfs-root "$UD" udev-env "$@" >"$T/out" 2>"$T/err"; rc=$?; }
policy() { printf '%s\n' "$@" >"$UD/etc/memctl/depopulate.conf"; }
prop_is() { grep -qx -- "$1=$2" "$T/out"; }

ud memory12
t "udev-env: no policy file, policy none, exit 0" \
	eval 'rc_is 0 && err_lines 0 && prop_is MEMCTL_POLICY none && prop_is MEMCTL_POLICY_REASON "\"no policy file\""'
t "udev-env: state, eligibility, resource and owner of the block" \
	eval 'prop_is MEMCTL_STATE offline && prop_is MEMCTL_DEPOPULATABLE 1 && prop_is MEMCTL_RESOURCE "\"System RAM (virtio_mem)\"" && prop_is MEMCTL_OWNER virtio_mem'
t "udev-env: every line is KEY=VALUE as udev imports it" \
	eval '[ "$(grep -cv "^MEMCTL_[A-Z_]*=[^ ]*\$\|^MEMCTL_[A-Z_]*=\"[^\"]*\"\$" "$T/out")" = 0 ]'
policy '# depopulate what virtio-mem adds offline' 'virtio_mem   # the balloon'
ud memory12
t "udev-env: listed owner, offline, depopulatable: policy offline_depopulated" \
	eval 'rc_is 0 && prop_is MEMCTL_POLICY offline_depopulated && out_lacks MEMCTL_POLICY_REASON'
ud 12
t "udev-env: a bare index names the same block" eval 'rc_is 0 && prop_is MEMCTL_POLICY offline_depopulated'
ud memory8
t "udev-env: an online block: policy none (not offline)" \
	eval 'rc_is 0 && prop_is MEMCTL_POLICY none && prop_is MEMCTL_POLICY_REASON "\"not offline\""'
ud memory14
t "udev-env: a depopulated block: policy none, state offline_depopulated" \
	eval 'rc_is 0 && prop_is MEMCTL_POLICY none && prop_is MEMCTL_STATE offline_depopulated'
ud memory0
t "udev-env: boot memory: no owner, policy none" \
	eval 'rc_is 0 && out_lacks MEMCTL_OWNER && prop_is MEMCTL_RESOURCE "\"System RAM\"" && prop_is MEMCTL_POLICY_REASON "\"not driver-managed memory\""'
policy kmem
ud memory12
t "udev-env: owner not listed: policy none" \
	eval 'rc_is 0 && prop_is MEMCTL_POLICY none && prop_is MEMCTL_POLICY_REASON "\"owner not listed\""'
policy mem virtio kmem:x
ud memory12
t "udev-env: owners match exactly, never by substring" \
	eval 'rc_is 0 && prop_is MEMCTL_POLICY none'
policy withheld_ram
ud memory21
t "udev-env: withheld_ram owner is withheld_ram:NAME; a bare driver name lists every instance" \
	eval 'rc_is 0 && prop_is MEMCTL_OWNER withheld_ram:r0 && prop_is MEMCTL_POLICY offline_depopulated'
policy withheld_ram:r1
ud memory21
a=$(grep MEMCTL_POLICY= "$T/out")
ud memory22
t "udev-env: withheld_ram:r1 lists r1, not r0" \
	eval '[ "$a" = MEMCTL_POLICY=none ] && prop_is MEMCTL_OWNER withheld_ram:r1 && prop_is MEMCTL_POLICY_REASON "\"not depopulatable\""'
policy virtio_mem 'virtio mem?'
ud memory12
t "udev-env: an invalid word in the policy file is an error naming file and line; nothing printed" \
	eval 'rc_is 2 && err_has "depopulate.conf:2: invalid owner" && out_lines 0'
policy ':x'
ud memory12
t "udev-env: an owner starting with ':' is invalid" eval 'rc_is 2 && out_lines 0'
printf 'virtio_mem\n' >"$T/other.conf"
policy kmem
ud --config "$T/other.conf" memory12
t "udev-env --config FILE: that file is the policy" eval 'rc_is 0 && prop_is MEMCTL_POLICY offline_depopulated'
ud --config "$T/none.conf" memory12
t "udev-env --config missing file: policy none" eval 'rc_is 0 && prop_is MEMCTL_POLICY none'
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$T/other.conf"
	ud --config "$T/other.conf" memory12
	t "udev-env: an unreadable policy file is an environment error" eval 'rc_is 3 && out_lines 0'
	chmod 644 "$T/other.conf"
else
	ud --config "$T" memory12
	t "udev-env: a policy file that cannot be read is an environment error" eval 'rc_is 3 && out_lines 0'
fi
printf 'sideways' >"$UD/$MEM/memory13/state"
policy virtio_mem
ud memory12
t "udev-env reads only its own block (another block's bad state is not reported)" \
	eval 'rc_is 0 && err_lines 0'
ud memory99
t "udev-env: no such block is a usage error" eval 'rc_is 2 && err_has "memory99: no such memory block" && out_lines 0'
ud dimm0
t "udev-env: a name that is no block is a usage error" eval 'rc_is 2 && err_has "not a memory block name"'
ud memory12 memory13
t "udev-env: exactly one block" eval 'rc_is 2 && err_has "exactly one"'
ud --json memory12
t "udev-env: list and change options are refused" eval 'rc_is 2'
run "$UD" list --config "$T/other.conf"
t "--config only applies to udev-env" eval 'rc_is 2 && err_has "only applies to"'
"$MEMCTL" --sysfs-root "$UD" udev-env memory12 >/dev/full 2>"$T/err"; rc=$?
t "udev-env: a write error on stdout is reported, exit 3" eval 'rc_is 3 && err_has "write error"'

# ---- man page and install ------------------------------------------------

if [ -n "$MANPAGE" ] && command -v groff >/dev/null; then
	groff -man -Tutf8 -ww -z "$MANPAGE" >"$T/out" 2>"$T/err"; rc=$?
	t "man page: groff -ww without warnings" eval 'rc_is 0 && err_lines 0'
	if command -v man >/dev/null; then
		MANWIDTH=80 man --warnings -E UTF-8 -l "$MANPAGE" \
			>"$T/out" 2>"$T/err"; rc=$?
		t "man -l renders without warnings" \
			eval 'rc_is 0 && err_lines 0 && out_has offline_depopulated'
	else
		skip "man -l renders" "man not installed"
	fi
else
	skip "man page: groff -ww" "groff not installed"
	skip "man -l renders" "groff not installed"
fi

make -s -C "$SRCDIR" install DESTDIR="$T/dest" PREFIX=/usr \
	O="$(dirname "$MEMCTL")" >"$T/out" 2>"$T/err"; rc=$?
t "make install DESTDIR PREFIX" \
	eval 'rc_is 0 && [ -x "$T/dest/usr/sbin/memctl" ] && [ -f "$T/dest/usr/share/man/man8/memctl.8" ]'

echo "1..$n"
echo "memctl: $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
