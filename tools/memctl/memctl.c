// SPDX-License-Identifier: GPL-2.0
/*
 * memctl - list and change the state of Linux memory blocks, including
 * the offline_depopulated state (offline and removed from the kernel's
 * linear map).
 *
 * Every target is resolved and validated against a snapshot of sysfs
 * before the first write, so bad input changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "memctl.h"

#ifndef MEMCTL_VERSION
#define MEMCTL_VERSION "0.1"
#endif

#define RETRY_DELAY_MS	100

enum command {
	CMD_LIST,
	CMD_ONLINE,
	CMD_OFFLINE,
	CMD_DEPOPULATE,
	CMD_POPULATE,
	CMD_UDEV_ENV,
	CMD_REGION,
};

static const char *const cmd_names[] = {
	[CMD_LIST]	 = "list",
	[CMD_ONLINE]	 = "online",
	[CMD_OFFLINE]	 = "offline",
	[CMD_DEPOPULATE] = "depopulate",
	[CMD_POPULATE]	 = "populate",
	[CMD_UDEV_ENV]	 = "udev-env",
	[CMD_REGION]	 = "withheld",
};

enum target_kind { T_INDEX, T_ADDR, T_SIZE, T_OWNER };

struct target {
	enum target_kind kind;
	const char *arg;
	uint64_t first, last;		/* block indices, or addresses */
	uint64_t size;
	const char *owner;
};

struct opts {
	enum command cmd;
	struct list_opts list;
	const char *root;
	const char *config;		/* --config (udev-env) */
	const char *online_type;	/* --online-type (withheld create) */
	const char *owner;		/* --owner filter */
	const char *online_word;	/* online, online_{kernel,movable} */
	bool dry_run;
	bool force;
	bool json;
	unsigned int retry;
	bool list_only_opt;		/* a listing option was given */
	const char *change_only_opt;	/* a change option was given */
};

/* What a change command does to one block. */
enum action {
	ACT_WRITE,		/* write a word to state */
	ACT_ALREADY,		/* nothing to do */
	ACT_BUSY,		/* transient state, fails without writing */
	ACT_UNKNOWN,		/* state unreadable */
	ACT_INELIGIBLE,		/* depopulate on a block that cannot */
};

static void usage(void)
{
	printf(
"Usage:\n"
" %1$s [list] [options] [TARGET...]\n"
" %1$s online [--movable|--kernel] [options] TARGET...\n"
" %1$s offline [options] TARGET...\n"
" %1$s depopulate [options] TARGET...\n"
" %1$s populate [options] TARGET...\n"
" %1$s withheld [list] [--json|--raw|--pairs] [--noheadings]\n"
" %1$s withheld create NAME START SIZE [--online-type TYPE] [--dry-run]\n"
" %1$s withheld delete NAME [--dry-run]\n"
" %1$s udev-env [--config FILE] memoryN   properties for udev (see memctl(8))\n"
"\n"
"List memory blocks and change their state, including offline_depopulated\n"
"(offline and removed from the kernel linear map).\n"
"\n"
"Targets:\n"
" N, N-M                    block index or index range (decimal)\n"
" 0xSTART-0xEND             physical range, block-aligned, END inclusive\n"
" 0xSTART+SIZE              physical range given by start and size\n"
" SIZE                      e.g. 512M, 1.5G: that much memory in blocks that\n"
"                           can make the transition, moving on past blocks\n"
"                           that fail (not with list)\n"
" driver:NAME               blocks of that owner: a driver (virtio_mem, kmem,\n"
"                           withheld_ram) or one instance (withheld_ram:NAME)\n"
" daxX.Y                    blocks of that dax device (dax/kmem)\n"
"\n"
"Options:\n"
" -J, --json                JSON output\n"
"     --owner NAME          only blocks of that owner (as driver:NAME)\n"
"     --sysfs-root DIR      use DIR/sys/... and DIR/proc/iomem\n"
" -h, --help                display this help\n"
" -V, --version             display version\n"
"\n"
"List options:\n"
" -a, --all                 one line per block, no merging\n"
" -b, --bytes               sizes in bytes\n"
" -n, --noheadings          no column headings\n"
" -o, --output LIST         columns to print (+LIST appends to default)\n"
"     --output-all          print every column\n"
" -P, --pairs               KEY=\"value\" pairs\n"
" -r, --raw                 raw output\n"
" -S, --split LIST          merge ranges only where these columns agree\n"
"                           (default: the displayed ones; 'none')\n"
"     --summary[=WHEN]      never, always or only (default: not in raw)\n"
"\n"
"Change options:\n"
"     --dry-run             print what would be done, write nothing\n"
"     --force               depopulate even where depopulatable is not 1\n"
"     --kernel              online to a kernel zone (online_kernel)\n"
"     --movable             online to ZONE_MOVABLE (online_movable)\n"
"     --retry N             retry a busy offline up to N times\n"
"\n"
"withheld: withheld_ram regions, RAM withheld at boot (mem=) and hot-added\n"
"through configfs; create makes, configures and enables one, delete\n"
"disables and removes it. START and SIZE are block-aligned.\n"
"     --online-type TYPE    default, offline, offline_depopulated, online,\n"
"                           online_kernel or online_movable\n"
"\n"
"udev-env options:\n"
"     --config FILE         policy file (default /etc/memctl/depopulate.conf\n"
"                           under --sysfs-root)\n"
"\n"
"Exit status: 0 done, 1 failed, 64 partial success (as chmem), 2 usage\n"
"or input error, 3 environment error (no sysfs, not permitted).  On 2 and\n"
"3 nothing was changed.\n",
		progname);
	list_columns_help();
	printf("\nSee memctl(8).\n");
}

