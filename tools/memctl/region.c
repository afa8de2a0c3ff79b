// SPDX-License-Identifier: GPL-2.0
/*
 * memctl region: memregion regions, the configfs interface that hot-adds
 * RAM the kernel withheld at boot as driver-managed memory
 * (/sys/kernel/config/memregion/NAME/{start,size,online_type,enable}).
 *
 *   memctl region [list] [--json]
 *   memctl region create NAME START SIZE [--online-type TYPE] [--dry-run]
 *   memctl region delete NAME [--dry-run]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "memctl.h"

#define REGION_DIR	"sys/kernel/config/memregion"
#define NAME_MAX_LEN	64

static const char *const online_types[] = {
	"default", "offline", "offline_depopulated", "online",
	"online_kernel", "online_movable",
};

struct region_opts {
	const char *root;
	const char *online_type;
	bool dry_run;
	bool json;
};

static void region_usage(FILE *f)
{
	fprintf(f,
"Usage:\n"
" %1$s region [list] [--json]\n"
" %1$s region create NAME START SIZE [--online-type TYPE] [--dry-run]\n"
" %1$s region delete NAME [--dry-run]\n"
"\n"
"Regions of RAM that firmware described but the kernel did not take at boot\n"
"(mem=), hot-added as driver-managed memory through configfs (memregion).\n"
"create makes, configures and enables a region; delete disables it, which\n"
"offlines and removes its memory, and removes it. TYPE is default,\n"
"offline, offline_depopulated, online, online_kernel or online_movable.\n",
		progname);
}

static char *region_path(const struct region_opts *o, const char *name,
			 const char *attr)
{
	if (!name)
		return xasprintf("%s/%s", o->root, REGION_DIR);
	if (!attr)
		return xasprintf("%s/%s/%s", o->root, REGION_DIR, name);
	return xasprintf("%s/%s/%s/%s", o->root, REGION_DIR, name, attr);
}

/* Write @val to a region attribute; 0 or a negative errno. */
static int region_write(const struct region_opts *o, const char *name,
			const char *attr, const char *val)
{
	char *path = region_path(o, name, attr);
	ssize_t len = strlen(val), ret;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		err = -errno;
	} else {
		ret = write(fd, val, len);
		if (ret < 0)
			err = -errno;
		else if (ret != len)
			err = -EIO;
		close(fd);
	}
	free(path);
	return err;
}

static void region_read(const struct region_opts *o, const char *name,
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
static int region_dir_check(const struct region_opts *o)
{
	char *dir = region_path(o, NULL, NULL);
	struct stat st;
	int ret = EXIT_OK;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		warnx_("%s: not found (kernel without CONFIG_MEMREGION_CONFIGFS, or configfs not mounted)",
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

static int region_list(const struct region_opts *o)
{
	char start[64], size[64], type[64], enable[16];
	char *dir = region_path(o, NULL, NULL);
	struct out_opts oo = { .json = o->json };
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

	tb = out_table_new("regions", &oo);
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

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	       (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int region_create(const struct region_opts *o, char **args, int nargs)
{
	const char *name = args[0], *type = o->online_type;
	char startbuf[32], sizebuf[32];
	uint64_t start, size;
	struct timespec t0;
	char *dir;
	int err;

	if (nargs != 3) {
		warnx_("region create: NAME START SIZE expected");
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

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mkdir(dir, 0755)) {
		err = -errno;
		warnx_("region %s: mkdir: %s", name, strerror(-err));
		free(dir);
		return EXIT_PARTIAL;
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
		return EXIT_PARTIAL;
	}
	printf("region %s: %s+%s enabled (%.2f ms)\n", name, startbuf, sizebuf,
	       ms_since(&t0));
	free(dir);
	return EXIT_OK;
}

static int region_delete(const struct region_opts *o, char **args, int nargs)
{
	const char *name = args[0];
	char enable[16];
	struct timespec t0;
	char *dir;
	int err;

	if (nargs != 1) {
		warnx_("region delete: NAME expected");
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

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(enable, "1")) {
		err = region_write(o, name, "enable", "0");
		if (err) {
			warnx_("region %s: disable: %s", name, strerror(-err));
			free(dir);
			return EXIT_PARTIAL;
		}
	}
	if (rmdir(dir)) {
		warnx_("region %s: rmdir: %s", name, strerror(errno));
		free(dir);
		return EXIT_PARTIAL;
	}
	printf("region %s: deleted (%.2f ms)\n", name, ms_since(&t0));
	free(dir);
	return EXIT_OK;
}

int region_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "online-type", required_argument, NULL, 't' },
		{ "sysfs-root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct region_opts o = { 0 };
	const char *cmd = "list";
	int c;

	o.root = getenv("MEMCTL_SYSFS_ROOT");
	optind = 1;
	/* Options may come before or after the command and its arguments. */
	while ((c = getopt_long(argc, argv, "nJt:R:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = true;
			break;
		case 'J':
			o.json = true;
			break;
		case 't':
			o.online_type = optarg;
			break;
		case 'R':
			o.root = optarg;
			break;
		case 'h':
			region_usage(stdout);
			return EXIT_OK;
		default:
			region_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!o.root)
		o.root = "";
	if (optind < argc)
		cmd = argv[optind++];

	if (!strcmp(cmd, "list") && optind == argc)
		return region_list(&o);
	if (!strcmp(cmd, "create") && optind < argc)
		return region_create(&o, argv + optind, argc - optind);
	if (!strcmp(cmd, "delete") && optind < argc)
		return region_delete(&o, argv + optind, argc - optind);
	warnx_("region: unknown command or missing arguments: %s", cmd);
	region_usage(stderr);
	return EXIT_USAGE;
}
