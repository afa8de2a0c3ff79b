// SPDX-License-Identifier: GPL-2.0
/*
 * kasan_check - look at the KASAN shadow of a page of hot-added memory
 *
 * /sys/kernel/debug/kasan_check/page
 *	Write a physical address of online memory: the module takes that
 *	page out of the page allocator (alloc_contig_range()), counts the
 *	shadow bytes of the page that are not 0 (not accessible), frees it
 *	again and counts the shadow bytes that are 0 (still accessible).
 *	Reading prints the two counts, "0 0" when the shadow of the page
 *	exists and KASAN tracks it: unpoisoned while allocated, poisoned
 *	once freed. Reads -22 until an address was written. Without
 *	CONFIG_KASAN_GENERIC the write fails with EOPNOTSUPP.
 *
 * Reading the shadow of a block whose shadow was never mapped would fault:
 * the kernel maps it when the block goes online (mm/kasan/shadow.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kasan.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pfn.h>
#include <linux/uaccess.h>

static DEFINE_MUTEX(check_lock);
static int unpoisoned_bad = -EINVAL;
static int poisoned_bad = -EINVAL;

#ifdef CONFIG_KASAN_GENERIC
/* Shadow bytes of the page at @addr that are (@zero) or are not 0. */
static int count_shadow(void *addr, bool zero)
{
	const u8 *shadow = kasan_mem_to_shadow(addr);
	int i, n = 0;

	for (i = 0; i < PAGE_SIZE >> KASAN_SHADOW_SCALE_SHIFT; i++)
		n += zero ? !shadow[i] : !!shadow[i];
	return n;
}

static int check_page(u64 phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	void *addr;
	int ret;

	if (!pfn_valid(pfn) || !pfn_to_online_page(pfn))
		return -EINVAL;
	ret = alloc_contig_range(pfn, pfn + 1, MIGRATE_MOVABLE, GFP_KERNEL);
	if (ret)
		return ret;
	addr = page_address(pfn_to_page(pfn));
	unpoisoned_bad = count_shadow(addr, false);
	free_contig_range(pfn, 1);
	poisoned_bad = count_shadow(addr, true);
	return 0;
}
#else
static int check_page(u64 phys)
{
	return -EOPNOTSUPP;
}
#endif

static ssize_t page_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	u64 phys;
	int ret;

	ret = kstrtou64_from_user(ubuf, count, 0, &phys);
	if (ret)
		return ret;
	mutex_lock(&check_lock);
	unpoisoned_bad = -EINVAL;
	poisoned_bad = -EINVAL;
	ret = check_page(phys);
	mutex_unlock(&check_lock);
	return ret ? ret : count;
}

static ssize_t page_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	char buf[32];
	int len;

	mutex_lock(&check_lock);
	if (unpoisoned_bad < 0)
		len = scnprintf(buf, sizeof(buf), "%d\n", unpoisoned_bad);
	else
		len = scnprintf(buf, sizeof(buf), "%d %d\n", unpoisoned_bad,
				poisoned_bad);
	mutex_unlock(&check_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations page_fops = {
	.owner	= THIS_MODULE,
	.write	= page_write,
	.read	= page_read,
	.llseek	= default_llseek,
};

static struct dentry *check_dir;

static int __init kasan_check_init(void)
{
	check_dir = debugfs_create_dir("kasan_check", NULL);
	debugfs_create_file("page", 0600, check_dir, NULL, &page_fops);
	return 0;
}
module_init(kasan_check_init);

static void __exit kasan_check_exit(void)
{
	debugfs_remove_recursive(check_dir);
}
module_exit(kasan_check_exit);

MODULE_DESCRIPTION("Checks the KASAN shadow of hot-added memory, for tests");
MODULE_LICENSE("GPL");
