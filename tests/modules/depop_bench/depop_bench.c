// SPDX-License-Identifier: GPL-2.0
/*
 * depop_bench - kernel side of the offline_depopulated benchmark (make bench)
 *
 * Hot-adds RAM withheld from the kernel with mem= as driver-managed System
 * RAM, the way a driver does, and calls the in-kernel memory hotplug API
 * directly, so that the benchmark can time what a driver would do today
 * (remove and re-add a range) against depopulating it. Everything lives in
 * /sys/kernel/debug/depop_bench/. Numbers are parsed with kstrtou64(.., 0),
 * so decimal and 0x-prefixed hex both work.
 *
 * add          Write "start size": add_memory_driver_managed(0, start, size,
 *              "System RAM (depop_bench)", MHP_NONE). The memmap is
 *              allocated from other memory (no MHP_MEMMAP_ON_MEMORY), so the
 *              range can be depopulated. The blocks are onlined or not
 *              according to /sys/devices/system/memory/auto_online_blocks.
 * remove       Write "start size": offline_and_remove_memory().
 * depopulate   Write "start size": depopulate_range_driver_managed().
 * populate     Write "start size": populate_range_driver_managed().
 * dcache       Write "start size": "dc civac" over the linear map of the
 *              range, line by line, then "dsb sy": the cache maintenance
 *              arch_depopulate_linear_map() does before the teardown, timed
 *              alone, to split the teardown cost into cache maintenance and
 *              page-table work. The range must be mapped (-EFAULT if its
 *              first or last page is not).
 *
 *              Each write fails with the errno of the call. Reading any of
 *              these files prints "<return value> <nanoseconds>" of its last
 *              call, the time measured with ktime_get_ns() around the call.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/memory_hotplug.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/barrier.h>
#include <asm/sysreg.h>

enum bench_op { OP_ADD, OP_REMOVE, OP_DEPOPULATE, OP_POPULATE, OP_DCACHE, NR_OPS };

static const char * const op_names[NR_OPS] = {
	[OP_ADD] = "add",
	[OP_REMOVE] = "remove",
	[OP_DEPOPULATE] = "depopulate",
	[OP_POPULATE] = "populate",
	[OP_DCACHE] = "dcache",
};

static DEFINE_MUTEX(bench_lock);
static struct dentry *bench_dir;
static long op_result[NR_OPS];
static u64 op_ns[NR_OPS];

static int dcache_clean_inval(u64 start, u64 size)
{
	unsigned long addr = (unsigned long)phys_to_virt(start);
	unsigned long end = addr + size, line;
	u64 ctr = read_sysreg(ctr_el0);
	char c;

	if (!size || copy_from_kernel_nofault(&c, (void *)addr, 1) ||
	    copy_from_kernel_nofault(&c, (void *)(end - 1), 1))
		return -EFAULT;
	line = 4UL << ((ctr >> 16) & 0xf);	/* CTR_EL0.DminLine */
	for (addr = ALIGN_DOWN(addr, line); addr < end; addr += line)
		asm volatile("dc civac, %0" : : "r" (addr) : "memory");
	dsb(sy);
	return 0;
}

static ssize_t op_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	enum bench_op op = (uintptr_t)file->private_data;
	char buf[64], extra;
	u64 start, size, t0, t1;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	if (sscanf(buf, "%lli %lli %c", &start, &size, &extra) != 2)
		return -EINVAL;

	mutex_lock(&bench_lock);
	t0 = ktime_get_ns();
	switch (op) {
	case OP_ADD:
		ret = add_memory_driver_managed(0, start, size,
						"System RAM (depop_bench)",
						MHP_NONE);
		break;
	case OP_REMOVE:
		ret = offline_and_remove_memory(start, size);
		break;
	case OP_DEPOPULATE:
		ret = depopulate_range_driver_managed(start, size);
		break;
	case OP_POPULATE:
		ret = populate_range_driver_managed(start, size);
		break;
	case OP_DCACHE:
		ret = dcache_clean_inval(start, size);
		break;
	default:
		ret = -EINVAL;
	}
	t1 = ktime_get_ns();
	op_result[op] = ret;
	op_ns[op] = t1 - t0;
	mutex_unlock(&bench_lock);

	return ret ? ret : count;
}

static ssize_t op_read(struct file *file, char __user *ubuf, size_t count,
		       loff_t *ppos)
{
	enum bench_op op = (uintptr_t)file->private_data;
	char tmp[48];
	int len;

	mutex_lock(&bench_lock);
	len = scnprintf(tmp, sizeof(tmp), "%ld %llu\n", op_result[op], op_ns[op]);
	mutex_unlock(&bench_lock);
	return simple_read_from_buffer(ubuf, count, ppos, tmp, len);
}

static const struct file_operations op_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = op_read,
	.write = op_write,
	.llseek = default_llseek,
};

static int __init depop_bench_init(void)
{
	int i;

	bench_dir = debugfs_create_dir("depop_bench", NULL);
	for (i = 0; i < NR_OPS; i++)
		debugfs_create_file(op_names[i], 0600, bench_dir,
				    (void *)(uintptr_t)i, &op_fops);
	return 0;
}

static void __exit depop_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}

module_init(depop_bench_init);
module_exit(depop_bench_exit);
MODULE_DESCRIPTION("Benchmark helper for offline_depopulated memory blocks");
MODULE_LICENSE("GPL");
