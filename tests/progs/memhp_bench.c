// SPDX-License-Identifier: GPL-2.0
/*
 * memhp_bench: the guest side of `make bench`. Times memory block state
 * changes with clock_gettime(CLOCK_MONOTONIC) around each write(2), without a
 * fork per write, and prints one line per sample on stdout:
 *
 *   BENCH {"kind":K,"n":N,"rep":R,"<part>":ns,...,"total":ns}
 *
 * memhp_bench [--cpu C] cycles START N REPS KIND[,KIND...] [BUDGET MINREPS]
 *     N memory blocks from physical address START, which must be online
 *     (online_movable) and driver-managed memory the depop_bench module
 *     added; after a discarded warm-up round, REPS rounds, each running
 *     every KIND once, in an order rotated by one each round so that drift
 *     does not favour any kind. Each part is a loop over the N blocks, or
 *     one call for the whole range where noted. KINDs:
 *       plain       offline, online                      (sysfs, per block)
 *       depop       offline_depopulated, online          (sysfs, per block:
 *                   each write does offline+teardown resp. rebuild+online)
 *       depop_parts offline, teardown, rebuild, online   (sysfs, per block:
 *                   offline -> offline_depopulated -> offline -> online)
 *       depop_api   offline (sysfs), teardown = depopulate_range_driver_managed()
 *                   and rebuild = populate_range_driver_managed() (one call
 *                   each for the range), online (sysfs)
 *       depop_cm    depop_api with the depop_bench module's cache_maint
 *                   notifier registered: the opt-in clean+invalidate to PoC
 *                   of each block on MEM_GOING_DEPOPULATE, in the teardown
 *       remove      offline (sysfs), remove = offline_and_remove_memory() and
 *                   add = add_memory_driver_managed() (one call each for the
 *                   range; auto_online_blocks must be "offline"), online (sysfs)
 *     Blocks are onlined with "online_movable". With BUDGET (seconds), stops
 *     after the first round that ends past it, once MINREPS rounds are done.
 *
 * memhp_bench [--cpu C] tlb START N ROUNDS
 *     The same parts, each wrapped in the markers of the QEMU TLBI plugin
 *     (scripts/bench/tlbi-plugin.c: "hint #0x60+k" opens window k, "hint
 *     #0x7f" closes it); prints "TLBWIN <seq> <k> <part> <n>" per window.
 *
 * memhp_bench mem START N REPS
 *     N offline blocks: /proc/meminfo around depopulate/populate and
 *     remove/add of the range (one call each); prints
 *     MEM {"op":..., "n":N, "rep":R, "MemFree":dkB, "FreeWithPcp":dkB,
 *          "PageTables":dkB, "MemTotal":dkB}
 *     with deltas in kB (after minus before; FreeWithPcp also counts the
 *     per-CPU free lists, from /proc/zoneinfo). Leaves the blocks offline.
 *
 * memhp_bench failpop START N [CONTROL]
 *     N online blocks: offlines them, then populates them under
 *     fail_page_alloc at probability 100 % for this task only (every page
 *     allocation it causes fails; mlockall keeps its own pages in), once
 *     through populate_range_driver_managed() and once by writing "offline"
 *     to each offline_depopulated block; depopulating runs unarmed. With
 *     CONTROL 1, then hot-adds the block after the range under it, as a
 *     control that the injection works (and removes it if that succeeded).
 *     Prints, per attempt,
 *       FAILPOP {"n":N,"path":"api"|"sysfs"|"control_add","ret":errno,
 *                "injected":k}
 *     (ret 0 on success; k: page allocations failed by the injection).
 *     Leaves the blocks offline.
 *
 * memhp_bench mark K FILE WORD
 *     Writes WORD to FILE inside TLBI plugin window K (0..10), pinned to
 *     the CPU it runs on, and prints "TLBWIN 0 K <part> 1" (for the guest
 *     tests of tests/guest/suite; no depop_bench module needed). Exit status
 *     0 if the write succeeded, else 1 with its error on stderr.
 *
 * Exit status: 0, or 1 with a message on stderr if a write failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MEMDIR "/sys/devices/system/memory"
#define DBGDIR "/sys/kernel/debug/depop_bench"
#define MAXB 256

static unsigned long long block_size, start;
static int nblk, first_block;
static int state_fd[MAXB];
static int fd_add, fd_remove, fd_depop, fd_pop, fd_cm;
static char range_arg[64];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "memhp_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	return fd;
}

static void open_states(void)
{
	char path[128];

	for (int i = 0; i < nblk; i++) {
		if (state_fd[i] > 0)
			close(state_fd[i]);
		snprintf(path, sizeof(path), MEMDIR "/memory%d/state", first_block + i);
		state_fd[i] = open_or_die(path);
	}
}

static void close_states(void)
{
	for (int i = 0; i < nblk; i++) {
		if (state_fd[i] > 0)
			close(state_fd[i]);
		state_fd[i] = -1;
	}
}

static void wr(int fd, const char *word, const char *what)
{
	if (pwrite(fd, word, strlen(word), 0) < 0)
		die("%s: write '%s': %s", what, word, strerror(errno));
}

/* One part over all blocks: write WORD to each state file, timed. */
static long long part_blocks(const char *word)
{
	long long t0 = now_ns();

	for (int i = 0; i < nblk; i++)
		wr(state_fd[i], word, "state");
	return now_ns() - t0;
}

