/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memctl - list and change the state of Linux memory blocks
 */
#ifndef MEMCTL_H
#define MEMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes (documented in memctl.8 and README.md) */
#define EXIT_OK		0	/* everything done */
#define EXIT_PARTIAL	1	/* some blocks failed */
#define EXIT_USAGE	2	/* usage or input error, nothing changed */
#define EXIT_ENV	3	/* environment error, nothing changed */

enum mstate {
	MS_UNKNOWN = 0,
	MS_ONLINE,
	MS_OFFLINE,
	MS_GOING_OFFLINE,
	MS_DEPOPULATED,
	MS_NR
};

enum tristate {
	TS_UNKNOWN = -1,
	TS_NO = 0,
	TS_YES = 1,
};

struct mblock {
	unsigned long index;		/* phys_index == N of memoryN */
	uint64_t start;			/* index * block size */
	enum mstate state;
	int node;			/* -1 if unknown */
	char *zones;			/* valid_zones, NULL if absent */
	char *owner;			/* /proc/iomem name, NULL if unknown */
	enum tristate removable;
	bool depop;			/* depopulatable == 1 */
	bool selected;			/* picked by the target selection */
};

struct memtree {
	char *sysfs_dir;		/* <root>/sys/devices/system/memory */
	char *iomem_path;		/* <root>/proc/iomem */
	uint64_t block_size;
	struct mblock *blocks;		/* sorted by index */
	size_t nr_blocks;
	bool iomem_ok;			/* owners could be computed */
	const char *iomem_err;		/* why not, if !iomem_ok */
};

/* util.c */
extern const char *progname;
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t sz);
void *xrealloc(void *p, size_t sz);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int read_attr(const char *path, char *buf, size_t len);
int parse_u64(const char *s, int base, uint64_t *val);
int parse_size(const char *s, uint64_t *val);
char *size_to_human(uint64_t bytes);
void sanitize(char *s);

/* sysfs.c */
const char *state_name(enum mstate s);
enum mstate state_parse(const char *s);
int memtree_load(struct memtree *t, const char *root);
int memtree_load_one(struct memtree *t, const char *root, const char *name);
void memtree_free(struct memtree *t);
struct mblock *memtree_find(struct memtree *t, unsigned long index);
int mblock_read_state(struct memtree *t, struct mblock *b);
char *mblock_attr_path(struct memtree *t, struct mblock *b,
		       const char *attr);

/* output.c */
struct json {
	int depth;
	bool need_comma;
};

void json_begin(struct json *j, const char *key, char c);
void json_end(struct json *j, char c);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_int(struct json *j, const char *key, long long val);
void json_double(struct json *j, const char *key, double val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);

struct list_opts {
	const char *columns;		/* -o list or NULL for default */
	const char *split;		/* --split list or NULL */
	bool all;
	bool bytes;
	bool json;
	bool raw;
	bool noheadings;
	int summary;			/* SUMMARY_* */
};

enum { SUMMARY_DEFAULT, SUMMARY_NEVER, SUMMARY_ALWAYS, SUMMARY_ONLY };

int list_blocks(struct memtree *t, const struct list_opts *o, bool filtered);
int region_main(int argc, char **argv);

/* udev.c */
bool valid_owner_char(char c);
int udev_env(const char *root, const char *config, const char *block);
void list_columns_help(void);

#endif /* MEMCTL_H */
