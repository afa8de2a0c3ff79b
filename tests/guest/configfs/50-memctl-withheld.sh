#!/bin/bash
# memctl creates, lists and deletes withheld_ram regions, and drives their
# blocks like any other driver-managed memory.
. /harness/lib.sh
. /harness/withheld_ram.sh
load_depop_test || bail "insmod depop_test.ko"

out=$(memctl withheld create m1 0xa0000000 256M --online-type offline_depopulated 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
expect "memctl withheld create m1 exits 0" 0 "$rc"
blocks=$(withheld_ram_blocks m1 | xargs)
expect "m1 has two blocks" 2 "$(echo $blocks | wc -w)"
for b in $blocks; do
	expect "memory$b starts offline_depopulated" offline_depopulated "$(block_state "$b")"
	expect "memory$b: probe faults" -14 "$(probe_block "$b")"
done
expect "memctl withheld list shows m1 enabled" 1 \
	"$(memctl withheld list | grep -cE '^m1 +0xa0000000 +0x10000000 +offline_depopulated +yes')"
expect "memctl withheld list --json parses" dict \
	"$(host json "$(memctl withheld list --json | tr -d '\n')" 2>&1)"

check "memctl online --movable --owner withheld_ram:m1" \
	memctl online --movable --owner withheld_ram:m1
for b in $blocks; do
	expect "memory$b online" online "$(block_state "$b")"
	expect "memory$b: probe succeeds" 0 "$(probe_block "$b")"
done

out=$(memctl withheld delete m1 2>&1)
expect "memctl withheld delete m1 exits 0" 0 "$?"
expect "m1's blocks are gone" "" "$(withheld_ram_blocks m1)"
expect "m1's configfs directory is gone" 0 "$([ -e $MRDIR/m1 ] && echo 1 || echo 0)"

out=$(memctl withheld create m2 0x40000000 128M 2>&1)
expect "memctl withheld create over boot RAM fails (exit 1)" 1 "$?"
expect "the refused region is not left behind" 0 "$([ -e $MRDIR/m2 ] && echo 1 || echo 0)"
expect "memctl names the error" 1 "$(echo "$out" | grep -c 'region m2: ')"