/* One call for the whole range through the module, timed. */
static long long part_range(int fd, const char *what)
{
	long long t0 = now_ns();

	wr(fd, range_arg, what);
	return now_ns() - t0;
}

/* ---- TLBI plugin markers ---- */
static int marker_k = -1;
static int win_seq;

#ifdef __aarch64__
#define MARK_OPEN(k) asm volatile("hint #(0x60 + " #k ")" ::: "memory")
#define MARK_CLOSE() asm volatile("hint #0x7f" ::: "memory")
#else
/* The plugin is arm64 only: no markers elsewhere. */
#define MARK_OPEN(k) asm volatile("" ::: "memory")
#define MARK_CLOSE() asm volatile("" ::: "memory")
#endif
static void mark_open(int k)
{
	switch (k) {
	case 0: MARK_OPEN(0); break;
	case 1: MARK_OPEN(1); break;
	case 2: MARK_OPEN(2); break;
	case 3: MARK_OPEN(3); break;
	case 4: MARK_OPEN(4); break;
	case 5: MARK_OPEN(5); break;
	case 6: MARK_OPEN(6); break;
	case 7: MARK_OPEN(7); break;
	case 8: MARK_OPEN(8); break;
	case 9: MARK_OPEN(9); break;
	case 10: MARK_OPEN(10); break;
	}
}

static void mark_close(void)
{
	MARK_CLOSE();
}

static const char *const part_name[] = {
	"offline", "online", "teardown", "rebuild", "offline_depopulated",
	"online_from_depopulated", "teardown_api", "rebuild_api", "remove", "add",
	"teardown_cm",
};

static long long marked(int k, long long (*fn)(void *), void *arg)
{
	long long t;

	if (marker_k >= 0)
		mark_open(k);
	t = fn(arg);
	if (marker_k >= 0) {
		mark_close();
		printf("TLBWIN %d %d %s %d\n", win_seq++, k, part_name[k], nblk);
	}
	return t;
}

static long long fn_blocks(void *w) { return part_blocks(w); }

struct mark_arg {
	int fd;
	const char *word;
};

static long long fn_blocks_fd(void *p)
{
	struct mark_arg *m = p;
	long long t0 = now_ns();

	wr(m->fd, m->word, "mark");
	return now_ns() - t0;
}
static long long fn_depop(void *u) { (void)u; return part_range(fd_depop, "depopulate"); }
static long long fn_pop(void *u) { (void)u; return part_range(fd_pop, "populate"); }
static long long fn_remove(void *u) { (void)u; return part_range(fd_remove, "remove"); }
static long long fn_add(void *u) { (void)u; return part_range(fd_add, "add"); }

struct sample {
	const char *name[4];
	long long ns[4];
	int n;
};

