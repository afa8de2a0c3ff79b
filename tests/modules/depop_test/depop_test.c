// SPDX-License-Identifier: GPL-2.0
/*
 * depop_test - test helper for offline_depopulated memory blocks
 *
 * All files live in /sys/kernel/debug/depop_test/. Numbers are parsed with
 * kstrto*(..., 0, ...), so both decimal and 0x-prefixed hex work. Reading a
 * file that holds a result prints one decimal number and a newline. A file
 * whose read computes its value (probe, vaddr_valid, memremap, ioremap,
 * free_kb, tables, api_loop) computes it for the read at offset 0 only; the
 * next read is at the end of that line and returns 0, where computing again
 * would return the tail of a value that may have changed (cat reads twice:
 * "0\n" then the "4\n" of a "-14\n").
 *
 * probe        Write a physical address. Each read copies 8 bytes from its
 *              linear map address (phys_to_virt()) with
 *              copy_from_kernel_nofault() and prints the result: 0 if the
 *              address is mapped, -14 (-EFAULT) if it is not. Never oopses.
 *              Reads -22 (-EINVAL) until an address was written.
 *
 * pattern      Write a memory block index. The whole (online) block is
 *              allocated with alloc_contig_range(), a per-page pattern is
 *              written through the linear map and verified, and the block
 *              is freed again. Reading prints the result of the last run:
 *              0 on success, a negative errno if the block could not be
 *              allocated, or the (positive) number of pages that did not
 *              read back their pattern. Reads -22 (-EINVAL) until a block
 *              was written, and after a write that was not a number.
 *
 * depopulate   Write "start size" (physical address and size in bytes) to
 * populate     call depopulate_range_driver_managed() resp.
 *              populate_range_driver_managed(). Reading prints the return
 *              value of the last call. The write itself also fails with it.
 *
 * veto         Write an errno number N (e.g. 12 for ENOMEM). While N is not
 *              0, the module's memory notifier answers MEM_PREPARE_POPULATE
 *              with notifier_from_errno(-N), vetoing the population. Write 0
 *              to stop. Reading prints N.
 *
 * veto_skip    Write N: the next N MEM_PREPARE_POPULATE events are let through
 *              before veto applies, so that a multi-block populate is vetoed
 *              in the middle. Reading prints what is left of N.
 *
 * veto_online  Same as veto, for MEM_GOING_ONLINE: makes onlining fail after
 *              the linear map of a depopulated block was re-created, to test
 *              that it is torn down again (MEM_CANCEL_POPULATE).
 *
 * veto_kernel  Same as veto_online, but only for onlining into a zone other
 *              than ZONE_MOVABLE (online_kernel): a block onlined into
 *              ZONE_NORMAL takes the kernel's unmovable allocations at once
 *              and can mostly not be offlined again, which tests that must
 *              end with every block back in ZONE_MOVABLE cannot have.
 *
 * events       Reading prints one "<event> <count>" line per memory notifier
 *              event, counting what the module's notifier has seen since the
 *              module was loaded or the counters reset. Writing anything
 *              resets all counters.
 *
 * pin          Write a pfn: alloc_contig_range() takes that single page out
 *              of the page allocator and holds it, so that the block it
 *              belongs to cannot be offlined (online_kernel blocks; offline
 *              fails with -EBUSY). Write -1 to release all pinned pages.
 *              Reading prints the number of pinned pages.
 *
 * add_mom      Write "start size": add_memory_driver_managed(0, start, size,
 *              "System RAM (depop_test)", MHP_MEMMAP_ON_MEMORY), meant for
 *              RAM withheld from the kernel with mem=. The memmap is only
 *              placed on the memory if memory_hotplug.memmap_on_memory is
 *              enabled and supported: without hugetlb, pageblocks are 4MiB
 *              and that needs memory_hotplug.memmap_on_memory=force. Each
 *              write logs whether it is supported. Reading prints the last
 *              return value.
 *
 * remove       Write "start size": offline_and_remove_memory(). Reading
 *              prints the last return value.
 *
 * vaddr_valid  Write a physical address. Reading prints
 *              virt_addr_valid(phys_to_virt(addr)): 1 or 0. Reads -22
 *              (-EINVAL) until an address was written.
 *
 * memremap     Write a physical address. Each read calls memremap(addr,
 *              PAGE_SIZE, MEMREMAP_WB), reads the page through the mapping
 *              with copy_from_kernel_nofault() and unmaps it. Prints 1 if
 *              the mapping is not the linear address and reads back, 0 if
 *              memremap() returned the linear address, -14 (-EFAULT) if the
 *              mapping cannot be read, -12 (-ENOMEM) if memremap() failed.
 *
 * cpa          Write a physical address (x86). Each read calls
 *              set_memory_uc() and then set_memory_wb() on its page and
 *              prints 0 or the first error; -95 (-EOPNOTSUPP) elsewhere.
 *
 * ioremap      Write a physical address. Each read calls ioremap() on the
 *              page, reads 8 bytes through it and unmaps it. Prints 0 on
 *              success, -12 (-ENOMEM) if ioremap() refused (arm64 refuses,
 *              with a WARN, memory that the linear map covers).
 *
 * cache_maint  Write 1 to make the notifier clean and invalidate every
 *              memory block to the point of coherency on MEM_GOING_DEPOPULATE
 *              (with its linear map still present), as an owner that powers
 *              memory down would; 0 to stop. Reading prints the number of
 *              blocks it has done it for. Needs a kernel with
 *              MEM_GOING_DEPOPULATE; elsewhere writing fails with EOPNOTSUPP.
 * free_kb      Reading prints the free memory in kB exactly: MemFree with
 *              the per-CPU counter deltas folded in, plus the pages on the
 *              per-CPU free lists, which MemFree leaves out.
 *
 * tables       Write "start size" (physical, at most 1 GiB): the module walks
 *              the kernel page tables over the linear map of that range and
 *              records the last-level (PTE) tables it finds. Each read walks
 *              again and prints "N S I": N tables map the range now, S of
 *              them are recorded ones (same page, same place), and I of the
 *              recorded tables are intact: every entry still gives the
 *              physical address it mapped when recorded and the page is
 *              still allocated, so it was neither freed nor reused. A
 *              range mapped by block entries has none: "0 0 0". Reads -22
 *              until a range was written; writing fails with EOPNOTSUPP on
 *              architectures other than arm64 and x86-64.
 *
 * api_loop     Write "start size": a kthread calls
 *              depopulate_range_driver_managed() and then
 *              populate_range_driver_managed() on that range, over and over,
 *              sleeping 1 to 5 ms after each call, until "stop" is written or
 *              the module is unloaded. Errors are expected when something
 *              else changes the blocks meanwhile (EBUSY: a block is online)
 *              and are only counted. Starting a loop that runs fails with
 *              EBUSY, stopping one that does not with ESRCH. Reading prints
 *              the counts of the loop running or last run, the two calls
 *              together, then each call on its own line:
 *                calls 240 ok 170 EBUSY 70
 *                depopulate 120 ok 50 EBUSY 70
 *                populate 120 ok 120
 *              An errno is printed by name (EBUSY, EINVAL, EOPNOTSUPP,
 *              ENOMEM, ...) or as E<number>. A new start resets the counts.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/libnvdimm.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pgtable.h>
#include <linux/random.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#ifdef DEPOP_TEST_BASELINE
/*
 * Built for the kernel without the series (make test-baseline): probe,
 * pattern, pin, add_mom and remove work as usual, the notifier events of the
 * series are never sent, and the exported API fails with -ENODEV (an errno
 * the real API never returns), so that every test of offline_depopulated
 * fails on that kernel while the others can pass.
 */
