// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs_write [--fail-alloc] FILE WORD
 *
 * Write WORD to FILE in one write(2) and report the outcome on stdout as
 * "OK" or the errno's symbolic name ("EBUSY", "EINVAL", ...), so that shell
 * tests can assert the exact errno a sysfs store returned. Exit status: 0 on
 * success, 1 if the write failed, 2 if the file could not be opened (its
 * errno name on stdout too, and a message on stderr).
 *
 * --fail-alloc sets /proc/self/make-it-fail around the write(2) alone, so
 * that fault injection (fail_page_alloc with task-filter) fails the page
 * allocations of that system call and of nothing else in this process.
 * Nothing else may fault while the flag is set: a user page fault that
 * needs a page (a stack page, a page-table page for a text page touched
 * for the first time) would fail with VM_FAULT_OOM and be retried for ever.
 * So the process first locks and populates every mapping it has and will
 * have (mlockall), touches the stack it will use, and runs the code path of
 * the flag switch once with the flag clear.
 *
 * --fail-nth N writes N to /proc/thread-self/fail-nth right before the
 * write(2), so that the Nth fault injection point this task passes (page
 * allocations with fail_page_alloc, slab allocations with failslab; their
 * ignore-gfp-* and min-order settings still apply) fails, once, whatever
 * the probability. A second word follows the result: "injected" if that
 * point was reached, "clean" if the write passed fewer than N points
 * (then nothing failed, and the counter is reset).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECANCELED: return "ECANCELED";
	case EHWPOISON: return "EHWPOISON";
	default: return NULL;
	}
}

static int set_make_it_fail(int fd, char value)
{
	return pwrite(fd, &value, 1, 0) == 1 ? 0 : -1;
}

/* Arm fail-nth with @nth ("0" disarms it). */
static int set_fail_nth(int fd, const char *nth)
{
	ssize_t len = strlen(nth);

	return pwrite(fd, nth, len, 0) == len ? 0 : -1;
}

/* Whether the armed fault was injected: fail-nth reads 0 then. */
static int fail_nth_injected(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return buf[0] == '0' && (buf[1] == '\n' || !buf[1]);
}

/*
 * Make sure no page fault can happen between the two flag switches: every
 * mapping locked and populated, page tables included, and 64 KiB of stack
 * below this frame touched, far more than write(2) and the switches use.
 */
static int prefault(int fail_fd, int nth_fd)
{
	volatile char stack[64 << 10];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 512)
		stack[i] = 0;
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return -1;
	if (nth_fd >= 0)
		return set_fail_nth(nth_fd, "0") || fail_nth_injected(nth_fd) < 0;
	return set_make_it_fail(fail_fd, '0');
}

int main(int argc, char **argv)
{
	int fail_fd = -1, nth_fd = -1, injected = 0, saved_errno;
	const char *name, *nth = NULL;
	ssize_t len, ret;
	int fd;

	if (argc == 4 && !strcmp(argv[1], "--fail-alloc")) {
		fail_fd = open("/proc/self/make-it-fail", O_WRONLY);
		if (fail_fd < 0) {
			perror("sysfs_write: /proc/self/make-it-fail");
			return 2;
		}
		argc--;
		argv++;
	} else if (argc == 5 && !strcmp(argv[1], "--fail-nth")) {
		nth = argv[2];
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
		if (nth_fd < 0) {
			perror("sysfs_write: /proc/thread-self/fail-nth");
			return 2;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: sysfs_write [--fail-alloc | --fail-nth N] FILE WORD\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "sysfs_write: %s: %s\n", argv[1], strerror(err));
		if (errno_name(err))
			puts(errno_name(err));
		else
			printf("E%d\n", err);
		return 2;
	}
	len = strlen(argv[2]);
	if ((fail_fd >= 0 || nth_fd >= 0) && prefault(fail_fd, nth_fd)) {
		perror("sysfs_write: mlockall");
		return 2;
	}
	/* Nothing between the two switches may fault in user space. */
	if (fail_fd >= 0 && set_make_it_fail(fail_fd, '1')) {
		perror("sysfs_write: make-it-fail");
		return 2;
	}
	if (nth_fd >= 0 && set_fail_nth(nth_fd, nth)) {
		perror("sysfs_write: fail-nth");
		return 2;
	}
	ret = write(fd, argv[2], len);
	saved_errno = errno;
	if (fail_fd >= 0 && set_make_it_fail(fail_fd, '0')) {
		perror("sysfs_write: make-it-fail");
		return 2;
	}
	if (nth_fd >= 0) {
		injected = fail_nth_injected(nth_fd);
		if (injected < 0 || (!injected && set_fail_nth(nth_fd, "0"))) {
			perror("sysfs_write: fail-nth");
			return 2;
		}
	}
	errno = saved_errno;
	if (ret == len) {
		printf("OK%s\n", nth ? (injected ? " injected" : " clean") : "");
		return 0;
	}
	if (ret >= 0) {
		printf("SHORT(%zd)%s\n", ret,
		       nth ? (injected ? " injected" : " clean") : "");
		return 1;
	}
	name = errno_name(saved_errno);
	if (name)
		printf("%s", name);
	else
		printf("E%d", saved_errno);
	printf("%s\n", nth ? (injected ? " injected" : " clean") : "");
	return 1;
}
