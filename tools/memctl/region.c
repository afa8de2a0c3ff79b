// SPDX-License-Identifier: GPL-2.0
/*
 * memctl withheld: withheld_ram regions, the configfs interface that hot-adds
 * RAM the kernel withheld at boot as driver-managed memory
 * (/sys/kernel/config/withheld_ram/NAME/{start,size,online_type,enable}).
 *
 *   memctl withheld [list] [--json|--raw|--pairs] [--noheadings]
 *   memctl withheld create NAME START SIZE [--online-type TYPE] [--dry-run]
 *   memctl withheld delete NAME [--dry-run]
 *
 * The options are parsed with memctl's others (memctl.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "memctl.h"

#define REGION_DIR	"sys/kernel/config/withheld_ram"
#define NAME_MAX_LEN	64

static const char *const online_types[] = {
	"default", "offline", "offline_depopulated", "online",
	"online_kernel", "online_movable",
};

static char *region_path(const struct region_args *o, const char *name,
			 const char *attr)
{
	if (!name)
		return xasprintf("%s/%s", o->root, REGION_DIR);
	if (!attr)
		return xasprintf("%s/%s/%s", o->root, REGION_DIR, name);
	return xasprintf("%s/%s/%s/%s", o->root, REGION_DIR, name, attr);
}

/* Write @val to a region attribute; 0 or a negative errno. */
static int region_write(const struct region_args *o, const char *name,
			const char *attr, const char *val)
{
	char *path = region_path(o, name, attr);
	int err = write_word(path, val, NULL);

	free(path);
	return -err;
}

static void region_read(const struct region_args *o, const char *name,
			const char *attr, char *buf, size_t len)
{
	char *path = region_path(o, name, attr);

	if (read_attr(path, buf, len))
		snprintf(buf, len, "?");
	free(path);
}

static bool valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > NAME_MAX_LEN || name[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static bool valid_online_type(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(online_types) / sizeof(online_types[0]); i++)
		if (!strcmp(type, online_types[i]))
			return true;
	return false;
}

/* The configfs directory must be there; exit code EXIT_ENV if it is not. */
static int region_dir_check(const struct region_args *o)
{
	char *dir = region_path(o, NULL, NULL);
	struct stat st;
	int ret = EXIT_OK;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		warnx_("%s: not found (kernel without CONFIG_WITHHELD_RAM, or configfs not mounted)",
		       dir);
		ret = EXIT_ENV;
	}
	free(dir);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int region_list(const struct region_args *o)
{
	char start[64], size[64], type[64], enable[16];
	char *dir = region_path(o, NULL, NULL);
	struct libscols_table *tb;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;

	d = opendir(dir);
	free(dir);
	if (!d)
		return region_dir_check(o) ? EXIT_ENV : EXIT_OK;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);

	tb = out_table_new("regions", &o->out);
	out_column(tb, "NAME", 0, SCOLS_JSON_STRING);
	out_column(tb, "START", 0, SCOLS_JSON_STRING);
	out_column(tb, "SIZE", 0, SCOLS_JSON_STRING);
	out_column(tb, "ONLINE_TYPE", 0, SCOLS_JSON_STRING);
	out_column(tb, "ENABLED", 0, SCOLS_JSON_BOOLEAN);
	for (i = 0; i < n; i++) {
		struct libscols_line *ln = out_line(tb);

		region_read(o, names[i], "start", start, sizeof(start));
		region_read(o, names[i], "size", size, sizeof(size));
		region_read(o, names[i], "online_type", type, sizeof(type));
		region_read(o, names[i], "enable", enable, sizeof(enable));
		out_cell(ln, 0, names[i]);
		out_cell(ln, 1, start);
		out_cell(ln, 2, size);
		out_cell(ln, 3, type);
		out_cell(ln, 4, !strcmp(enable, "1") ? "yes" : "no");
		free(names[i]);
	}
	free(names);
	return out_table_print(tb, NULL, NULL);
}

/* The memory block size, or 0 after a message. */
static uint64_t block_size(const struct region_args *o)
{
	char *path = xasprintf("%s/sys/devices/system/memory/block_size_bytes",
			       o->root);
	char buf[64];
	uint64_t bs = 0;

	if (read_attr(path, buf, sizeof(buf)) || parse_u64(buf, 16, &bs) ||
	    !bs || (bs & (bs - 1))) {
		warnx_("%s: cannot read the memory block size", path);
		bs = 0;
	}
	free(path);
	return bs;
}

/* Can we make regions? EXIT_ENV after a message if not. */
static int region_dir_writable(const struct region_args *o)
{
	char *dir = region_path(o, NULL, NULL);
	int ret = EXIT_OK;

	if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS)) {
		warnx_("%s: %s", dir, strerror(errno));
		ret = EXIT_ENV;
	}
	free(dir);
	return ret;
}