enum {
	MEM_DEPOPULATED = MEM_FINISH_OFFLINE + 1,
	MEM_PREPARE_POPULATE,
	MEM_CANCEL_POPULATE,
};

static inline int depopulate_range_driver_managed(u64 start, u64 size)
{
	return -ENODEV;
}

static inline int populate_range_driver_managed(u64 start, u64 size)
{
	return -ENODEV;
}
#endif

static DEFINE_MUTEX(depop_lock);
static struct dentry *depop_dir;

static bool probe_set;
static phys_addr_t probe_addr;
static long pattern_result = -EINVAL;
static long depopulate_result;
static long populate_result;
static long add_mom_result;
static long remove_result;
static int veto_errno;
static int veto_online_errno;
static int veto_kernel_errno;
static phys_addr_t check_addr = (phys_addr_t)-1;
static bool cache_maint;
static atomic_t veto_skip;
static atomic_long_t cache_maint_done;

/* MHP_OFFLINE_DEPOPULATED came with MEM_GOING_DEPOPULATE (series v2). */
#ifdef MHP_OFFLINE_DEPOPULATED
#define HAVE_GOING_DEPOPULATE 1
#else
#define HAVE_GOING_DEPOPULATE 0
#endif

struct pinned_page {
	struct list_head list;
	unsigned long pfn;
};

static LIST_HEAD(pinned_pages);
static unsigned long nr_pinned;

static const char * const event_names[] = {
	[MEM_ONLINE] = "MEM_ONLINE",
	[MEM_GOING_OFFLINE] = "MEM_GOING_OFFLINE",
	[MEM_OFFLINE] = "MEM_OFFLINE",
	[MEM_GOING_ONLINE] = "MEM_GOING_ONLINE",
	[MEM_CANCEL_ONLINE] = "MEM_CANCEL_ONLINE",
	[MEM_CANCEL_OFFLINE] = "MEM_CANCEL_OFFLINE",
	[MEM_PREPARE_ONLINE] = "MEM_PREPARE_ONLINE",
	[MEM_FINISH_OFFLINE] = "MEM_FINISH_OFFLINE",
#if HAVE_GOING_DEPOPULATE
	[MEM_GOING_DEPOPULATE] = "MEM_GOING_DEPOPULATE",
#endif
	[MEM_DEPOPULATED] = "MEM_DEPOPULATED",
	[MEM_PREPARE_POPULATE] = "MEM_PREPARE_POPULATE",
	[MEM_CANCEL_POPULATE] = "MEM_CANCEL_POPULATE",
};

