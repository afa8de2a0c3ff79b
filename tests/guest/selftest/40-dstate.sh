#!/bin/bash
# Harness self-test, in a boot of its own (tests/host/harness-selftest.sh):
# a task blocks in uninterruptible sleep, as a writer stuck on a lock would.
# The hung task detector must report it with its stack and panic the guest
# (hung_task_panic=1), ending the run long before the idle watchdog.
. /harness/lib.sh
ok "selftest: about to block in D state"
insmod /lib/modules/harness/harness_splat.ko dstate_secs=600