static void add_part(struct sample *s, const char *name, long long ns)
{
	s->name[s->n] = name;
	s->ns[s->n++] = ns;
}

static void run_kind(const char *kind, struct sample *s)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(kind, "plain")) {
		add_part(s, "offline", marked(0, fn_blocks, "offline"));
		add_part(s, "online", marked(1, fn_blocks, "online_movable"));
	} else if (!strcmp(kind, "depop")) {
		add_part(s, "offline_depopulated", marked(4, fn_blocks, "offline_depopulated"));
		add_part(s, "online", marked(5, fn_blocks, "online_movable"));
	} else if (!strcmp(kind, "depop_parts")) {
		add_part(s, "offline", marked(0, fn_blocks, "offline"));
		add_part(s, "teardown", marked(2, fn_blocks, "offline_depopulated"));
		add_part(s, "rebuild", marked(3, fn_blocks, "offline"));
		add_part(s, "online", marked(1, fn_blocks, "online_movable"));
	} else if (!strcmp(kind, "depop_api")) {
		add_part(s, "offline", marked(0, fn_blocks, "offline"));
		add_part(s, "teardown", marked(6, fn_depop, NULL));
		add_part(s, "rebuild", marked(7, fn_pop, NULL));
		add_part(s, "online", marked(1, fn_blocks, "online_movable"));
	} else if (!strcmp(kind, "depop_cm")) {
		wr(fd_cm, "1", "cache_maint");
		add_part(s, "offline", marked(0, fn_blocks, "offline"));
		add_part(s, "teardown", marked(10, fn_depop, NULL));
		add_part(s, "rebuild", marked(7, fn_pop, NULL));
		add_part(s, "online", marked(1, fn_blocks, "online_movable"));
		wr(fd_cm, "0", "cache_maint");
	} else if (!strcmp(kind, "remove")) {
		add_part(s, "offline", marked(0, fn_blocks, "offline"));
		close_states();
		add_part(s, "remove", marked(8, fn_remove, NULL));
		add_part(s, "add", marked(9, fn_add, NULL));
		open_states();
		add_part(s, "online", marked(1, fn_blocks, "online_movable"));
	} else {
		die("unknown kind '%s'", kind);
	}
}

/*
 * The samples of a run are kept here and printed at the end: writing them
 * as they come would allocate page cache for the output file between two
 * samples, and such a page may land in a block under test, whose next
 * offline would then have to migrate it. mlockall() faults this in first.
 */
static char samples[1 << 20];
static size_t samples_len;

static void print_sample(const char *kind, int rep, struct sample *s)
{
	char *p = samples + samples_len;
	size_t room = sizeof(samples) - samples_len;
	long long total = 0;
	int len;

	len = snprintf(p, room, "BENCH {\"kind\":\"%s\",\"n\":%d,\"rep\":%d",
		       kind, nblk, rep);
	for (int i = 0; i < s->n; i++) {
		len += snprintf(p + len, room > (size_t)len ? room - len : 0,
				",\"%s\":%lld", s->name[i], s->ns[i]);
		total += s->ns[i];
	}
	len += snprintf(p + len, room > (size_t)len ? room - len : 0,
			",\"total\":%lld}\n", total);
	if ((size_t)len >= room)
		die("too many samples");
	samples_len += len;
}

static long meminfo(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			val = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return val;
}

/*
 * Free memory in kB including the pages on the per-CPU free lists, which
 * MemFree does not count: order-0 page-table pages freed by a teardown land
 * there first. From /proc/zoneinfo: "pages free" plus every "count:".
 */
