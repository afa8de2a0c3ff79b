/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memctl - list and change the state of Linux memory blocks
 */
#ifndef MEMCTL_H
#define MEMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes (documented in memctl.8 and README.md) */
#define EXIT_OK		0	/* everything done */
#define EXIT_FAIL	1	/* failed: nothing of what was asked done */
#define EXIT_USAGE	2	/* usage or input error, nothing changed */
#define EXIT_ENV	3	/* environment error, nothing changed */
#define EXIT_SOMEOK	64	/* partial success, as chmem's */

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
	char *owner;			/* owner_of() its resource, or the
					 * resource's name; NULL if unknown */
	char *resource;			/* /proc/iomem name, NULL if unknown */
	bool managed;			/* driver-managed ("System RAM (...)") */
	enum tristate removable;
	bool depop;			/* depopulatable == 1 */
	bool selected;			/* picked by the target selection */
	bool by_size;			/* ... by a SIZE target */
	bool tried;			/* its change was attempted */
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
extern bool memctl_changed;
void memctl_init(void);
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t sz);
void *xrealloc(void *p, size_t sz);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int read_attr(const char *path, char *buf, size_t len);
struct timespec;
double ms_since(const struct timespec *t0);
int write_word(const char *path, const char *word, double *ms);
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
char *owner_of(const char *ram, const char *dax);
bool is_dax_name(const char *s);
int mblock_read_state(struct memtree *t, struct mblock *b);
char *mblock_attr_path(struct memtree *t, struct mblock *b,
		       const char *attr);

/* output.c */
struct out_opts {
	bool json;
	bool raw;
	bool pairs;			/* -P: KEY="value" pairs */
	bool noheadings;
};

struct libscols_table;
struct libscols_column;
struct libscols_line;

struct libscols_table *out_table_new(const char *name,
				     const struct out_opts *o);
struct libscols_column *out_column(struct libscols_table *tb,
				   const char *name, int flags, int json_type);
struct libscols_line *out_line(struct libscols_table *tb);
void out_cell(struct libscols_line *ln, size_t col, const char *val);
void out_cellf(struct libscols_line *ln, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void out_json_str(FILE *f, const char *s);
int out_table_print(struct libscols_table *tb,
		    void (*extra)(FILE *f, void *arg), void *arg);

struct list_opts {
	struct out_opts out;
	const char *columns;		/* -o list or NULL for default */
	const char *split;		/* --split list or NULL */
	bool all_columns;		/* --output-all */
	bool all;
	bool bytes;
	int summary;			/* SUMMARY_* */
};

enum { SUMMARY_DEFAULT, SUMMARY_NEVER, SUMMARY_ALWAYS, SUMMARY_ONLY };

int list_blocks(struct memtree *t, const struct list_opts *o, bool filtered);

/* region.c */
struct region_args {
	const char *root;		/* --sysfs-root, "/" by default */
	struct out_opts out;
	const char *online_type;
	bool dry_run;
};

int region_run(const struct region_args *o, char **args, int nargs);

/* udev.c */
bool valid_owner_char(char c);
int udev_env(const char *root, const char *config, const char *block);
void list_columns_help(void);

#endif /* MEMCTL_H */