static atomic_long_t event_counts[ARRAY_SIZE(event_names)];

/*
 * The veto_kernel errno if the block of MEM_GOING_ONLINE is being onlined
 * into a kernel zone: online_pages() has moved it into its zone already.
 */
static int veto_kernel_zone(void *data)
{
	struct memory_notify *arg = data;
	int veto = READ_ONCE(veto_kernel_errno);
	struct page *page;

	if (!veto)
		return 0;
	page = pfn_to_page(arg->start_pfn);
	return zone_idx(page_zone(page)) == ZONE_MOVABLE ? 0 : veto;
}

static int depop_notifier_cb(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	int veto = 0;

	if (action < ARRAY_SIZE(event_counts))
		atomic_long_inc(&event_counts[action]);

#if HAVE_GOING_DEPOPULATE
	if (action == MEM_GOING_DEPOPULATE && READ_ONCE(cache_maint)) {
		struct memory_notify *arg = data;
		void *addr = pfn_to_kaddr(arg->start_pfn);
		size_t size = arg->nr_pages << PAGE_SHIFT;

		/* Clean to PoC, then invalidate: what powering down needs. */
		arch_wb_cache_pmem(addr, size);
		arch_invalidate_pmem(addr, size);
		atomic_long_inc(&cache_maint_done);
	}
#endif
	if (action == MEM_PREPARE_POPULATE &&
	    atomic_dec_if_positive(&veto_skip) < 0)
		veto = READ_ONCE(veto_errno);
	else if (action == MEM_GOING_ONLINE)
		veto = READ_ONCE(veto_online_errno) ?:
		       veto_kernel_zone(data);

	if (veto)
		return notifier_from_errno(-veto);
	return NOTIFY_OK;
}

static struct notifier_block depop_nb = {
	.notifier_call = depop_notifier_cb,
};

/* Copy a user buffer into a NUL-terminated kernel string. */
static char *depop_get_input(const char __user *ubuf, size_t count)
{
	if (count > 64)
		return ERR_PTR(-EINVAL);
	return memdup_user_nul(ubuf, count);
}

static int parse_range(const char *buf, u64 *start, u64 *size)
{
	char extra;

	if (sscanf(buf, "%lli %lli %c", start, size, &extra) != 2)
		return -EINVAL;
	return 0;
}

/* Copy "start size" from a user buffer and parse it. */
static int get_range(const char __user *ubuf, size_t count, u64 *start,
		     u64 *size)
{
	char *buf = depop_get_input(ubuf, count);
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = parse_range(buf, start, size);
	kfree(buf);
	return ret;
}

static ssize_t print_long(char __user *ubuf, size_t count, loff_t *ppos,
			  long val)
{
	char tmp[32];
	int len = scnprintf(tmp, sizeof(tmp), "%ld\n", val);

	return simple_read_from_buffer(ubuf, count, ppos, tmp, len);
}

/* probe */
static ssize_t probe_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char *buf = depop_get_input(ubuf, count);
	u64 addr;
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = kstrtou64(strim(buf), 0, &addr);
	kfree(buf);
	if (ret)
		return ret;

	mutex_lock(&depop_lock);
	probe_addr = addr;
	probe_set = true;
	mutex_unlock(&depop_lock);
	return count;
}

static ssize_t probe_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	long ret = -EINVAL;
	u64 val;

	if (*ppos)
		return 0;
	mutex_lock(&depop_lock);
	if (probe_set)
		ret = copy_from_kernel_nofault(&val, phys_to_virt(probe_addr),
					       sizeof(val));
	mutex_unlock(&depop_lock);
	return print_long(ubuf, count, ppos, ret);
}

/* pattern */
static u64 pattern_value(unsigned long pfn, unsigned int word)
{
	return ((u64)pfn << 16) ^ word ^ 0x5a5a5a5a00000000ULL;
}

static long run_pattern(unsigned long block)
{
	unsigned long nr_pages = memory_block_size_bytes() >> PAGE_SHIFT;
	unsigned long start_pfn = block * nr_pages;
	unsigned long pfn, bad = 0;
	unsigned int i;
	int ret;

	ret = alloc_contig_range(start_pfn, start_pfn + nr_pages,
				 MIGRATE_MOVABLE, GFP_KERNEL | __GFP_NOWARN);
	if (ret)
		return ret;

	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn++) {
		u64 *p = page_address(pfn_to_page(pfn));

		for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
			p[i] = pattern_value(pfn, i);
		cond_resched();
	}
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn++) {
		u64 *p = page_address(pfn_to_page(pfn));

		for (i = 0; i < PAGE_SIZE / sizeof(u64); i++) {
			if (p[i] != pattern_value(pfn, i)) {
				bad++;
				break;
			}
		}
		cond_resched();
	}

	free_contig_range(start_pfn, nr_pages);
	return bad;
}

