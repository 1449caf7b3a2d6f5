// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * locked: a leaker with an mlocked region in the middle of its heap.
 *   locked HEAP_MIB LOCKED_MIB RATE_MIB_PER_S MAX_MIB
 * Grows its heap (brk) by HEAP_MIB and fills it; mlocks LOCKED_MIB in the
 * middle of it, at a third of the way in (the heap's mapping is split in
 * three: unlocked, locked, unlocked); prints "ready" on stdout and waits for
 * SIGUSR1; then leaks RATE MiB every second in 1 MiB anonymous mappings up
 * to MAX_MIB, prints "leaked", and holds still, touching nothing. Runs
 * until killed.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1UL << 20)

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	sigset_t usr1, old;
	unsigned long heap, locked, max;
	double rate;
	char *base;

	if (argc != 5) {
		fprintf(stderr, "usage: locked HEAP_MIB LOCKED_MIB RATE_MIB_PER_S MAX_MIB\n");
		return 2;
	}
	heap = strtoul(argv[1], NULL, 10) * MIB;
	locked = strtoul(argv[2], NULL, 10) * MIB;
	rate = atof(argv[3]);
	max = strtoul(argv[4], NULL, 10);
	if (locked + 2 * MIB > heap || rate <= 0) {
		fprintf(stderr, "locked: LOCKED_MIB + 2 <= HEAP_MIB and RATE > 0\n");
		return 2;
	}
	/* blocked until sigsuspend(): a SIGUSR1 sent right after "ready" is not lost */
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	base = sbrk(0);
	/* page-aligned, so that the locked part is whole pages */
	base = (char *)(((uintptr_t)base + 4095) & ~(uintptr_t)4095);
	if (brk(base + heap) != 0) {
		perror("locked: brk");
		return 1;
	}
	memset(base, 0x5a, heap);
	if (mlock(base + heap / 3 / 4096 * 4096, locked) != 0) {
		perror("locked: mlock");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!go)
		sigsuspend(&old);
	for (unsigned long i = 0; i < max; i++) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("locked: mmap");
			return 1;
		}
		memset(p, 0x3c, MIB);
		usleep((useconds_t)(1e6 / rate));
	}
	printf("leaked\n");
	fflush(stdout);
	for (;;)
		pause();
}
