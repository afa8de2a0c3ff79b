// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs_write FILE WORD
 *
 * Write WORD to FILE in one write(2) and report the outcome on stdout as
 * "OK" or the errno's symbolic name ("EBUSY", "EINVAL", ...), so that shell
 * tests can assert the exact errno a sysfs store returned. Exit status: 0 on
 * success, 1 if the write failed, 2 if the file could not be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	const char *name;
	ssize_t len, ret;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: sysfs_write FILE WORD\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "sysfs_write: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	len = strlen(argv[2]);
	ret = write(fd, argv[2], len);
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
