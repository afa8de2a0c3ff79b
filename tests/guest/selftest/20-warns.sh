#!/bin/bash
# Harness self-test: make the kernel print a WARNING (module load fails on
# purpose after warning).
. /harness/lib.sh
out=$(insmod /lib/modules/harness/harness_splat.ko 2>&1)
expect "selftest: harness_splat refuses to stay loaded" 1 "$([ -n "$out" ] && echo 1)"
