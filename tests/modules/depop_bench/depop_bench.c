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
 *              Each write fails with the errno of the call. Reading any
 *              of these four files prints "<return value> <nanoseconds>"
 *              of its last call, timed with ktime_get_ns() around it.
 *
 * cache_maint  Write 1 to register a memory notifier that cleans and
 *              invalidates each memory block to the point of coherency on
 *              MEM_GOING_DEPOPULATE (while it is still mapped), as an owner
 *              that powers memory down behind the caches' back would; 0 to
 *              unregister it. The kernel does no cache maintenance of its
 *              own, so this times the opt-in separately. Reading prints
 *              "<registered> <blocks maintained>".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/libnvdimm.h>
#include <linux/ktime.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

enum bench_op { OP_ADD, OP_REMOVE, OP_DEPOPULATE, OP_POPULATE, NR_OPS };

static const char * const op_names[NR_OPS] = {
	[OP_ADD] = "add",
	[OP_REMOVE] = "remove",
	[OP_DEPOPULATE] = "depopulate",
	[OP_POPULATE] = "populate",
};

static DEFINE_MUTEX(bench_lock);
static struct dentry *bench_dir;
static long op_result[NR_OPS];
static u64 op_ns[NR_OPS];

static bool cache_maint_on;
static atomic_long_t cache_maint_blocks;

static int cache_maint_cb(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct memory_notify *arg = data;
	void *addr = pfn_to_kaddr(arg->start_pfn);
	size_t size = arg->nr_pages << PAGE_SHIFT;

	if (action != MEM_GOING_DEPOPULATE)
		return NOTIFY_OK;
	/* Clean to PoC, then invalidate: what powering the memory down needs. */
	arch_wb_cache_pmem(addr, size);
	arch_invalidate_pmem(addr, size);
	atomic_long_inc(&cache_maint_blocks);
	return NOTIFY_OK;
}

static struct notifier_block cache_maint_nb = {
	.notifier_call = cache_maint_cb,
};

static ssize_t cache_maint_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	bool on;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &on);
	if (ret)
		return ret;
	mutex_lock(&bench_lock);
	if (on && !cache_maint_on)
		ret = register_memory_notifier(&cache_maint_nb);
	else if (!on && cache_maint_on)
		unregister_memory_notifier(&cache_maint_nb);
	if (!ret)
		cache_maint_on = on;
	mutex_unlock(&bench_lock);
	return ret ? ret : count;
}

static ssize_t cache_maint_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char tmp[48];
	int len;

	len = scnprintf(tmp, sizeof(tmp), "%d %ld\n", READ_ONCE(cache_maint_on),
			atomic_long_read(&cache_maint_blocks));
	return simple_read_from_buffer(ubuf, count, ppos, tmp, len);
}

static const struct file_operations cache_maint_fops = {
	.owner = THIS_MODULE,
	.read = cache_maint_read,
	.write = cache_maint_write,
	.llseek = default_llseek,
};

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
	debugfs_create_file("cache_maint", 0600, bench_dir, NULL,
			    &cache_maint_fops);
	return 0;
}

static void __exit depop_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	if (cache_maint_on)
		unregister_memory_notifier(&cache_maint_nb);
}

module_init(depop_bench_init);
module_exit(depop_bench_exit);
MODULE_DESCRIPTION("Benchmark helper for offline_depopulated memory blocks");
MODULE_LICENSE("GPL");