static ssize_t pattern_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char *buf = depop_get_input(ubuf, count);
	unsigned long block;
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = kstrtoul(strim(buf), 0, &block);
	kfree(buf);
	if (ret) {
		/* A stale result must not pass for this write's. */
		WRITE_ONCE(pattern_result, ret);
		return ret;
	}

	mutex_lock(&depop_lock);
	pattern_result = run_pattern(block);
	mutex_unlock(&depop_lock);
	return count;
}

static ssize_t pattern_read(struct file *file, char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	return print_long(ubuf, count, ppos, READ_ONCE(pattern_result));
}

/* depopulate, populate, add_mom, remove: "start size" */
enum range_op { OP_DEPOPULATE, OP_POPULATE, OP_ADD_MOM, OP_REMOVE };

static long *range_op_result(enum range_op op)
{
	switch (op) {
	case OP_DEPOPULATE:
		return &depopulate_result;
	case OP_POPULATE:
		return &populate_result;
	case OP_ADD_MOM:
		return &add_mom_result;
	default:
		return &remove_result;
	}
}

static ssize_t range_op_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	enum range_op op = (uintptr_t)file->private_data;
	u64 start, size;
	long ret;

	ret = get_range(ubuf, count, &start, &size);
	if (ret)
		return ret;

	mutex_lock(&depop_lock);
	switch (op) {
	case OP_DEPOPULATE:
		ret = depopulate_range_driver_managed(start, size);
		break;
	case OP_POPULATE:
		ret = populate_range_driver_managed(start, size);
		break;
	case OP_ADD_MOM:
		pr_info("add_mom: memmap_on_memory %ssupported\n",
			mhp_supports_memmap_on_memory() ? "" : "not ");
		ret = add_memory_driver_managed(0, start, size,
						"System RAM (depop_test)",
						MHP_MEMMAP_ON_MEMORY);
		break;
	case OP_REMOVE:
		ret = offline_and_remove_memory(start, size);
		break;
	}
	*range_op_result(op) = ret;
	mutex_unlock(&depop_lock);

	return ret ? ret : count;
}

static ssize_t range_op_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	enum range_op op = (uintptr_t)file->private_data;

	return print_long(ubuf, count, ppos, READ_ONCE(*range_op_result(op)));
}

/* veto, veto_online */
static ssize_t veto_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	int *errnop = file->private_data;
	char *buf = depop_get_input(ubuf, count);
	int ret, val;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = kstrtoint(strim(buf), 0, &val);
	kfree(buf);
	if (ret)
		return ret;
	if (val < 0 || val > MAX_ERRNO)
		return -EINVAL;

	WRITE_ONCE(*errnop, val);
	return count;
}

static ssize_t veto_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	int *errnop = file->private_data;

	return print_long(ubuf, count, ppos, READ_ONCE(*errnop));
}

/* events */
static ssize_t events_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(event_counts); i++)
		atomic_long_set(&event_counts[i], 0);
	return count;
}

static ssize_t events_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	size_t size = 64 * ARRAY_SIZE(event_names);
	ssize_t ret;
	char *buf;
	int i, len = 0;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(event_names); i++) {
		if (!event_names[i])
			continue;
		len += scnprintf(buf + len, size - len, "%s %ld\n",
				 event_names[i],
				 atomic_long_read(&event_counts[i]));
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, len);
	kfree(buf);
	return ret;
}

/* pin */
static void unpin_all(void)
{
	struct pinned_page *pp, *tmp;

	list_for_each_entry_safe(pp, tmp, &pinned_pages, list) {
		list_del(&pp->list);
		free_contig_range(pp->pfn, 1);
		kfree(pp);
	}
	nr_pinned = 0;
}

static ssize_t pin_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char *buf = depop_get_input(ubuf, count);
	struct pinned_page *pp;
	long long val;
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = kstrtoll(strim(buf), 0, &val);
	kfree(buf);
	if (ret)
		return ret;

	mutex_lock(&depop_lock);
	if (val == -1) {
		unpin_all();
		goto out;
	}
	if (val < 0 || !pfn_valid(val)) {
		ret = -EINVAL;
		goto out;
	}

	pp = kzalloc(sizeof(*pp), GFP_KERNEL);
	if (!pp) {
		ret = -ENOMEM;
		goto out;
	}
	pp->pfn = val;
	ret = alloc_contig_range(pp->pfn, pp->pfn + 1, MIGRATE_MOVABLE,
				 GFP_KERNEL | __GFP_NOWARN);
	if (ret) {
		kfree(pp);
		goto out;
	}
	list_add(&pp->list, &pinned_pages);
	nr_pinned++;
out:
	mutex_unlock(&depop_lock);
	return ret ? ret : count;
}

static ssize_t pin_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	return print_long(ubuf, count, ppos, READ_ONCE(nr_pinned));
}