enum {
	OPT_SUMMARY = 256,
	OPT_OWNER,
	OPT_SYSFS_ROOT,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_KERNEL,
	OPT_MOVABLE,
	OPT_RETRY,
	OPT_CONFIG,
	OPT_OUTPUT_ALL,
	OPT_ONLINE_TYPE,
};

/*
 * --sysfs-root (or MEMCTL_SYSFS_ROOT) must name a directory: an empty
 * value, as a script with an unset variable passes, must not mean the
 * real system.
 */
static int check_root(struct opts *o)
{
	struct stat st;

	if (!o->root) {
		o->root = "/";
		return 0;
	}
	if (!*o->root) {
		warnx_("--sysfs-root or MEMCTL_SYSFS_ROOT is empty; it must name a directory");
		return EXIT_USAGE;
	}
	if (stat(o->root, &st) || !S_ISDIR(st.st_mode)) {
		warnx_("--sysfs-root %s: not a directory", o->root);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o, int *first)
{
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "bytes",	no_argument,		NULL, 'b' },
		{ "json",	no_argument,		NULL, 'J' },
		{ "noheadings",	no_argument,		NULL, 'n' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "output-all",	no_argument,		NULL, OPT_OUTPUT_ALL },
		{ "pairs",	no_argument,		NULL, 'P' },
		{ "raw",	no_argument,		NULL, 'r' },
		{ "split",	required_argument,	NULL, 'S' },
		{ "summary",	optional_argument,	NULL, OPT_SUMMARY },
		{ "owner",	required_argument,	NULL, OPT_OWNER },
		{ "sysfs-root",	required_argument,	NULL, OPT_SYSFS_ROOT },
		{ "dry-run",	no_argument,		NULL, OPT_DRY_RUN },
		{ "force",	no_argument,		NULL, OPT_FORCE },
		{ "kernel",	no_argument,		NULL, OPT_KERNEL },
		{ "movable",	no_argument,		NULL, OPT_MOVABLE },
		{ "retry",	required_argument,	NULL, OPT_RETRY },
		{ "config",	required_argument,	NULL, OPT_CONFIG },
		{ "online-type", required_argument,	NULL, OPT_ONLINE_TYPE },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, ret;

	o->online_word = "online";
	o->root = getenv("MEMCTL_SYSFS_ROOT");

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":abJnPo:rS:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			o->list.all = true;
			o->list_only_opt = true;
			break;
		case 'b':
			o->list.bytes = true;
			o->list_only_opt = true;
			break;
		case 'J':
			o->json = o->list.out.json = true;
			break;
		case 'P':
			o->list.out.pairs = true;
			o->list_only_opt = true;
			break;
		case 'n':
			o->list.out.noheadings = true;
			o->list_only_opt = true;
			break;
		case OPT_OUTPUT_ALL:
			o->list.all_columns = true;
			o->list_only_opt = true;
			break;
		case 'o':
			o->list.columns = optarg;
			o->list_only_opt = true;
			break;
		case 'r':
			o->list.out.raw = true;
			o->list_only_opt = true;
			break;
		case 'S':
			o->list.split = optarg;
			o->list_only_opt = true;
			break;
		case OPT_SUMMARY:
			o->list_only_opt = true;
			if (!optarg || !strcmp(optarg, "always"))
				o->list.summary = SUMMARY_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->list.summary = SUMMARY_NEVER;
			else if (!strcmp(optarg, "only"))
				o->list.summary = SUMMARY_ONLY;
			else {
				warnx_("--summary: unknown value '%s'",
				       optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_OWNER:
			if (!*optarg) {
				warnx_("--owner: empty name");
				return EXIT_USAGE;
			}
			o->owner = optarg;
			break;
		case OPT_SYSFS_ROOT:
			o->root = optarg;
			break;
		case OPT_ONLINE_TYPE:
			o->online_type = optarg;
			break;
		case ':':
			warnx_("option '%s' requires an argument",
			       argv[optind - 1]);
			fprintf(stderr, "Try '%s --help'.\n", progname);
			return EXIT_USAGE;
		case OPT_DRY_RUN:
			o->dry_run = true;
			o->change_only_opt = "--dry-run";
			break;
		case OPT_FORCE:
			o->force = true;
			o->change_only_opt = "--force";
			break;
		case OPT_KERNEL:
		case OPT_MOVABLE:
			if (strcmp(o->online_word, "online")) {
				warnx_("--kernel and --movable exclude each other");
				return EXIT_USAGE;
			}
			o->online_word = c == OPT_KERNEL ? "online_kernel" :
							   "online_movable";
			o->change_only_opt = c == OPT_KERNEL ? "--kernel" :
							       "--movable";
			break;
		case OPT_RETRY:
			if (parse_u64(optarg, 10, &v) || v > 1000) {
				warnx_("--retry: invalid count '%s' (0-1000)",
				       optarg);
				return EXIT_USAGE;
			}
			o->retry = (unsigned int)v;
			o->change_only_opt = "--retry";
			break;
		case OPT_CONFIG:
			if (!*optarg) {
				warnx_("--config: empty file name");
				return EXIT_USAGE;
			}
			o->config = optarg;
			break;
		case 'h':
			usage();
			exit(EXIT_OK);
		case 'V':
			printf("%s %s\n", progname, MEMCTL_VERSION);
			exit(EXIT_OK);
		default:
			if (optopt && optopt < 256)
				warnx_("invalid option -- '%c'", optopt);
			else
				warnx_("unrecognized option '%s'",
				       argv[optind - 1]);
			fprintf(stderr, "Try '%s --help'.\n", progname);
			return EXIT_USAGE;
		}
	}

	ret = check_root(o);
	if (ret)
		return ret;

	*first = optind;
	o->cmd = CMD_LIST;
	if (optind < argc) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(cmd_names); i++)
			if (!strcmp(argv[optind], cmd_names[i]))
				break;
		if (i < ARRAY_SIZE(cmd_names)) {
			o->cmd = i;
			(*first)++;
		} else if (!strchr("0123456789", argv[optind][0]) &&
			   strncmp(argv[optind], "driver:", 7) &&
			   !is_dax_name(argv[optind])) {
			warnx_("unknown command '%s'", argv[optind]);
			fprintf(stderr, "Try '%s --help'.\n", progname);
			return EXIT_USAGE;
		}
	}

	if (o->cmd == CMD_REGION) {
		if (o->owner || o->force || o->retry ||
		    strcmp(o->online_word, "online") || o->config ||
		    o->list.columns || o->list.all_columns || o->list.all ||
		    o->list.bytes || o->list.split || o->list.summary) {
			warnx_("withheld takes --json, --raw, --pairs, --noheadings, --dry-run and --online-type");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (o->online_type) {
		warnx_("--online-type only applies to 'withheld create'");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_UDEV_ENV) {
		if (o->list_only_opt || o->change_only_opt || o->json ||
		    o->owner) {
			warnx_("udev-env takes no option but --config and --sysfs-root");
			return EXIT_USAGE;
		}
		if (argc - *first != 1) {
			warnx_("udev-env: give exactly one memory block (memoryN)");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (o->config) {
		warnx_("--config only applies to 'udev-env'");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_LIST && o->change_only_opt) {
		warnx_("%s needs a command that changes state",
		       o->change_only_opt);
		return EXIT_USAGE;
	}
	if (o->cmd != CMD_LIST && o->list_only_opt) {
		warnx_("listing options cannot be used with '%s'",
		       cmd_names[o->cmd]);
		return EXIT_USAGE;
	}
	if (o->cmd != CMD_ONLINE && strcmp(o->online_word, "online")) {
		warnx_("--kernel and --movable only apply to 'online'");
		return EXIT_USAGE;
	}
	if (o->force && o->cmd != CMD_DEPOPULATE) {
		warnx_("--force only applies to 'depopulate'");
		return EXIT_USAGE;
	}
	if (o->list.out.raw + o->list.out.json + o->list.out.pairs > 1) {
		warnx_("--raw, --pairs and --json exclude each other");
		return EXIT_USAGE;
	}
	if (o->list.all_columns && o->list.columns) {
		warnx_("--output and --output-all exclude each other");
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- targets ------------------------------------------------------- */

static int parse_target(const char *arg, struct target *tg, uint64_t bs)
{
	const char *sep;
	char *a;
	int ret = 0;

	tg->arg = arg;
	if (is_dax_name(arg)) {
		tg->kind = T_OWNER;
		tg->owner = arg;
		return 0;
	}
	if (!strncmp(arg, "driver:", 7)) {
		tg->kind = T_OWNER;
		tg->owner = arg + 7;
		if (!*tg->owner) {
			warnx_("%s: empty driver name", arg);
			return EXIT_USAGE;
		}
		return 0;
	}

	if (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) {
		uint64_t start, end, size;

		tg->kind = T_ADDR;
		sep = strpbrk(arg, "-+");
		if (!sep) {
			warnx_("%s: address target needs an end (-END) or a size (+SIZE)",
			       arg);
			return EXIT_USAGE;
		}
		a = xstrdup(arg);
		a[sep - arg] = '\0';
		if (parse_u64(a, 0, &start)) {
			warnx_("%s: invalid start address", arg);
			ret = EXIT_USAGE;
		} else if (*sep == '-') {
			if (parse_u64(sep + 1, 0, &end)) {
				warnx_("%s: invalid end address", arg);
				ret = EXIT_USAGE;
			} else if (end < start) {
				warnx_("%s: end is below start", arg);
				ret = EXIT_USAGE;
			}
		} else {
			if (parse_size(sep + 1, &size) || !size) {
				warnx_("%s: invalid size", arg);
				ret = EXIT_USAGE;
			} else if (size - 1 > UINT64_MAX - start) {
				warnx_("%s: range beyond the address space",
				       arg);
				ret = EXIT_USAGE;
			} else {
				end = start + size - 1;
			}
		}
		free(a);
		if (ret)
			return ret;
		if (start % bs || end % bs != bs - 1) {
			char *h = size_to_human(bs);

			warnx_("%s: range is not aligned to the memory block size (%s)",
			       arg, h);
			free(h);
			return EXIT_USAGE;
		}
		tg->first = start / bs;
		tg->last = end / bs;
		return 0;
	}

	if (arg[0] < '0' || arg[0] > '9') {
		warnx_("%s: invalid target", arg);
		return EXIT_USAGE;
	}

	/* a size has a unit suffix; a bare number is a block index */
	sep = arg + strspn(arg, "0123456789");
	if (*sep && *sep != '-') {
		tg->kind = T_SIZE;
		if (parse_size(arg, &tg->size) || !tg->size) {
			warnx_("%s: invalid target", arg);
			return EXIT_USAGE;
		}
		if (tg->size % bs) {
			char *h = size_to_human(bs);

			warnx_("%s: size is not a multiple of the memory block size (%s)",
			       arg, h);
			free(h);
			return EXIT_USAGE;
		}
		return 0;
	}

	tg->kind = T_INDEX;
	a = xstrdup(arg);
	a[sep - arg] = '\0';
	if (parse_u64(a, 10, &tg->first) ||
	    (*sep && parse_u64(sep + 1, 10, &tg->last))) {
		warnx_("%s: invalid block index", arg);
		ret = EXIT_USAGE;
	} else if (!*sep) {
		tg->last = tg->first;
	} else if (tg->last < tg->first) {
		warnx_("%s: invalid block range", arg);
		ret = EXIT_USAGE;
	}
	free(a);
	return ret;
}

/*
 * Does block @b belong to @name: a driver ("virtio_mem", "kmem": all its
 * instances), one instance ("withheld_ram:r0", "kmem:dax0.0"), a dax device
 * ("dax0.0"), or the exact name of a resource ("System RAM")? Names match
 * exactly, never as substrings.
 */
static bool owner_match(const struct mblock *b, const char *name)
{
	const char *inst;
	size_t n;

	if (!name)
		return true;
	if (!b->owner)
		return false;
	if (!strcmp(b->owner, name) ||
	    (b->resource && !strcmp(b->resource, name)))
		return true;
	if (!b->managed)
		return false;
	n = strlen(name);
	if (!strchr(name, ':') && !strncmp(b->owner, name, n) &&
	    b->owner[n] == ':')
		return true;
	inst = strchr(b->owner, ':');
	return inst && !strncmp(b->owner, "kmem:", 5) && is_dax_name(name) &&
	       !strcmp(inst + 1, name);
}

/* Select every block of an index range; all of them must exist. */
static int select_range(struct memtree *t, const struct target *tg,
			const char *owner)
{
	uint64_t expect = tg->first;
	size_t i;

	for (i = 0; i < t->nr_blocks; i++) {
		struct mblock *b = &t->blocks[i];

		if (b->index < tg->first)
			continue;
		if (b->index > tg->last)
			break;
		if (b->index != expect)
			break;
		if (!owner_match(b, owner)) {
			warnx_("%s: memory%lu is owned by '%s', not '%s'",
			       tg->arg, b->index, b->owner ? b->owner : "-",
			       owner);
			return EXIT_USAGE;
		}
		b->selected = true;
		if (expect == tg->last)
			return 0;
		expect++;
	}
	warnx_("%s: memory%" PRIu64 ": no such memory block", tg->arg,
	       expect);
	return EXIT_USAGE;
}

static int select_owner(struct memtree *t, const char *name,
			const char *filter, const char *what)
{
	size_t i, n = 0;

	if (!t->iomem_ok) {
		warnx_("%s: cannot tell block owners: %s", what,
		       t->iomem_err);
		return EXIT_ENV;
	}
	for (i = 0; i < t->nr_blocks; i++) {
		struct mblock *b = &t->blocks[i];

		if (owner_match(b, name) && owner_match(b, filter)) {
			b->selected = true;
			n++;
		}
	}
	if (!n) {
		warnx_("%s: no memory block owned by '%s'", what, name);
		return EXIT_USAGE;
	}
	return 0;
}

static enum action classify(const struct opts *o, const struct mblock *b,
			    const char **word, enum mstate *to)
{
	enum mstate s = b->state;

	if (s == MS_UNKNOWN)
		return ACT_UNKNOWN;
	if (s == MS_GOING_OFFLINE)
		return ACT_BUSY;

	switch (o->cmd) {
	case CMD_ONLINE:
		*word = o->online_word;
		*to = MS_ONLINE;
		break;
	case CMD_OFFLINE:
		*word = "offline";
		*to = MS_OFFLINE;
		break;
	case CMD_DEPOPULATE:
		*word = "offline_depopulated";
		*to = MS_DEPOPULATED;
		if (s != MS_DEPOPULATED && !b->depop && !o->force)
			return ACT_INELIGIBLE;
		break;
	case CMD_POPULATE:
		/* offline_depopulated -> offline; anything else is mapped */
		*word = "offline";
		*to = s == MS_DEPOPULATED ? MS_OFFLINE : s;
		break;
	default:
		return ACT_ALREADY;
	}
	return s == *to ? ACT_ALREADY : ACT_WRITE;
}

/* May block @b be picked by a SIZE target?  Returns a preference class. */
static int size_class(const struct opts *o, const struct mblock *b)
{
	const char *word;
	enum mstate to;

	if (b->selected || !owner_match(b, o->owner))
		return -1;
	if (classify(o, b, &word, &to) != ACT_WRITE)
		return -1;
	switch (o->cmd) {
	case CMD_ONLINE:
	case CMD_POPULATE:
		return 0;
	case CMD_OFFLINE:
		if (b->state != MS_ONLINE || b->removable == TS_NO)
			return -1;
		return 0;
	case CMD_DEPOPULATE:
		/* never by size on --force alone */
		if (!b->depop)
			return -1;
		if (b->state == MS_OFFLINE)
			return 0;	/* cheapest: already offline */
		if (b->removable == TS_NO)
			return -1;
		return 1;
	default:
		return -1;
	}
}

/*
 * The candidates of the SIZE target, in the order of preference: the first
 * @want are selected; when one of them fails, the change moves on to the
 * next (as chmem does), until @want blocks changed or none is left.
 */
struct size_pick {
	struct mblock **cand;
	size_t n, next;
	uint64_t want, block_size;
	const char *arg;
};

static struct size_pick size_pick;

/*
 * Pick blocks for a SIZE target: like chmem, the highest addresses first
 * when taking memory away and the lowest first when giving it back; for
 * depopulate, blocks already offline before online ones.
 */
static int select_size(struct memtree *t, const struct opts *o,
		       const struct target *tg)
{
	struct size_pick *sp = &size_pick;
	uint64_t want = tg->size / t->block_size, have = 0;
	bool down = o->cmd == CMD_OFFLINE || o->cmd == CMD_DEPOPULATE;
	size_t i, k;
	int class;

	for (i = 0; i < t->nr_blocks; i++)
		if (size_class(o, &t->blocks[i]) >= 0)
			have++;
	if (have < want) {
		char *w = size_to_human(tg->size);
		char *h = size_to_human(have * t->block_size);

		warnx_("%s %s: only %s (%" PRIu64 " blocks) can be %s%s%s",
		       cmd_names[o->cmd], w, h, have,
		       o->cmd == CMD_DEPOPULATE ? "depopulated" :
		       o->cmd == CMD_POPULATE ? "populated" :
		       o->cmd == CMD_ONLINE ? "onlined" : "offlined",
		       o->owner ? " with owner " : "",
		       o->owner ? o->owner : "");
		free(w);
		free(h);
		return EXIT_USAGE;
	}
	sp->cand = xmalloc(have * sizeof(*sp->cand));
	sp->want = want;
	sp->block_size = t->block_size;
	sp->arg = tg->arg;
	for (class = 0; class <= 1; class++) {
		for (k = 0; k < t->nr_blocks; k++) {
			struct mblock *b;

			b = &t->blocks[down ? t->nr_blocks - 1 - k : k];
			if (size_class(o, b) == class)
				sp->cand[sp->n++] = b;
		}
	}
	for (sp->next = 0; sp->next < want; sp->next++)
		sp->cand[sp->next]->selected = sp->cand[sp->next]->by_size = true;
	return 0;
}

static int resolve_targets(struct memtree *t, const struct opts *o,
			   struct target *tgs, int ntg)
{
	int i, ret;

	if (o->owner && !t->iomem_ok) {
		warnx_("--owner %s: cannot tell block owners: %s", o->owner,
		       t->iomem_err);
		return EXIT_ENV;
	}
	if (!ntg && o->owner) {
		char *what = xasprintf("--owner %s", o->owner);

		ret = select_owner(t, o->owner, NULL, what);
		free(what);
		return ret;
	}
	for (i = 0; i < ntg; i++) {
		switch (tgs[i].kind) {
		case T_INDEX:
		case T_ADDR:
			ret = select_range(t, &tgs[i], o->owner);
			break;
		case T_OWNER:
			ret = select_owner(t, tgs[i].owner, o->owner,
					   tgs[i].arg);
			break;
		default:
			ret = 0;
			break;
		}
		if (ret)
			return ret;
	}
	/* sizes last, so that they add blocks not named otherwise */
	for (i = 0; i < ntg; i++) {
		if (tgs[i].kind != T_SIZE)
			continue;
		if (size_pick.arg) {
			warnx_("%s: only one size can be given (%s is the first)",
			       tgs[i].arg, size_pick.arg);
			return EXIT_USAGE;
		}
		ret = select_size(t, o, &tgs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- changing state ------------------------------------------------ */

/* Write @word to the block's state; returns 0 or a positive errno. */
static int write_state(struct memtree *t, struct mblock *b, const char *word,
		       double *ms)
{
	char *path = mblock_attr_path(t, b, "state");
	int err = write_word(path, word, ms);

	free(path);
	return err;
}

struct tally {
	unsigned int done, already, failed, planned;
	unsigned int replaced;		/* failed, another block taken instead */
	unsigned int short_by;		/* blocks the SIZE target lacks */
};

/* Columns of the JSON results table of a change command. */
enum {
	RES_BLOCK, RES_RESULT, RES_FROM, RES_TO, RES_WRITE, RES_TIME,
	RES_ERRNO, RES_ERROR, RES_STATE, RES_RETRIES, NR_RES
};

static struct libscols_table *results_table(const struct out_opts *oo)
{
	static const struct {
		const char *name;
		int json;
	} rc[NR_RES] = {
		[RES_BLOCK]	= { "BLOCK", SCOLS_JSON_NUMBER },
		[RES_RESULT]	= { "RESULT", SCOLS_JSON_STRING },
		[RES_FROM]	= { "FROM", SCOLS_JSON_STRING },
		[RES_TO]	= { "TO", SCOLS_JSON_STRING },
		[RES_WRITE]	= { "WRITE", SCOLS_JSON_STRING },
		[RES_TIME]	= { "TIME_MS", SCOLS_JSON_NUMBER },
		[RES_ERRNO]	= { "ERRNO", SCOLS_JSON_NUMBER },
		[RES_ERROR]	= { "ERROR", SCOLS_JSON_STRING },
		[RES_STATE]	= { "STATE", SCOLS_JSON_STRING },
		[RES_RETRIES]	= { "RETRIES", SCOLS_JSON_NUMBER },
	};
	struct libscols_table *tb = out_table_new("results", oo);
	int i;

	for (i = 0; i < NR_RES; i++)
		out_column(tb, rc[i].name, 0, rc[i].json);
	return tb;
}

static void report(struct libscols_table *tb, const struct mblock *b,
		   const char *result, enum mstate from, enum mstate to,
		   const char *word, double ms, int err, unsigned int retries,
		   const char *why)
{
	struct libscols_line *ln;

	if (!tb) {
		printf("memory%lu: ", b->index);
		if (!strcmp(result, "already"))
			printf("already %s\n", state_name(from));
		else if (!strcmp(result, "failed")) {
			printf("failed: %s", why ? why : strerror(err));
			if (retries)
				printf(" (%u retries)", retries);
			if (b->state != from)
				printf(" (now %s)", state_name(b->state));
			putchar('\n');
		} else if (!strcmp(result, "dry-run"))
			printf("%s -> %s (dry run)\n", state_name(from),
			       state_name(to));
		else {
			printf("%s -> %s (%.2f ms", state_name(from),
			       state_name(to), ms);
			if (retries)
				printf(", %u retries", retries);
			printf(")\n");
		}
		return;
	}
	ln = out_line(tb);
	out_cellf(ln, RES_BLOCK, "%lu", b->index);
	out_cell(ln, RES_RESULT, result);
	out_cell(ln, RES_FROM, state_name(from));
	out_cell(ln, RES_TO, state_name(to));
	out_cell(ln, RES_WRITE, word);
	if (!strcmp(result, "done"))
		out_cellf(ln, RES_TIME, "%.3f", ms);
	if (!strcmp(result, "failed")) {
		if (err)
			out_cellf(ln, RES_ERRNO, "%d", err);
		out_cell(ln, RES_ERROR, why ? why : strerror(err));
		out_cell(ln, RES_STATE, state_name(b->state));
	}
	out_cellf(ln, RES_RETRIES, "%u", retries);
}

struct results_extra {
	const struct opts *o;
	const struct tally *tl;
};

/* "command", "dry_run" and "summary" of the JSON results. */
static void results_json(FILE *f, void *arg)
{
	const struct results_extra *x = arg;

	fputs(",\n   \"command\": ", f);
	out_json_str(f, cmd_names[x->o->cmd]);
	fprintf(f, ",\n   \"dry_run\": %s", x->o->dry_run ? "true" : "false");
	fprintf(f, ",\n   \"summary\": {\n      \"done\": %u,\n      \"already\": %u,\n      \"failed\": %u",
		x->tl->done, x->tl->already, x->tl->failed);
	if (x->o->dry_run)
		fprintf(f, ",\n      \"dry_run\": %u", x->tl->planned);
	fputs("\n   }", f);
}

static void change_block(struct memtree *t, const struct opts *o,
			 struct mblock *b, struct libscols_table *j,
			 struct tally *tl)
{
	enum mstate from = b->state, to = from;
	const char *word = NULL;
	unsigned int retries = 0;
	enum action act;
	double ms = 0;
	int err;

	/* the snapshot may be stale: look again just before acting */
	if (!o->dry_run)
		mblock_read_state(t, b);
	from = b->state;
	act = classify(o, b, &word, &to);
	switch (act) {
	case ACT_ALREADY:
		tl->already++;
		report(j, b, "already", from, from, NULL, 0, 0, 0, NULL);
		return;
	case ACT_BUSY:
	case ACT_UNKNOWN:
	case ACT_INELIGIBLE:
		tl->failed++;
		report(j, b, "failed", from, to, NULL, 0, 0, 0,
		       act == ACT_BUSY ? "block is going-offline" :
		       act == ACT_UNKNOWN ? "state unreadable" :
		       "not eligible for depopulation");
		return;
	case ACT_WRITE:
		break;
	}
	if (o->dry_run) {
		tl->planned++;
		report(j, b, "dry-run", from, to, word, 0, 0, 0, NULL);
		return;
	}
	for (;;) {
		err = write_state(t, b, word, &ms);
		if (err != EBUSY || from != MS_ONLINE || retries >= o->retry)
			break;
		retries++;
		nanosleep(&(struct timespec){ 0, RETRY_DELAY_MS * 1000000L },
			  NULL);
	}
	if (err) {
		tl->failed++;
		mblock_read_state(t, b);
		report(j, b, "failed", from, to, word, ms, err, retries, NULL);
		return;
	}
	b->state = to;
	memctl_changed = true;
	tl->done++;
	report(j, b, "done", from, to, word, ms, 0, retries, NULL);
}

/*
 * Change one selected block; if it was picked by the SIZE target and
 * fails, move on to the next candidate until one succeeds or none is left.
 */
static void change_size_block(struct memtree *t, const struct opts *o,
			      struct mblock *b, struct libscols_table *j,
			      struct tally *tl)
{
	struct size_pick *sp = &size_pick;
	unsigned int failed = tl->failed;

	b->tried = true;
	change_block(t, o, b, j, tl);
	while (tl->failed > failed && b->by_size && sp->next < sp->n) {
		b = sp->cand[sp->next++];
		if (b->tried)
			continue;
		tl->replaced++;
		failed = tl->failed;
		b->selected = b->by_size = b->tried = true;
		change_block(t, o, b, j, tl);
	}
	if (tl->failed > failed && b->by_size)
		tl->short_by++;
}

/* chmem's scheme: 0 all done, 64 some done, 1 none done. */
static int change_status(const struct opts *o, const struct tally *tl)
{
	unsigned int unmet = tl->failed - tl->replaced;
	unsigned int ok = tl->done + tl->already + tl->planned;

	if (tl->replaced && !unmet)
		warnx_("%u block%s failed; other blocks were changed instead",
		       tl->failed, tl->failed == 1 ? "" : "s");
	if (!unmet)
		return EXIT_OK;
	if (tl->short_by) {
		char *h = size_to_human(tl->short_by * size_pick.block_size);

		warnx_("%s %s: %s short, no more candidates", cmd_names[o->cmd],
		       size_pick.arg, h);
		free(h);
	}
	warnx_("%u of %u blocks failed", unmet, unmet + ok);
	return ok ? EXIT_SOMEOK : EXIT_FAIL;
}

static int change_blocks(struct memtree *t, const struct opts *o)
{
	bool down = o->cmd == CMD_OFFLINE || o->cmd == CMD_DEPOPULATE;
	struct libscols_table *j = NULL;
	struct tally tl = { 0 };
	int ret;
	bool writes = false;
	size_t i, k;

	/* validate everything before the first write */
	for (i = 0; i < t->nr_blocks; i++) {
		struct mblock *b = &t->blocks[i];
		const char *word;
		enum mstate to;
		enum action act;

		if (!b->selected)
			continue;
		act = classify(o, b, &word, &to);
		if (act == ACT_UNKNOWN) {
			warnx_("memory%lu: cannot read the block's state",
			       b->index);
			return EXIT_ENV;
		}
		if (act == ACT_INELIGIBLE) {
			warnx_("memory%lu: not eligible for depopulation (owner: %s)",
			       b->index, b->owner ? b->owner : "unknown");
			return EXIT_USAGE;
		}
		if (act == ACT_WRITE)
			writes = true;
	}

	if (writes && !o->dry_run) {
		if (!strcmp(o->root, "/") && geteuid() != 0) {
			warnx_("changing memory state needs root");
			return EXIT_ENV;
		}
		for (i = 0; i < t->nr_blocks; i++) {
			struct mblock *b = &t->blocks[i];
			char *path;

			if (!b->selected && !size_pick.n)
				continue;
			path = mblock_attr_path(t, b, "state");
			if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS)) {
				warnx_("%s: %s", path, strerror(errno));
				free(path);
				return EXIT_ENV;
			}
			free(path);
		}
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o->json) {
		struct out_opts oo = { .json = true };

		j = results_table(&oo);
	}
	for (k = 0; k < t->nr_blocks; k++) {
		struct mblock *b = &t->blocks[down ? t->nr_blocks - 1 - k : k];

		if (b->selected && !b->tried)
			change_size_block(t, o, b, j, &tl);
	}
	if (j) {
		struct results_extra x = { o, &tl };

		ret = out_table_print(j, results_json, &x);
		if (ret)
			return ret;
	}
	return change_status(o, &tl);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct memtree t;
	struct target *tgs;
	int first, ntg = 0, i, ret;

	memctl_init();
	ret = parse_opts(argc, argv, &o, &first);
	if (ret)
		return ret;
	if (o.cmd == CMD_REGION) {
		struct region_args ra = {
			.root = o.root,
			.out = o.list.out,
			.online_type = o.online_type,
			.dry_run = o.dry_run,
		};

		return region_run(&ra, argv + first, argc - first);
	}
	if (o.cmd == CMD_UDEV_ENV)
		return udev_env(o.root, o.config, argv[first]);

	if (o.cmd != CMD_LIST && first == argc && !o.owner) {
		warnx_("%s: no target given", cmd_names[o.cmd]);
		fprintf(stderr, "Try '%s --help'.\n", progname);
		return EXIT_USAGE;
	}

	ret = memtree_load(&t, o.root);
	if (ret) {
		memtree_free(&t);
		return ret;
	}

	tgs = xmalloc((argc - first + 1) * sizeof(*tgs));
	for (i = first; i < argc; i++) {
		ret = parse_target(argv[i], &tgs[ntg], t.block_size);
		if (ret)
			goto out;
		if (tgs[ntg].kind == T_SIZE && o.cmd == CMD_LIST) {
			warnx_("%s: a size only selects blocks for a change",
			       argv[i]);
			ret = EXIT_USAGE;
			goto out;
		}
		ntg++;
	}

	ret = resolve_targets(&t, &o, tgs, ntg);
	if (ret)
		goto out;

	if (o.cmd == CMD_LIST)
		ret = list_blocks(&t, &o.list, ntg || o.owner);
	else
		ret = change_blocks(&t, &o);
out:
	free(tgs);
	memtree_free(&t);
	return ret;
}
