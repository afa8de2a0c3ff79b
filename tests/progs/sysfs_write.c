// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs_write [--fail-alloc] FILE WORD
 *
 * Write WORD to FILE in one write(2) and report the outcome on stdout as
 * "OK" or the errno's symbolic name ("EBUSY", "EINVAL", ...), so that shell
 * tests can assert the exact errno a sysfs store returned. Exit status: 0 on
 * success, 1 if the write failed, 2 if the file could not be opened.
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

/*
 * Make sure no page fault can happen between the two flag switches: every
 * mapping locked and populated, page tables included, and 64 KiB of stack
 * below this frame touched, far more than write(2) and the switches use.
 */
static int prefault(int fail_fd)
{
	volatile char stack[64 << 10];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 512)
		stack[i] = 0;
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return -1;
	return set_make_it_fail(fail_fd, '0');
}

int main(int argc, char **argv)
{
	int fail_fd = -1, saved_errno;
	const char *name;
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
	}
	if (argc != 3) {
		fprintf(stderr, "usage: sysfs_write [--fail-alloc] FILE WORD\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "sysfs_write: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	len = strlen(argv[2]);
	if (fail_fd >= 0 && prefault(fail_fd)) {
		perror("sysfs_write: mlockall");
		return 2;
	}
	/* Nothing between the two switches may fault in user space. */
	if (fail_fd >= 0 && set_make_it_fail(fail_fd, '1')) {
		perror("sysfs_write: make-it-fail");
		return 2;
	}
	ret = write(fd, argv[2], len);
	saved_errno = errno;
	if (fail_fd >= 0 && set_make_it_fail(fail_fd, '0')) {
		perror("sysfs_write: make-it-fail");
		return 2;
	}
	errno = saved_errno;
	if (ret == len) {
		puts("OK");
		return 0;
	}
	if (ret >= 0) {
		printf("SHORT(%zd)\n", ret);
		return 1;
	}
	name = errno_name(errno);
	if (name)
		puts(name);
	else
		printf("E%d\n", errno);
	return 1;
}
