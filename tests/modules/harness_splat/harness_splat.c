// SPDX-License-Identifier: GPL-2.0
/*
 * harness_splat: makes the kernel print a WARNING on purpose, so that the
 * harness self-test can check that a splat on the console fails the run.
 * Loading it warns once and fails the load, so nothing stays behind.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/module.h>

static int __init harness_splat_init(void)
{
	WARN(1, "harness_splat: deliberate warning for the harness self-test\n");
	return -EAGAIN;
}
module_init(harness_splat_init);

MODULE_DESCRIPTION("Deliberate WARNING for the test harness self-test");
MODULE_LICENSE("GPL");