static int region_create(const struct region_args *o, char **args, int nargs)
{
	const char *name = args[0], *type = o->online_type;
	char startbuf[32], sizebuf[32];
	uint64_t start, size, bs;
	struct timespec t0;
	char *dir;
	int err;

	if (nargs != 3) {
		warnx_("withheld create: NAME START SIZE expected");
		return EXIT_USAGE;
	}
	if (!valid_name(name)) {
		warnx_("region %s: a name is 1-%d of [A-Za-z0-9_.-], not starting with '.'",
		       name, NAME_MAX_LEN);
		return EXIT_USAGE;
	}
	if (parse_u64(args[1], 0, &start)) {
		warnx_("region %s: bad start address '%s'", name, args[1]);
		return EXIT_USAGE;
	}
	if (parse_size(args[2], &size) || !size) {
		warnx_("region %s: bad size '%s'", name, args[2]);
		return EXIT_USAGE;
	}
	if (type && !valid_online_type(type)) {
		warnx_("region %s: unknown online type '%s'", name, type);
		return EXIT_USAGE;
	}
	err = region_dir_check(o);
	if (err)
		return err;
	bs = block_size(o);
	if (!bs)
		return EXIT_ENV;
	if (start % bs || size % bs) {
		char *h = size_to_human(bs);

		warnx_("region %s: start and size must be multiples of the memory block size (%s)",
		       name, h);
		free(h);
		return EXIT_USAGE;
	}

	dir = region_path(o, name, NULL);
	if (!access(dir, F_OK)) {
		warnx_("region %s: exists already", name);
		free(dir);
		return EXIT_USAGE;
	}
	snprintf(startbuf, sizeof(startbuf), "0x%llx", (unsigned long long)start);
	snprintf(sizebuf, sizeof(sizebuf), "0x%llx", (unsigned long long)size);
	if (o->dry_run) {
		printf("region %s: would create %s+%s%s%s\n", name, startbuf,
		       sizebuf, type ? ", online_type " : "", type ? type : "");
		free(dir);
		return EXIT_OK;
	}

	err = region_dir_writable(o);
	if (err) {
		free(dir);
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mkdir(dir, 0755)) {
		err = errno;
		warnx_("region %s: mkdir: %s", name, strerror(err));
		free(dir);
		return err == EACCES || err == EPERM ? EXIT_ENV : EXIT_FAIL;
	}
	err = region_write(o, name, "start", startbuf);
	if (!err)
		err = region_write(o, name, "size", sizebuf);
	if (!err && type)
		err = region_write(o, name, "online_type", type);
	if (!err)
		err = region_write(o, name, "enable", "1");
	if (err) {
		/* Leave nothing behind: the region was never enabled. */
		warnx_("region %s: %s (see the kernel log)", name, strerror(-err));
		if (rmdir(dir))
			warnx_("region %s: rmdir: %s", name, strerror(errno));
		free(dir);
		return EXIT_FAIL;
	}
	printf("region %s: %s+%s enabled (%.2f ms)\n", name, startbuf, sizebuf,
	       ms_since(&t0));
	free(dir);
	return EXIT_OK;
}

static int region_delete(const struct region_args *o, char **args, int nargs)
{
	const char *name = args[0];
	char enable[16];
	struct timespec t0;
	char *dir;
	int err;

	if (nargs != 1) {
		warnx_("withheld delete: NAME expected");
		return EXIT_USAGE;
	}
	if (!valid_name(name)) {
		warnx_("region %s: not a region name", name);
		return EXIT_USAGE;
	}
	err = region_dir_check(o);
	if (err)
		return err;
	dir = region_path(o, name, NULL);
	if (access(dir, F_OK)) {
		warnx_("region %s: no such region", name);
		free(dir);
		return EXIT_USAGE;
	}
	region_read(o, name, "enable", enable, sizeof(enable));
	if (o->dry_run) {
		printf("region %s: would %sremove it\n", name,
		       !strcmp(enable, "1") ? "disable and " : "");
		free(dir);
		return EXIT_OK;
	}

	err = region_dir_writable(o);
	if (err) {
		free(dir);
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(enable, "1")) {
		err = region_write(o, name, "enable", "0");
		if (err) {
			warnx_("region %s: disable: %s", name, strerror(-err));
			free(dir);
			return EXIT_FAIL;
		}
	}
	if (rmdir(dir)) {
		warnx_("region %s: rmdir: %s", name, strerror(errno));
		free(dir);
		return EXIT_FAIL;
	}
	printf("region %s: deleted (%.2f ms)\n", name, ms_since(&t0));
	free(dir);
	return EXIT_OK;
}

int region_run(const struct region_args *o, char **args, int nargs)
{
	const char *cmd = nargs ? args[0] : "list";

	if (nargs) {
		args++;
		nargs--;
	}
	if (strcmp(cmd, "create") && o->online_type) {
		warnx_("--online-type only applies to 'region create'");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "list")) {
		if (nargs) {
			warnx_("withheld list: no argument expected");
			return EXIT_USAGE;
		}
		if (o->dry_run) {
			warnx_("--dry-run does not apply to 'region list'");
			return EXIT_USAGE;
		}
		return region_list(o);
	}
	if (o->out.json || o->out.raw || o->out.pairs || o->out.noheadings) {
		warnx_("listing options only apply to 'region list'");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "create"))
		return region_create(o, args, nargs);
	if (!strcmp(cmd, "delete"))
		return region_delete(o, args, nargs);
	warnx_("withheld: unknown command '%s' (list, create or delete)", cmd);
	return EXIT_USAGE;
}