/* vaddr_valid, memremap, ioremap: a physical address to check */
static ssize_t check_addr_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char *buf = depop_get_input(ubuf, count);
	u64 addr;
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = kstrtou64(strim(buf), 0, &addr);
	kfree(buf);
	if (ret)
		return ret;

	mutex_lock(&depop_lock);
	check_addr = addr & PAGE_MASK;
	mutex_unlock(&depop_lock);
	return count;
}

static long check_vaddr_valid(phys_addr_t addr)
{
	return virt_addr_valid(phys_to_virt(addr));
}

static long check_memremap(phys_addr_t addr)
{
	void *p = memremap(addr, PAGE_SIZE, MEMREMAP_WB);
	u64 val;
	long ret;

	if (!p)
		return -ENOMEM;
	if (p == phys_to_virt(addr))
		ret = 0;
	else if (copy_from_kernel_nofault(&val, p, sizeof(val)) ||
		 copy_from_kernel_nofault(&val, p + PAGE_SIZE - sizeof(val),
					  sizeof(val)))
		ret = -EFAULT;
	else
		ret = 1;
	memunmap(p);
	return ret;
}

static long check_ioremap(phys_addr_t addr)
{
	void __iomem *p = ioremap(addr, PAGE_SIZE);

	if (!p)
		return -ENOMEM;
	(void)readq(p);
	iounmap(p);
	return 0;
}

#ifdef CONFIG_X86
/*
 * set_memory_uc() and then set_memory_wb() on the page: CPA splits a large
 * page of the direct map that maps it, in a PMD table that a depopulated
 * neighbour's parked entries belong in; on a depopulated page it finds no
 * mapping.
 */
static long check_cpa(phys_addr_t addr)
{
	unsigned long va = (unsigned long)phys_to_virt(addr);
	int ret;

	ret = set_memory_uc(va, 1);
	if (ret)
		return ret;
	return set_memory_wb(va, 1);
}
#else
static long check_cpa(phys_addr_t addr)
{
	return -EOPNOTSUPP;
}
#endif

static ssize_t check_addr_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	long (*check)(phys_addr_t addr) = file->private_data;
	long ret = -EINVAL;

	if (*ppos)
		return 0;
	mutex_lock(&depop_lock);
	if (check_addr != (phys_addr_t)-1)
		ret = check(check_addr);
	mutex_unlock(&depop_lock);
	return print_long(ubuf, count, ppos, ret);
}

/* cache_maint */
static ssize_t cache_maint_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	bool val;
	int ret;

	if (!HAVE_GOING_DEPOPULATE)
		return -EOPNOTSUPP;
	ret = kstrtobool_from_user(ubuf, count, &val);
	if (ret)
		return ret;
	WRITE_ONCE(cache_maint, val);
	return count;
}

static ssize_t cache_maint_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	return print_long(ubuf, count, ppos,
			  atomic_long_read(&cache_maint_done));
}

/*
 * Free memory in kB, exactly: the zones' NR_FREE_PAGES with the per-CPU
 * counter deltas folded in, plus the pages sitting on the per-CPU free
 * lists, which MemFree does not count and which come and go with every
 * allocation. Racy only against concurrent allocations.
 */
static ssize_t free_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	unsigned long pages = 0;
	struct zone *zone;
	int nid, zid, cpu;

	if (*ppos)
		return 0;
	for_each_online_node(nid) {
		for (zid = 0; zid < MAX_NR_ZONES; zid++) {
			zone = &NODE_DATA(nid)->node_zones[zid];
			if (!populated_zone(zone))
				continue;
			pages += zone_page_state_snapshot(zone, NR_FREE_PAGES);
			for_each_online_cpu(cpu)
				pages += READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset,
							       cpu)->count);
		}
	}
	return print_long(ubuf, count, ppos, pages << (PAGE_SHIFT - 10));
}

/*
 * tables: the PTE tables of the linear map of a physical range. Only
 * last-level tables are looked at: a block's PMD table maps 1 GiB and is
 * shared with its neighbours.
 */
struct pte_table {
	unsigned long pfn;	/* of the table page */
	unsigned long addr;	/* first linear address it maps */
};

static u64 tables_start, tables_size;
static struct pte_table *tables;
static unsigned long tables_nr;

#ifdef CONFIG_ARM64
/*
 * init_mm is not exported to modules. Kernel addresses are translated
 * through TTBR1_EL1, which holds swapper_pg_dir while the kernel runs (the
 * trampoline tables of KPTI are only installed on the way to EL0).
 */
static pgd_t *kernel_pgd_offset(unsigned long addr)
{
	u64 ttbr = read_sysreg(ttbr1_el1) & ~(TTBR_ASID_MASK | TTBR_CNP_BIT);

	return (pgd_t *)__va(ttbr) + pgd_index(addr);
}
#elif defined(CONFIG_X86_64)
/*
 * init_mm is not exported to modules. In the kernel, CR3 holds the kernel
 * page tables (with PTI, the user copy is only loaded on the way out).
 */
