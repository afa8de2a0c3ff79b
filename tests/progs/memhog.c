// SPDX-License-Identifier: GPL-2.0
/*
 * memhog MIB [PAUSE_MS]
 *
 * Memory pressure for the concurrency and soak tests: map MIB MiB of
 * anonymous memory and keep touching every page of it, pass after pass,
 * sleeping PAUSE_MS (default 0) after each pass, until SIGTERM or SIGINT.
 * The pages are movable, so offlining a memory block that holds some of
 * them has to migrate them while they are being written. The pause leaves
 * the CPU to the tests on a guest with few CPUs.
 *
 * Each pass checks that every page still holds what the previous pass
 * wrote (its index and the pass number, at both ends of the page), then
 * writes the values of this pass, so that a page that migration lost or
 * corrupted is noticed. Prints "memhog: MIB MiB touched" when the first
 * pass is done, and "memhog: MIB MiB, N passes, M bad pages" when it
 * ends; exit status 0 if no page was bad, 1 if one was, 2 on a usage or
 * mmap error.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t page_value(size_t page, uint64_t pass)
{
	return ((uint64_t)page << 24) ^ pass ^ 0x6d656d686f670000ULL;
}

int main(int argc, char **argv)
{
	size_t mib, pages, psize = (size_t)sysconf(_SC_PAGESIZE), i;
	uint64_t pass = 0, bad = 0;
	struct timespec pause = { 0 };
	struct sigaction sa;
	unsigned long ms = 0;
	uint64_t *p;
	char *mem;

	mib = argc >= 2 ? strtoul(argv[1], NULL, 0) : 0;
	if (argc > 3 || !mib) {
		fprintf(stderr, "usage: memhog MIB [PAUSE_MS]\n");
		return 2;
	}
	if (argc == 3)
		ms = strtoul(argv[2], NULL, 0);
	pause.tv_sec = ms / 1000;
	pause.tv_nsec = (ms % 1000) * 1000000L;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pages = mib * 1024 * 1024 / psize;
	mem = mmap(NULL, pages * psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "memhog: mmap %zu MiB: %s\n", mib,
			strerror(errno));
		return 2;
	}
	while (!stop) {
		for (i = 0; i < pages && !stop; i++) {
			p = (uint64_t *)(mem + i * psize);
			if (pass && (p[0] != page_value(i, pass - 1) ||
				     p[psize / 8 - 1] != page_value(i, pass - 1)))
				bad++;
			p[0] = page_value(i, pass);
			p[psize / 8 - 1] = page_value(i, pass);
		}
		/* An interrupted pass left pages of two passes: stop here. */
		if (i < pages)
			break;
		if (!pass++) {
			printf("memhog: %zu MiB touched\n", mib);
			fflush(stdout);
		}
		if (ms)
			nanosleep(&pause, NULL);
	}
	printf("memhog: %zu MiB, %llu passes, %llu bad pages\n", mib,
	       (unsigned long long)pass, (unsigned long long)bad);
	return bad ? 1 : 0;
}
