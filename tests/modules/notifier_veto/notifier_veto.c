// SPDX-License-Identifier: GPL-2.0
/*
 * notifier_veto - a memory notifier that vetoes one event on request
 *
 * /sys/kernel/debug/notifier_veto/veto
 *	Write "EVENT ERRNO": from now on the notifier answers the memory
 *	notifier event EVENT (its name, e.g. MEM_GOING_OFFLINE, or its
 *	number) with notifier_from_errno(-ERRNO). Write "off" to stop.
 *	Reading prints "EVENT ERRNO HITS", HITS counting the vetoes given
 *	since the last write, or "off HITS".
 *
 * Only some events can be vetoed; the notifier's answer to the others is
 * ignored by the kernel, which the tests check as well.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static const char * const event_names[] = {
	[MEM_ONLINE]		= "MEM_ONLINE",
	[MEM_GOING_OFFLINE]	= "MEM_GOING_OFFLINE",
	[MEM_OFFLINE]		= "MEM_OFFLINE",
	[MEM_GOING_ONLINE]	= "MEM_GOING_ONLINE",
	[MEM_CANCEL_ONLINE]	= "MEM_CANCEL_ONLINE",
	[MEM_CANCEL_OFFLINE]	= "MEM_CANCEL_OFFLINE",
	[MEM_PREPARE_ONLINE]	= "MEM_PREPARE_ONLINE",
	[MEM_FINISH_OFFLINE]	= "MEM_FINISH_OFFLINE",
	[MEM_GOING_DEPOPULATE]	= "MEM_GOING_DEPOPULATE",
	[MEM_DEPOPULATED]	= "MEM_DEPOPULATED",
	[MEM_PREPARE_POPULATE]	= "MEM_PREPARE_POPULATE",
	[MEM_CANCEL_POPULATE]	= "MEM_CANCEL_POPULATE",
};

/* The event to veto (-1: none) and the errno, set together under the lock. */
static DEFINE_MUTEX(veto_lock);
static int veto_event = -1;
static int veto_errno;
static atomic_t veto_hits;

static int veto_cb(struct notifier_block *nb, unsigned long action,
		   void *data)
{
	int event = READ_ONCE(veto_event);

	if (event < 0 || action != event)
		return NOTIFY_OK;
	atomic_inc(&veto_hits);
	return notifier_from_errno(-READ_ONCE(veto_errno));
}

static struct notifier_block veto_nb = {
	.notifier_call = veto_cb,
};

static int parse_event(const char *word)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(event_names); i++) {
		if (event_names[i] && !strcmp(word, event_names[i]))
			return i;
	}
	if (!kstrtoint(word, 0, &i) && i >= 0 && i < ARRAY_SIZE(event_names))
		return i;
	return -EINVAL;
}

static ssize_t veto_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char buf[64], word[32];
	int event, err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);

	if (!strcmp(buf, "off")) {
		event = -1;
		err = 0;
	} else {
		if (sscanf(buf, "%31s %d", word, &err) != 2 || err <= 0 ||
		    err > MAX_ERRNO)
			return -EINVAL;
		event = parse_event(word);
		if (event < 0)
			return event;
	}
	mutex_lock(&veto_lock);
	WRITE_ONCE(veto_event, -1);
	WRITE_ONCE(veto_errno, err);
	atomic_set(&veto_hits, 0);
	WRITE_ONCE(veto_event, event);
	mutex_unlock(&veto_lock);
	return count;
}

static ssize_t veto_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	char buf[64];
	int event, len;

	mutex_lock(&veto_lock);
	event = veto_event;
	if (event < 0)
		len = scnprintf(buf, sizeof(buf), "off %d\n",
				atomic_read(&veto_hits));
	else
		len = scnprintf(buf, sizeof(buf), "%s %d %d\n",
				event_names[event] ?: "?", veto_errno,
				atomic_read(&veto_hits));
	mutex_unlock(&veto_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations veto_fops = {
	.owner	= THIS_MODULE,
	.write	= veto_write,
	.read	= veto_read,
	.llseek	= default_llseek,
};

static struct dentry *veto_dir;

static int __init notifier_veto_init(void)
{
	int ret;

	ret = register_memory_notifier(&veto_nb);
	if (ret)
		return ret;
	veto_dir = debugfs_create_dir("notifier_veto", NULL);
	debugfs_create_file("veto", 0600, veto_dir, NULL, &veto_fops);
	return 0;
}
module_init(notifier_veto_init);

static void __exit notifier_veto_exit(void)
{
	debugfs_remove_recursive(veto_dir);
	unregister_memory_notifier(&veto_nb);
}
module_exit(notifier_veto_exit);

MODULE_DESCRIPTION("Memory notifier that vetoes one event on request, for tests");
MODULE_LICENSE("GPL");