static pgd_t *kernel_pgd_offset(unsigned long addr)
{
	return (pgd_t *)__va(read_cr3_pa()) + pgd_index(addr);
}
#else
/* Not done for other architectures yet: writing tables fails. */
static pgd_t *kernel_pgd_offset(unsigned long addr)
{
	return NULL;
}
#endif

/*
 * Walk the linear map of [start, start + size) and call fn() for each PTE
 * table. Racy only against a concurrent change of the mapping of that
 * range, which the tests do not make.
 */
static void walk_pte_tables(u64 start, u64 size,
			    void (*fn)(struct pte_table *t, void *arg),
			    void *arg)
{
	unsigned long addr = (unsigned long)phys_to_virt(start);
	unsigned long end = addr + size;
	struct pte_table t;
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp;
	pmd_t *pmdp;
	pud_t pud;
	pmd_t pmd;

	while (addr < end) {
		pgdp = kernel_pgd_offset(addr);
		if (!pgdp)
			return;
		p4dp = p4d_offset(pgdp, addr);
		if (p4d_none(READ_ONCE(*p4dp))) {
			addr = p4d_addr_end(addr, end);
			continue;
		}
		pudp = pud_offset(p4dp, addr);
		pud = READ_ONCE(*pudp);
		if (pud_none(pud) || pud_leaf(pud)) {
			addr = pud_addr_end(addr, end);
			continue;
		}
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);
		if (!pmd_none(pmd) && pmd_present(pmd) && !pmd_leaf(pmd)) {
			t.pfn = page_to_pfn(pmd_page(pmd));
			t.addr = addr & PMD_MASK;
			fn(&t, arg);
		}
		addr = pmd_addr_end(addr, end);
		cond_resched();
	}
}

static unsigned long tables_max(u64 size)
{
	return (size >> PMD_SHIFT) + 2;
}

static void tables_record(struct pte_table *t, void *arg)
{
	if (tables_nr < tables_max(tables_size))
		tables[tables_nr++] = *t;
}

struct tables_count {
	unsigned long now;
	unsigned long same;
};

static void tables_compare(struct pte_table *t, void *arg)
{
	struct tables_count *c = arg;
	unsigned long i;

	c->now++;
	for (i = 0; i < tables_nr; i++) {
		if (tables[i].pfn == t->pfn && tables[i].addr == t->addr) {
			c->same++;
			break;
		}
	}
}

/*
 * Whether a recorded table still holds what it held when it was recorded:
 * entry i gives the physical address of t->addr + i pages. Valid or not:
 * debug_pagealloc clears only the valid bit of a free page. The page must
 * still be allocated: a freed page has no reference (its content may
 * survive until it is reused), and a reused one holds something else.
 */
static bool table_intact(const struct pte_table *t)
{
	const pte_t *ptep = pfn_to_kaddr(t->pfn);
	unsigned int i;
	pte_t pte;

	if (!page_ref_count(pfn_to_page(t->pfn)))
		return false;
	for (i = 0; i < PTRS_PER_PTE; i++) {
		if (get_kernel_nofault(pte, ptep + i))
			return false;
		if (pte_pfn(pte) != __pa(t->addr + i * PAGE_SIZE) >> PAGE_SHIFT)
			return false;
	}
	return true;
}

static ssize_t tables_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct pte_table *new;
	u64 start, size;
	int ret;

	ret = get_range(ubuf, count, &start, &size);
	if (ret)
		return ret;
	if (!size || size > SZ_1G || !PAGE_ALIGNED(start) ||
	    !PAGE_ALIGNED(size))
		return -EINVAL;
	if (!kernel_pgd_offset(0))
		return -EOPNOTSUPP;
	new = kcalloc(tables_max(size), sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	mutex_lock(&depop_lock);
	kfree(tables);
	tables = new;
	tables_start = start;
	tables_size = size;
	tables_nr = 0;
	walk_pte_tables(start, size, tables_record, NULL);
	mutex_unlock(&depop_lock);
	return count;
}

static ssize_t tables_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	struct tables_count c = { 0 };
	unsigned long i, intact = 0;
	char tmp[64];
	int len;

	if (*ppos)
		return 0;
	mutex_lock(&depop_lock);
	if (!tables) {
		mutex_unlock(&depop_lock);
		return print_long(ubuf, count, ppos, -EINVAL);
	}
	walk_pte_tables(tables_start, tables_size, tables_compare, &c);
	for (i = 0; i < tables_nr; i++)
		intact += table_intact(&tables[i]);
	mutex_unlock(&depop_lock);

	len = scnprintf(tmp, sizeof(tmp), "%lu %lu %lu\n", c.now, c.same,
			intact);
	return simple_read_from_buffer(ubuf, count, ppos, tmp, len);
}

/*
 * api_loop: a kthread that calls the exported API on one range until it is
 * stopped, for the concurrency tests. Under concurrency the calls fail
 * often and legitimately (a block was onlined meanwhile: EBUSY; it was
 * removed: EINVAL); every outcome is counted, none is reported.
 */
