#!/bin/bash
# Harness self-test: a guest test that fails on purpose. The host side
# (tests/host/harness-selftest.sh) checks that the run fails and names it.
. /harness/lib.sh
ok "selftest: a passing assertion"
expect "selftest: deliberately broken assertion" 1 2