static long free_with_pcp(void)
{
	char line[256];
	long pages = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		die("/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %ld", &v) == 1 ||
		    sscanf(line, " count: %ld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

struct mi { long free, freeall, pt, total; };

static void mi_read(struct mi *m)
{
	m->freeall = free_with_pcp();
	m->free = meminfo("MemFree");
	m->pt = meminfo("PageTables");
	m->total = meminfo("MemTotal");
}

static void mem_report(const char *op, int rep, struct mi *a, struct mi *b)
{
	printf("MEM {\"op\":\"%s\",\"n\":%d,\"rep\":%d,\"MemFree\":%ld,"
	       "\"FreeWithPcp\":%ld,\"PageTables\":%ld,\"MemTotal\":%ld}\n",
	       op, nblk, rep, b->free - a->free, b->freeall - a->freeall,
	       b->pt - a->pt, b->total - a->total);
	fflush(stdout);
}

/* ---- populate under fail_page_alloc ---- */
#define FPA "/sys/kernel/debug/fail_page_alloc"
#define FPA_TIMES "1000"

/* debugfs attributes are not seekable: write(2), not pwrite(2). */
static void put_file(const char *path, const char *val)
{
	int fd = open_or_die(path);

	if (write(fd, val, strlen(val)) < 0)
		die("%s: write '%s': %s", path, val, strerror(errno));
	close(fd);
}

static long fpa_times(void)
{
	char buf[32] = "";
	int fd = open_or_die(FPA "/times");

	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		die(FPA "/times: %s", strerror(errno));
	close(fd);
	return atol(buf);
}

/*
 * One write with fail_page_alloc armed for this task: returns 0 or the
 * errno of the write, and the number of failures injected in *injected.
 * The task filter is set before the probability, so only this task is hit;
 * it cannot fault meanwhile (mlockall), and writes nothing but FD.
 */
static int armed_write(int fd, const char *val, int mif, long *injected)
{
	int ret = 0;

	put_file(FPA "/task-filter", "Y");
	put_file(FPA "/space", "0");
	put_file(FPA "/verbose", "0");
	put_file(FPA "/min-order", "0");
	put_file(FPA "/ignore-gfp-wait", "N");
	put_file(FPA "/ignore-gfp-highmem", "N");
	put_file(FPA "/interval", "1");
	put_file(FPA "/times", FPA_TIMES);
	put_file(FPA "/probability", "100");
	wr(mif, "1", "make-it-fail");
	if (pwrite(fd, val, strlen(val), 0) < 0)
		ret = errno;
	wr(mif, "0", "make-it-fail");
	*injected = atol(FPA_TIMES) - fpa_times();
	put_file(FPA "/probability", "0");
	put_file(FPA "/task-filter", "N");
	return ret;
}

static void failpop_report(const char *path, int ret, long injected)
{
	printf("FAILPOP {\"n\":%d,\"path\":\"%s\",\"ret\":%d,\"injected\":%ld}\n",
	       nblk, path, ret, injected);
	fflush(stdout);
}

static void failpop(int control)
{
	int mif = open_or_die("/proc/self/make-it-fail");
	char next[64];
	long inj, total = 0;
	int ret = 0;

	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		die("mlockall: %s", strerror(errno));
	part_blocks("offline");

	part_range(fd_depop, "depopulate");
	ret = armed_write(fd_pop, range_arg, mif, &inj);
	failpop_report("api", ret, inj);

	part_range(fd_depop, "depopulate");
	for (int i = 0; i < nblk; i++) {
		int r = armed_write(state_fd[i], "offline", mif, &inj);

		if (r && !ret)
			ret = r;
		total += inj;
		if (r)
			break;
	}
	failpop_report("sysfs", ret, total);

	if (!control)
		goto out;
	/* Control: hot-adding the next block needs its memmap. */
	snprintf(next, sizeof(next), "0x%llx 0x%llx",
		 start + nblk * block_size, block_size);
	ret = armed_write(fd_add, next, mif, &inj);
	failpop_report("control_add", ret, inj);
	if (!ret) {
		close_states();
		wr(fd_remove, next, "remove");
		open_states();
	}
out:
	munlockall();
	close(mif);
}

int main(int argc, char **argv)
{
	int argi = 1, cpu = -1;
	const char *mode;
	FILE *f;

	if (argc == 5 && !strcmp(argv[1], "mark")) {
		int k = atoi(argv[2]), fd = open_or_die(argv[3]);
		cpu_set_t set;

		if (k < 0 || k > 10)
			die("mark: window 0..10");
		/*
		 * Fault everything in first: the first exec fault of a page
		 * of this program cleans it to PoU (64 DC CVAU), which is not
		 * part of the write being counted.
		 */
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			die("mlockall: %s", strerror(errno));
		CPU_ZERO(&set);
		CPU_SET(sched_getcpu(), &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity: %s", strerror(errno));
		marker_k = k;
		nblk = 1;
		marked(k, fn_blocks_fd, (void *)&(struct mark_arg){ fd, argv[4] });
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--cpu")) {
		cpu = atoi(argv[2]);
		argi = 3;
	}
	if (argc - argi < 3)
		die("usage: memhp_bench [--cpu C] cycles|tlb|mem|failpop START N [REPS [KINDS]]");
	mode = argv[argi];
	start = strtoull(argv[argi + 1], NULL, 0);
	nblk = atoi(argv[argi + 2]);
	if (nblk < 1 || nblk > MAXB)
		die("bad block count");
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity: %s", strerror(errno));
	}
	f = fopen(MEMDIR "/block_size_bytes", "r");
	if (!f || fscanf(f, "%llx", &block_size) != 1)
		die("block_size_bytes");
	fclose(f);
	first_block = start / block_size;
	snprintf(range_arg, sizeof(range_arg), "0x%llx 0x%llx", start,
		 (unsigned long long)nblk * block_size);
	fd_add = open_or_die(DBGDIR "/add");
	fd_remove = open_or_die(DBGDIR "/remove");
	fd_depop = open_or_die(DBGDIR "/depopulate");
	fd_pop = open_or_die(DBGDIR "/populate");
	fd_cm = open_or_die(DBGDIR "/cache_maint");
	open_states();

	if (!strcmp(mode, "cycles")) {
		int reps = atoi(argv[argi + 3]), nk = 0;
		char *kinds[8], *list;
		struct sample s;

		if (argc - argi < 5)
			die("cycles: need KINDS");
		list = strdup(argv[argi + 4]);
		for (char *k = strtok(list, ","); k && nk < 8; k = strtok(NULL, ","))
			kinds[nk++] = k;
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			die("mlockall: %s", strerror(errno));
		for (int i = 0; i < nk; i++)	/* warm-up, discarded */
			run_kind(kinds[i], &s);
		double budget = argc - argi > 5 ? atof(argv[argi + 5]) : 0;

		int min_reps = argc - argi > 6 ? atoi(argv[argi + 6]) : reps;
		long long t0 = now_ns();

		for (int r = 0; r < reps; r++) {
			for (int i = 0; i < nk; i++) {
				const char *k = kinds[(i + r) % nk];

				run_kind(k, &s);
				print_sample(k, r, &s);
			}
			if (budget > 0 && r + 1 >= min_reps &&
			    now_ns() - t0 > (long long)(budget * 1e9))
				break;
		}
		fwrite(samples, 1, samples_len, stdout);
		munlockall();
	} else if (!strcmp(mode, "tlb")) {
		int rounds = atoi(argv[argi + 3]);
		struct sample s;
		static const char *const kinds[] = { "plain", "depop", "depop_parts",
						     "depop_api", "depop_cm", "remove" };

		marker_k = 0;
		for (int r = 0; r < rounds; r++)
			for (unsigned int i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
				run_kind(kinds[i], &s);
	} else if (!strcmp(mode, "mem")) {
		int reps = atoi(argv[argi + 3]);
		struct mi a, b;

		for (int r = 0; r < reps; r++) {
			mi_read(&a);
			part_range(fd_depop, "depopulate");
			mi_read(&b);
			mem_report("depopulate", r, &a, &b);
			mi_read(&a);
			part_range(fd_pop, "populate");
			mi_read(&b);
			mem_report("populate", r, &a, &b);
			close_states();
			mi_read(&a);
			part_range(fd_remove, "remove");
			mi_read(&b);
			mem_report("remove", r, &a, &b);
			mi_read(&a);
			part_range(fd_add, "add");
			mi_read(&b);
			mem_report("add", r, &a, &b);
			open_states();
		}
	} else if (!strcmp(mode, "failpop")) {
		failpop(argc - argi > 3 && atoi(argv[argi + 3]));
	} else {
		die("unknown mode '%s'", mode);
	}
	return 0;
}