#define API_LOOP_ERRS	8

struct api_counts {
	unsigned long calls;
	unsigned long ok;
	unsigned long other;		/* errnos beyond API_LOOP_ERRS */
	unsigned int nr_errs;
	struct {
		int err;		/* positive errno */
		unsigned long n;
	} errs[API_LOOP_ERRS];
};

static DEFINE_MUTEX(api_loop_lock);	/* start and stop */
static DEFINE_SPINLOCK(api_counts_lock);
static struct task_struct *api_loop_task;
static u64 api_loop_start, api_loop_size;
static struct api_counts api_depop_counts, api_pop_counts;

static void api_count(struct api_counts *c, int ret)
{
	unsigned int i;

	spin_lock(&api_counts_lock);
	c->calls++;
	if (!ret) {
		c->ok++;
		goto out;
	}
	for (i = 0; i < c->nr_errs; i++) {
		if (c->errs[i].err == -ret) {
			c->errs[i].n++;
			goto out;
		}
	}
	if (c->nr_errs < API_LOOP_ERRS) {
		c->errs[c->nr_errs].err = -ret;
		c->errs[c->nr_errs].n = 1;
		c->nr_errs++;
	} else {
		c->other++;
	}
out:
	spin_unlock(&api_counts_lock);
}

static void api_loop_sleep(void)
{
	unsigned int us = 1000 + get_random_u32_below(4000);

	usleep_range(us, us + 100);
}

static int api_loop_fn(void *arg)
{
	int ret;

	while (!kthread_should_stop()) {
		ret = depopulate_range_driver_managed(api_loop_start,
						      api_loop_size);
		api_count(&api_depop_counts, ret);
		api_loop_sleep();
		if (kthread_should_stop())
			break;
		ret = populate_range_driver_managed(api_loop_start,
						    api_loop_size);
		api_count(&api_pop_counts, ret);
		api_loop_sleep();
	}
	return 0;
}

/* Stop the loop if it runs; returns -ESRCH if it does not. */
static int api_loop_stop(void)
{
	int ret = -ESRCH;

	mutex_lock(&api_loop_lock);
	if (api_loop_task) {
		kthread_stop(api_loop_task);
		put_task_struct(api_loop_task);
		api_loop_task = NULL;
		ret = 0;
	}
	mutex_unlock(&api_loop_lock);
	return ret;
}

static int api_loop_begin(u64 start, u64 size)
{
	struct task_struct *t;
	int ret = 0;

	if (!size)
		return -EINVAL;
	mutex_lock(&api_loop_lock);
	if (api_loop_task) {
		ret = -EBUSY;
		goto out;
	}
	spin_lock(&api_counts_lock);
	memset(&api_depop_counts, 0, sizeof(api_depop_counts));
	memset(&api_pop_counts, 0, sizeof(api_pop_counts));
	spin_unlock(&api_counts_lock);
	api_loop_start = start;
	api_loop_size = size;
	t = kthread_create(api_loop_fn, NULL, "depop_api_loop");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out;
	}
	/* Keep it for kthread_stop(), even if it ever exits on its own. */
	get_task_struct(t);
	api_loop_task = t;
	wake_up_process(t);
out:
	mutex_unlock(&api_loop_lock);
	return ret;
}

static ssize_t api_loop_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char *buf = depop_get_input(ubuf, count);
	u64 start, size;
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (sysfs_streq(buf, "stop"))
		ret = api_loop_stop();
	else
		ret = parse_range(buf, &start, &size) ?:
		      api_loop_begin(start, size);
	kfree(buf);
	return ret ? ret : count;
}

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return NULL;
	}
}

/* " ok N EBUSY N ..." of one set of counts, appended at @buf + @len. */
static int api_counts_print(char *buf, int len, size_t size,
			    const struct api_counts *c)
{
	const char *name;
	unsigned int i;

	len += scnprintf(buf + len, size - len, " ok %lu", c->ok);
	for (i = 0; i < c->nr_errs; i++) {
		name = errno_name(c->errs[i].err);
		if (name)
			len += scnprintf(buf + len, size - len, " %s %lu",
					 name, c->errs[i].n);
		else
			len += scnprintf(buf + len, size - len, " E%d %lu",
					 c->errs[i].err, c->errs[i].n);
	}
	if (c->other)
		len += scnprintf(buf + len, size - len, " other %lu",
				 c->other);
	return len;
}

