// SPDX-License-Identifier: GPL-2.0
/*
 * memctl udev-env: the properties of one memory block for udev's
 * IMPORT{program}, and the decision of the depopulation policy.
 *
 * The policy sends driver-managed memory that arrives offline straight to
 * offline_depopulated when its owner is listed in the policy file
 * (/etc/memctl/depopulate.conf): one owner per word, '#' starts a comment.
 * An owner is what /proc/iomem names the block's "System RAM (...)"
 * resource after, with the space before an instance name made a colon:
 * "virtio_mem", "withheld_ram:NAME", and "kmem:daxX.Y" for dax/kmem (sysfs.c,
 * owner_of()). A word without a colon also matches every instance of that
 * driver ("withheld_ram", "kmem").
 *
 * The file is read here, not in the rule, so that a typo in it is reported
 * (on stderr, which udev logs) and turns the policy off for the event
 * instead of being matched as a pattern.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memctl.h"

#define POLICY_FILE	"etc/memctl/depopulate.conf"
#define OWNER_MAX	64

bool valid_owner_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("_-.:", c);
}

static bool owner_listed(const char *word, const char *id)
{
	size_t n = strlen(word);

	if (!strcmp(word, id))
		return true;
	return !strchr(word, ':') && !strncmp(id, word, n) && id[n] == ':';
}

/*
 * Does the policy file list this owner? 1 yes, 0 no, -ENOENT no file;
 * EXIT_USAGE or EXIT_ENV (positive) after an error message.
 */
static int policy_lists(const char *path, const char *id)
{
	char *line = NULL, *word, *save;
	int ret = 0, lineno = 0;
	size_t len = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return -ENOENT;
		warnx_("%s: %s", path, strerror(errno));
		return EXIT_ENV;
	}
	while (getline(&line, &len, f) > 0) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		for (word = strtok_r(line, " \t\r", &save); word;
		     word = strtok_r(NULL, " \t\r", &save)) {
			const char *p;

			for (p = word; *p && valid_owner_char(*p); p++)
				;
			if (*p || p - word > OWNER_MAX || *word == ':' ||
			    p[-1] == ':') {
				sanitize(word);
				warnx_("%s:%d: invalid owner '%s' (want DRIVER[:NAME])",
				       path, lineno, word);
				ret = EXIT_USAGE;
				goto out;
			}
			if (id && owner_listed(word, id))
				ret = 1;
		}
	}
	if (ferror(f)) {
		warnx_("%s: read error", path);
		ret = EXIT_ENV;
	}
out:
	free(line);
	fclose(f);
	return ret;
}

static void print_quoted(const char *key, const char *val)
{
	const char *p;

	printf("%s=\"", key);
	for (p = val; *p; p++)
		putchar(*p == '"' || *p == '\\' || *p < ' ' ? '?' : *p);
	printf("\"\n");
}

int udev_env(const char *root, const char *config, const char *block)
{
	const char *reason = NULL;
	char *id = NULL, *path = NULL;
	struct memtree t;
	struct mblock *b;
	int ret;

	ret = memtree_load_one(&t, root, block);
	if (ret)
		goto out;
	b = &t.blocks[0];
	if (!config) {
		size_t rl = strlen(root);

		while (rl && root[rl - 1] == '/')
			rl--;
		path = xasprintf("%.*s/" POLICY_FILE, (int)rl, root);
		config = path;
	}

	if (t.iomem_ok && b->managed)
		id = xstrdup(b->owner);
	ret = policy_lists(config, id);
	if (ret > 1)
		goto out;
	if (ret == -ENOENT)
		reason = "no policy file";
	else if (!t.iomem_ok)
		reason = "owner unknown";
	else if (!id)
		reason = "not driver-managed memory";
	else if (!ret)
		reason = "owner not listed";
	else if (b->state != MS_OFFLINE)
		reason = "not offline";
	else if (!b->depop)
		reason = "not depopulatable";

	printf("MEMCTL_STATE=%s\n", state_name(b->state));
	printf("MEMCTL_DEPOPULATABLE=%d\n", b->depop);
	if (t.iomem_ok && b->resource)
		print_quoted("MEMCTL_RESOURCE", b->resource);
	if (id)
		printf("MEMCTL_OWNER=%s\n", id);
	printf("MEMCTL_POLICY=%s\n", reason ? "none" : "offline_depopulated");
	if (reason)
		printf("MEMCTL_POLICY_REASON=\"%s\"\n", reason);
	ret = EXIT_OK;
	if (fflush(stdout) || ferror(stdout)) {
		warnx_("write error: %s", strerror(errno));
		ret = EXIT_ENV;
	}
out:
	free(id);
	free(path);
	memtree_free(&t);
	return ret;
}
