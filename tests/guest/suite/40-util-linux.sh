#!/bin/bash
# Debian's unmodified lsmem and chmem work on virtio-mem blocks.
. /harness/lib.sh

b=$(vmem_blocks | tail -1)
check "chmem -d -b $b" chmem -d -b "$b"
expect "memory$b offline after chmem -d" offline "$(block_state "$b")"
expect "lsmem shows memory$b offline" offline \
	"$(lsmem -a -n -o BLOCK,STATE | awk -v b="$b" '$1 == b { print $2 }')"
check "chmem -e -b $b" chmem -e -b "$b"
expect "memory$b online after chmem -e" online "$(block_state "$b")"
check "lsmem --json is valid output" sh -c 'lsmem --json | grep -q "\"memory\""'