static ssize_t api_loop_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct api_counts d, p, sum;
	unsigned int i, j;
	char buf[512];
	int len;

	if (*ppos)
		return 0;
	spin_lock(&api_counts_lock);
	d = api_depop_counts;
	p = api_pop_counts;
	spin_unlock(&api_counts_lock);

	/* Both calls together: the errnos of populate added to depopulate's. */
	sum = d;
	sum.calls += p.calls;
	sum.ok += p.ok;
	sum.other += p.other;
	for (i = 0; i < p.nr_errs; i++) {
		for (j = 0; j < sum.nr_errs; j++) {
			if (sum.errs[j].err == p.errs[i].err)
				break;
		}
		if (j == sum.nr_errs && j == API_LOOP_ERRS) {
			sum.other += p.errs[i].n;
			continue;
		}
		if (j == sum.nr_errs) {
			sum.errs[j].err = p.errs[i].err;
			sum.errs[j].n = 0;
			sum.nr_errs++;
		}
		sum.errs[j].n += p.errs[i].n;
	}

	len = scnprintf(buf, sizeof(buf), "calls %lu", sum.calls);
	len = api_counts_print(buf, len, sizeof(buf), &sum);
	len += scnprintf(buf + len, sizeof(buf) - len, "\ndepopulate %lu",
			 d.calls);
	len = api_counts_print(buf, len, sizeof(buf), &d);
	len += scnprintf(buf + len, sizeof(buf) - len, "\npopulate %lu",
			 p.calls);
	len = api_counts_print(buf, len, sizeof(buf), &p);
	len += scnprintf(buf + len, sizeof(buf) - len, "\n");
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

#define DEPOP_FOPS(_name, _write, _read)			\
static const struct file_operations _name##_fops = {		\
	.owner = THIS_MODULE,					\
	.open = simple_open,					\
	.write = _write,					\
	.read = _read,						\
	.llseek = default_llseek,				\
}

DEPOP_FOPS(probe, probe_write, probe_read);
DEPOP_FOPS(pattern, pattern_write, pattern_read);
DEPOP_FOPS(range_op, range_op_write, range_op_read);
DEPOP_FOPS(veto, veto_write, veto_read);
DEPOP_FOPS(events, events_write, events_read);
DEPOP_FOPS(pin, pin_write, pin_read);
DEPOP_FOPS(check_addr, check_addr_write, check_addr_read);
DEPOP_FOPS(cache_maint, cache_maint_write, cache_maint_read);
DEPOP_FOPS(free, NULL, free_read);
DEPOP_FOPS(tables, tables_write, tables_read);
DEPOP_FOPS(api_loop, api_loop_write, api_loop_read);

static int __init depop_test_init(void)
{
	int ret;

	ret = register_memory_notifier(&depop_nb);
	if (ret)
		return ret;

	depop_dir = debugfs_create_dir("depop_test", NULL);
	debugfs_create_file("probe", 0600, depop_dir, NULL, &probe_fops);
	debugfs_create_file("pattern", 0600, depop_dir, NULL, &pattern_fops);
	debugfs_create_file("depopulate", 0600, depop_dir,
			    (void *)OP_DEPOPULATE, &range_op_fops);
	debugfs_create_file("populate", 0600, depop_dir,
			    (void *)OP_POPULATE, &range_op_fops);
	debugfs_create_file("add_mom", 0600, depop_dir,
			    (void *)OP_ADD_MOM, &range_op_fops);
	debugfs_create_file("remove", 0600, depop_dir,
			    (void *)OP_REMOVE, &range_op_fops);
	debugfs_create_file("veto", 0600, depop_dir, &veto_errno, &veto_fops);
	debugfs_create_file("veto_online", 0600, depop_dir,
			    &veto_online_errno, &veto_fops);
	debugfs_create_file("veto_kernel", 0600, depop_dir,
			    &veto_kernel_errno, &veto_fops);
	debugfs_create_file("events", 0600, depop_dir, NULL, &events_fops);
	debugfs_create_file("pin", 0600, depop_dir, NULL, &pin_fops);
	debugfs_create_file("vaddr_valid", 0600, depop_dir, check_vaddr_valid,
			    &check_addr_fops);
	debugfs_create_file("memremap", 0600, depop_dir, check_memremap,
			    &check_addr_fops);
	debugfs_create_file("ioremap", 0600, depop_dir, check_ioremap,
			    &check_addr_fops);
	debugfs_create_file("cpa", 0600, depop_dir, check_cpa,
			    &check_addr_fops);
	debugfs_create_file("cache_maint", 0600, depop_dir, NULL,
			    &cache_maint_fops);
	debugfs_create_atomic_t("veto_skip", 0600, depop_dir, &veto_skip);
	debugfs_create_file("free_kb", 0400, depop_dir, NULL, &free_fops);
	debugfs_create_file("tables", 0600, depop_dir, NULL, &tables_fops);
	debugfs_create_file("api_loop", 0600, depop_dir, NULL, &api_loop_fops);
	return 0;
}

static void __exit depop_test_exit(void)
{
	debugfs_remove_recursive(depop_dir);
	api_loop_stop();
	unregister_memory_notifier(&depop_nb);
	mutex_lock(&depop_lock);
	unpin_all();
	kfree(tables);
	mutex_unlock(&depop_lock);
}

module_init(depop_test_init);
module_exit(depop_test_exit);

MODULE_DESCRIPTION("Test helper for offline_depopulated memory blocks");
MODULE_LICENSE("GPL");
