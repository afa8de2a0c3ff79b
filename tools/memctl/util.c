// SPDX-License-Identifier: GPL-2.0
/*
 * memctl - small helpers: allocation, attribute reading, number parsing
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memctl.h"

const char *progname = "memctl";
bool memctl_changed;

/*
 * At exit: a failed write to stdout (a full disk, a closed descriptor) is
 * an error like any other, as util-linux's tools treat it. The exit code
 * tells whether a state was changed before.
 */
static void close_stdout(void)
{
	int bad = ferror(stdout), err = 0;

	if (fclose(stdout)) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		if (err)
			warnx_("write error: %s", strerror(err));
		else
			warnx_("write error");
		_exit(memctl_changed ? EXIT_FAIL : EXIT_ENV);
	}
	if (ferror(stderr) || fclose(stderr))
		_exit(memctl_changed ? EXIT_FAIL : EXIT_ENV);
}

void memctl_init(void)
{
	setlocale(LC_ALL, "");
	atexit(close_stdout);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) oom(void)
{
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(EXIT_ENV);
}

void *xmalloc(size_t sz)
{
	void *p = calloc(1, sz ? sz : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz ? sz : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (ret < 0)
		oom();
	return p;
}

/*
 * Read a sysfs attribute into @buf, NUL-terminated, without trailing
 * whitespace.  Content past @len - 1 bytes is ignored.
 * Returns 0 or a negative errno.
 */
int read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	/* an embedded NUL ends the string */
	got = strlen(buf);
	while (got && isspace((unsigned char)buf[got - 1]))
		buf[--got] = '\0';
	return 0;
}

/*
 * Parse a whole string as an unsigned 64-bit number.  Base 0 accepts
 * decimal and 0x-prefixed hex (but not octal: "010" is ten).
 */
int parse_u64(const char *s, int base, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!*s || !isxdigit((unsigned char)*s))
		return -EINVAL;
	if (base == 0)
		base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (*end || end == s)
		return -EINVAL;
	*val = v;
	return 0;
}

/*
 * Parse a size as util-linux does: "<number>[.<fraction>][KMGTPE][iB]"
 * (powers of 1024), "<number>[KMGTPE]B" (powers of 1000), or a plain
 * number of bytes (decimal or 0x hex). Returns 0, -EINVAL or -ERANGE.
 */
int parse_size(const char *s, uint64_t *val)
{
	static const char units[] = "KMGTPE";
	unsigned long long v, frac = 0, scale = 1;
	unsigned __int128 r;
	const char *u;
	char *end;
	int i, n;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (end == s)
		return -EINVAL;
	if (*end == '.' && s[1] != 'x' && s[1] != 'X') {
		/* a fraction, as util-linux takes it: 1.5G */
		for (end++; isdigit((unsigned char)*end); end++) {
			if (scale >= 1000000000ULL)
				continue;	/* finer than a byte */
			frac = frac * 10 + (*end - '0');
			scale *= 10;
		}
		if (scale == 1)
			return -EINVAL;
	}
	if (!*end) {
		if (scale != 1)
			return -EINVAL;	/* a fraction needs a unit */
		*val = v;
		return 0;
	}
	u = strchr(units, toupper((unsigned char)*end));
	if (!u || !*u)
		return -EINVAL;
	end++;
	/* K, KiB: powers of 1024; KB: powers of 1000, as util-linux */
	n = (int)(u - units + 1);
	r = 1;
	if (!strcmp(end, "B")) {
		for (i = 0; i < n; i++)
			r *= 1000;
	} else if (!*end || !strcmp(end, "iB")) {
		r <<= 10 * n;
	} else {
		return -EINVAL;
	}
	r = (unsigned __int128)v * r + (unsigned __int128)frac * r / scale;
	if (r > UINT64_MAX)
		return -ERANGE;
	*val = (uint64_t)r;
	return 0;
}

/* "128M", "1.5G", "512B": like util-linux's size_to_human_string() */
char *size_to_human(uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	uint64_t unit, whole, frac;
	unsigned int i = 0;
	unsigned int tenths;

	while (i < sizeof(units) - 2 && (bytes >> (10 * (i + 1))))
		i++;
	unit = 1ULL << (10 * i);
	whole = bytes >> (10 * i);
	frac = bytes & (unit - 1);
	tenths = (unsigned int)((double)frac * 10.0 / (double)unit + 0.5);
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (tenths)
		return xasprintf("%llu.%u%c", (unsigned long long)whole,
				 tenths, units[i]);
	return xasprintf("%llu%c", (unsigned long long)whole, units[i]);
}

/* Length of a valid UTF-8 sequence at @s, or 0 if it is not valid. */
static int utf8_len(const unsigned char *s)
{
	int len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong or surrogate forms */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/*
 * Make a string from the kernel safe for a terminal and for JSON: control
 * characters and bytes that are not UTF-8 become '?'.
 */
void sanitize(char *str)
{
	unsigned char *s = (unsigned char *)str;
	int n;

	while (*s) {
		if (*s < 0x20 || *s == 0x7f) {
			*s++ = '?';
		} else if (*s < 0x80) {
			s++;
		} else {
			n = utf8_len(s);
			if (n)
				s += n;
			else
				*s++ = '?';
		}
	}
}

double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	       (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Write "@word\n" to a sysfs or configfs attribute: 0 or a positive errno.
 * @ms (if not NULL) gets the duration of the write(), the time the kernel
 * took. A fake tree (--sysfs-root) holds regular files: what is left of the
 * previous word is cut off after a successful write, and not on open, so
 * that a failed write leaves the file as it was, like the kernel's state.
 */
int write_word(const char *path, const char *word, double *ms)
{
	char *buf = xasprintf("%s\n", word);
	size_t len = strlen(buf);
	struct timespec t0;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		free(buf);
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = write(fd, buf, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	if (ms)
		*ms = ms_since(&t0);
	if (!err && !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    ftruncate(fd, len))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	free(buf);
	return err;
}
