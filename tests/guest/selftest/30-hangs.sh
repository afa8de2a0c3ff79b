#!/bin/bash
# Harness self-test: the guest stops making progress; the host's idle
# watchdog must kill it and say so.
. /harness/lib.sh
ok "selftest: about to hang"
sleep 100000
