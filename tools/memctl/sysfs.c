// SPDX-License-Identifier: GPL-2.0
/*
 * memctl - read the memory block tree from sysfs and owners from /proc/iomem
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memctl.h"

#define MEMORY_DIR	"sys/devices/system/memory"
#define IOMEM_FILE	"proc/iomem"
#define ATTR_LEN	256

static const char *const state_names[MS_NR] = {
	[MS_UNKNOWN]		= "unknown",
	[MS_ONLINE]		= "online",
	[MS_OFFLINE]		= "offline",
	[MS_GOING_OFFLINE]	= "going-offline",
	[MS_DEPOPULATED]	= "offline_depopulated",
};

const char *state_name(enum mstate s)
{
	if (s < 0 || s >= MS_NR)
		s = MS_UNKNOWN;
	return state_names[s];
}

enum mstate state_parse(const char *s)
{
	int i;

	for (i = MS_UNKNOWN + 1; i < MS_NR; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return MS_UNKNOWN;
}

char *mblock_attr_path(struct memtree *t, struct mblock *b, const char *attr)
{
	return xasprintf("%s/memory%lu/%s", t->sysfs_dir, b->index, attr);
}

/* Read one attribute of a block: 0, or -errno. */
static int block_attr(struct memtree *t, struct mblock *b, const char *attr,
		      char *buf, size_t len)
{
	char *path = mblock_attr_path(t, b, attr);
	int ret = read_attr(path, buf, len);

	free(path);
	return ret;
}

int mblock_read_state(struct memtree *t, struct mblock *b)
{
	char buf[ATTR_LEN];
	int ret;

	ret = block_attr(t, b, "state", buf, sizeof(buf));
	if (ret) {
		b->state = MS_UNKNOWN;
		return ret;
	}
	b->state = state_parse(buf);
	return b->state == MS_UNKNOWN ? -EINVAL : 0;
}

static int block_node(struct memtree *t, struct mblock *b)
{
	char *path = xasprintf("%s/memory%lu", t->sysfs_dir, b->index);
	struct dirent *de;
	int node = -1;
	DIR *d;

	d = opendir(path);
	free(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		const char *p = de->d_name + 4;
		uint64_t v;

		if (strncmp(de->d_name, "node", 4) ||
		    !isdigit((unsigned char)*p))
			continue;
		if (parse_u64(p, 10, &v) || v > 65535)
			continue;
		node = (int)v;
		break;
	}
	closedir(d);
	return node;
}

/* "memory123" -> 123; leading zeros are not something the kernel writes */
static int parse_block_name(const char *name, unsigned long *index)
{
	const char *p = name + 6;
	uint64_t v;

	if (strncmp(name, "memory", 6) || !isdigit((unsigned char)*p))
		return -1;
	if (p[0] == '0' && p[1])
		return -1;
	if (parse_u64(p, 10, &v) || v > ULONG_MAX)
		return -1;
	*index = (unsigned long)v;
	return 0;
}

/*
 * valid_zones as lsmem spells it: the zones in the kernel's zone order,
 * joined by '/' ("Movable Normal" -> "Normal/Movable"); names lsmem does
 * not know keep the kernel's order, after the known ones.
 */
