// SPDX-License-Identifier: GPL-2.0
/*
 * harness_splat: makes the kernel print a WARNING on purpose, so that the
 * harness self-test can check that a splat on the console fails the run.
 * Loading it warns once and fails the load, so nothing stays behind.
 *
 * With dstate_secs=N it does not warn: the loading task sleeps
 * uninterruptibly for N seconds instead, as a writer stuck on a lock
 * would, so that the self-test can check that the hung task detector
 * stops the run with the task's stack.
 */
#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/module.h>

static unsigned int dstate_secs;
module_param(dstate_secs, uint, 0);
MODULE_PARM_DESC(dstate_secs,
		 "sleep uninterruptibly this many seconds instead of warning");

static int __init harness_splat_init(void)
{
	if (dstate_secs) {
		msleep(dstate_secs * MSEC_PER_SEC);
		return -EAGAIN;
	}
	WARN(1, "harness_splat: deliberate warning for the harness self-test\n");
	return -EAGAIN;
}
module_init(harness_splat_init);

MODULE_DESCRIPTION("Deliberate WARNING for the test harness self-test");
MODULE_LICENSE("GPL");
