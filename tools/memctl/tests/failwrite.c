// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for memctl's host tests: a fake sysfs state file is a
 * regular file and accepts any write, so this makes chosen writes fail the
 * way the kernel's would.
 *
 *   FAILWRITE="memory38=EBUSY memory40=EOPNOTSUPP:offline memory41=EBUSY*2"
 *
 * memoryN=ERRNO       every write to memoryN/state fails with ERRNO
 * ...:STATE           and leaves STATE in the file (a partial transition)
 * ...*K               only the first K writes fail
 *
 * Each failing write is logged to $FAILWRITE_LOG, if set.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static ssize_t (*real_write)(int, const void *, size_t);
static unsigned int hits[64];

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EBUSY", EBUSY }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOMEM", ENOMEM }, { "EINVAL", EINVAL }, { "EIO", EIO },
	{ "EAGAIN", EAGAIN }, { "EPERM", EPERM },
};

/* Find the rule for @block; fills @err, @state, @count. */
static int lookup(const char *block, int *err, char *state, size_t slen,
		  unsigned int *count, int *slot)
{
	const char *spec = getenv("FAILWRITE");
	char *copy, *tok, *save = NULL;
	int n = 0, found = 0;

	if (!spec)
		return 0;
	copy = strdup(spec);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save), n++) {
		char *eq = strchr(tok, '='), *colon, *star;
		size_t i;

		if (!eq)
			continue;
		*eq = '\0';
		if (strcmp(tok, block))
			continue;
		star = strchr(eq + 1, '*');
		*count = star ? (unsigned int)atoi(star + 1) : 0;
		if (star)
			*star = '\0';
		colon = strchr(eq + 1, ':');
		state[0] = '\0';
		if (colon) {
			*colon = '\0';
			snprintf(state, slen, "%s\n", colon + 1);
		}
		*err = EIO;
		for (i = 0; i < ARRAY_SIZE(errnos); i++)
			if (!strcmp(errnos[i].name, eq + 1))
				*err = errnos[i].err;
		*slot = n < 64 ? n : 63;
		found = 1;
		break;
	}
	free(copy);
	return found;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	char link[64], path[4096], block[64], state[64];
	unsigned int count;
	const char *p, *q;
	int err, slot;
	ssize_t n;

	if (!real_write)
		real_write = (ssize_t (*)(int, const void *, size_t))
			dlsym(RTLD_NEXT, "write");

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return real_write(fd, buf, len);
	path[n] = '\0';
	/* .../memoryN/state */
	q = strrchr(path, '/');
	if (!q || strcmp(q, "/state"))
		return real_write(fd, buf, len);
	for (p = q - 1; p > path && *p != '/'; p--)
		;
	if (*p != '/' || (size_t)(q - p - 1) >= sizeof(block))
		return real_write(fd, buf, len);
	memcpy(block, p + 1, q - p - 1);
	block[q - p - 1] = '\0';

	if (!lookup(block, &err, state, sizeof(state), &count, &slot))
		return real_write(fd, buf, len);
	if (count && hits[slot] >= count)
		return real_write(fd, buf, len);
	hits[slot]++;

	p = getenv("FAILWRITE_LOG");
	if (p) {
		int lfd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (lfd >= 0) {
			char msg[128];
			int m = snprintf(msg, sizeof(msg), "%s %d\n", block,
					 err);

			real_write(lfd, msg, m);
			close(lfd);
		}
	}
	if (state[0]) {
		/* memctl writes at offset 0 and truncates after a write */
		if (real_write(fd, state, strlen(state)) > 0 &&
		    ftruncate(fd, strlen(state)))
			return -1;
	}
	errno = err;
	return -1;
}