static char *zones_lsmem(const char *kernel)
{
	static const char *const order[] = {
		"DMA", "DMA32", "Normal", "HighMem", "Movable", "Device",
	};
	char *copy = xstrdup(kernel), *out = xstrdup(""), *tok, *save, *n;
	size_t i;

	for (i = 0; i <= ARRAY_SIZE(order); i++) {
		memcpy(copy, kernel, strlen(kernel) + 1);
		for (tok = strtok_r(copy, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			size_t k;

			for (k = 0; k < ARRAY_SIZE(order); k++)
				if (!strcmp(tok, order[k]))
					break;
			if (k != i)
				continue;
			n = xasprintf("%s%s%s", out, *out ? "/" : "", tok);
			free(out);
			out = n;
		}
	}
	free(copy);
	return out;
}

static int load_block(struct memtree *t, struct mblock *b)
{
	char buf[ATTR_LEN];
	uint64_t v;
	int ret;

	b->start = (uint64_t)b->index * t->block_size;

	ret = block_attr(t, b, "phys_index", buf, sizeof(buf));
	if (ret && ret != -ENOENT) {
		warnx_("memory%lu: phys_index: %s; ignoring block",
		       b->index, strerror(-ret));
		return -1;
	}
	if (!ret && (parse_u64(buf, 16, &v) || v != b->index)) {
		sanitize(buf);
		warnx_("memory%lu: bad phys_index '%s'; ignoring block",
		       b->index, buf);
		return -1;
	}

	ret = mblock_read_state(t, b);
	if (ret == -EINVAL) {
		block_attr(t, b, "state", buf, sizeof(buf));
		sanitize(buf);
		warnx_("memory%lu: unknown state '%s'", b->index, buf);
	} else if (ret) {
		warnx_("memory%lu: state: %s", b->index, strerror(-ret));
	}

	b->node = block_node(t, b);

	if (!block_attr(t, b, "valid_zones", buf, sizeof(buf)))
		b->zones = zones_lsmem(buf);

	b->removable = TS_UNKNOWN;
	if (!block_attr(t, b, "removable", buf, sizeof(buf)))
		b->removable = strcmp(buf, "0") ? TS_YES : TS_NO;

	/* absent on kernels without the feature: not eligible */
	b->depop = !block_attr(t, b, "depopulatable", buf, sizeof(buf)) &&
		   !strcmp(buf, "1");
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	const struct mblock *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

struct iores {
	uint64_t start, end;
	int depth;
	char *name;
};

static bool is_sysram(const char *name)
{
	return !strncmp(name, "System RAM", 10);
}

static uint64_t overlap(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	uint64_t s = s1 > s2 ? s1 : s2;
	uint64_t e = e1 < e2 ? e1 : e2;

	return s <= e ? e - s + 1 : 0;
}

/* "dax0.0": the name the kernel gives a dax device */
bool is_dax_name(const char *s)
{
	if (strncmp(s, "dax", 3) || !isdigit((unsigned char)s[3]))
		return false;
	s += 3 + strspn(s + 3, "0123456789");
	if (*s++ != '.' || !isdigit((unsigned char)*s))
		return false;
	return !s[strspn(s, "0123456789")];
}

/*
 * The owner of memory that a driver added as "System RAM (DRIVER[ NAME])":
 * "DRIVER[:NAME]"; for dax/kmem, whose resource nests below the dax
 * device's, "kmem:daxX.Y". NULL for other memory.
 */
char *owner_of(const char *ram, const char *dax)
{
	static const char pfx[] = "System RAM (";
	size_t len;
	char *id, *p;

	if (!ram || strncmp(ram, pfx, sizeof(pfx) - 1))
		return NULL;
	ram += sizeof(pfx) - 1;
	len = strlen(ram);
	if (len < 2 || ram[len - 1] != ')')
		return NULL;
	if (dax && !strcmp(ram, "kmem)"))
		return xasprintf("kmem:%s", dax);
	id = xstrdup(ram);
	id[len - 1] = '\0';
	p = strchr(id, ' ');
	if (p)
		*p = ':';
	for (p = id; *p; p++)
		if (!valid_owner_char(*p))
			*p = '_';
	return id;
}

/*
 * The resource of a block is the "System RAM..." resource (at any depth:
 * dax/kmem ranges nest below their device) with the largest overlap;
 * failing that, the top-level resource with the largest overlap. Its owner
 * follows from it (owner_of()).
 */
static void assign_owners(struct memtree *t, struct iores *res, size_t nr)
{
	size_t i, j;

	for (i = 0; i < t->nr_blocks; i++) {
		struct mblock *b = &t->blocks[i];
		uint64_t end = b->start + t->block_size - 1;
		uint64_t best_ram = 0, best_top = 0, ov;
		const char *ram = NULL, *top = NULL, *dax = NULL;

		for (j = 0; j < nr; j++) {
			ov = overlap(b->start, end, res[j].start, res[j].end);
			if (!ov)
				continue;
			if (is_sysram(res[j].name) && ov > best_ram) {
				size_t k = j;
				int depth = res[j].depth;

				best_ram = ov;
				ram = res[j].name;
				/* the dax device it nests in, if any */
				dax = NULL;
				while (k-- > 0 && depth > 0) {
					if (res[k].depth >= depth)
						continue;
					depth = res[k].depth;
					if (is_dax_name(res[k].name)) {
						dax = res[k].name;
						break;
					}
				}
			}
			if (res[j].depth == 0 && ov > best_top) {
				best_top = ov;
				top = res[j].name;
			}
		}
		if (ram)
			b->resource = xstrdup(ram);
		else if (top)
			b->resource = xstrdup(top);
		b->owner = owner_of(ram, dax);
		b->managed = b->owner;
		if (!b->owner && b->resource)
			b->owner = xstrdup(b->resource);
	}
}

static void load_iomem(struct memtree *t)
{
	struct iores *res = NULL;
	size_t nr = 0, alloc = 0, i;
	bool all_zero = true;
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	f = fopen(t->iomem_path, "re");
	if (!f) {
		t->iomem_err = "cannot read /proc/iomem";
		return;
	}
	while (getline(&line, &len, f) > 0) {
		unsigned long long s, e;
		char *p = line, *end, *name;
		int depth = 0;

		while (*p == ' ') {
			p++;
			depth++;
		}
		errno = 0;
		s = strtoull(p, &end, 16);
		if (errno || end == p || *end != '-')
			continue;
		p = end + 1;
		e = strtoull(p, &end, 16);
		if (errno || end == p || strncmp(end, " : ", 3) || e < s)
			continue;
		name = end + 3;
		name[strcspn(name, "\n")] = '\0';
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			res = xrealloc(res, alloc * sizeof(*res));
		}
		res[nr].start = s;
		res[nr].end = e;
		res[nr].depth = depth / 2;
		res[nr].name = xstrdup(name);
		if (s || e)
			all_zero = false;
		nr++;
	}
	free(line);
	fclose(f);

	if (!nr) {
		t->iomem_err = "/proc/iomem lists no resources";
	} else if (all_zero) {
		t->iomem_err = "/proc/iomem shows no addresses (not root?)";
	} else {
		assign_owners(t, res, nr);
		t->iomem_ok = true;
	}
	for (i = 0; i < nr; i++)
		free(res[i].name);
	free(res);
}

/* Set up the paths of a tree under root and read the block size. */
static int memtree_open(struct memtree *t, const char *root, DIR **dp)
{
	char buf[ATTR_LEN], *path;
	uint64_t bs;
	size_t rl;
	DIR *d;
	int ret;

	memset(t, 0, sizeof(*t));
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		rl = 0;
	t->sysfs_dir = xasprintf("%.*s/" MEMORY_DIR, (int)rl, root);
	t->iomem_path = xasprintf("%.*s/" IOMEM_FILE, (int)rl, root);

	d = opendir(t->sysfs_dir);
	if (!d) {
		warnx_("%s: %s (no memory hotplug support?)", t->sysfs_dir,
		       strerror(errno));
		return EXIT_ENV;
	}

	path = xasprintf("%s/block_size_bytes", t->sysfs_dir);
	ret = read_attr(path, buf, sizeof(buf));
	if (ret) {
		warnx_("%s: %s", path, strerror(-ret));
		goto err;
	}
	if (parse_u64(buf, 16, &bs) || !bs || (bs & (bs - 1)) ||
	    bs < 4096) {
		sanitize(buf);
		warnx_("%s: invalid block size '%s'", path, buf);
		goto err;
	}
	free(path);
	t->block_size = bs;
	*dp = d;
	return 0;
err:
	free(path);
	closedir(d);
	return EXIT_ENV;
}

/* Append block memory<idx> to the tree: 0, or -1 if it cannot be read. */
static int memtree_add(struct memtree *t, unsigned long idx, size_t *alloc)
{
	struct mblock *b;

	if ((uint64_t)idx > UINT64_MAX / t->block_size - 1) {
		warnx_("memory%lu: index out of range; ignoring block", idx);
		return -1;
	}
	if (t->nr_blocks == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 256;
		t->blocks = xrealloc(t->blocks, *alloc * sizeof(*t->blocks));
	}
	b = &t->blocks[t->nr_blocks];
	memset(b, 0, sizeof(*b));
	b->index = idx;
	if (load_block(t, b)) {
		free(b->zones);
		return -1;
	}
	t->nr_blocks++;
	return 0;
}

int memtree_load(struct memtree *t, const char *root)
{
	size_t alloc = 0;
	struct dirent *de;
	unsigned long idx;
	DIR *d;
	int ret;

	ret = memtree_open(t, root, &d);
	if (ret)
		return ret;
	while ((de = readdir(d)))
		if (!parse_block_name(de->d_name, &idx))
			memtree_add(t, idx, &alloc);
	closedir(d);
	if (t->nr_blocks)
		qsort(t->blocks, t->nr_blocks, sizeof(*t->blocks), cmp_block);
	load_iomem(t);
	return 0;
}

/*
 * A tree with the one block named "memoryN" (or "N") and its owner, without
 * reading the other blocks: udev runs this once per block, and a machine
 * may have tens of thousands of them.
 */
int memtree_load_one(struct memtree *t, const char *root, const char *name)
{
	size_t alloc = 0;
	unsigned long idx;
	char *full;
	DIR *d;
	int ret;

	full = strncmp(name, "memory", 6) ? xasprintf("memory%s", name) :
					     xstrdup(name);
	ret = parse_block_name(full, &idx);
	free(full);
	if (ret) {
		warnx_("%s: not a memory block name (memoryN or N)", name);
		memset(t, 0, sizeof(*t));
		return EXIT_USAGE;
	}
	ret = memtree_open(t, root, &d);
	if (ret)
		return ret;
	closedir(d);
	full = xasprintf("%s/memory%lu", t->sysfs_dir, idx);
	ret = access(full, F_OK);
	free(full);
	if (ret || memtree_add(t, idx, &alloc)) {
		warnx_("memory%lu: no such memory block", idx);
		return EXIT_USAGE;
	}
	load_iomem(t);
	return 0;
}

void memtree_free(struct memtree *t)
{
	size_t i;

	for (i = 0; i < t->nr_blocks; i++) {
		free(t->blocks[i].zones);
		free(t->blocks[i].owner);
		free(t->blocks[i].resource);
	}
	free(t->blocks);
	free(t->sysfs_dir);
	free(t->iomem_path);
}

struct mblock *memtree_find(struct memtree *t, unsigned long index)
{
	size_t lo = 0, hi = t->nr_blocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->blocks[mid].index == index)
			return &t->blocks[mid];
		if (t->blocks[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
