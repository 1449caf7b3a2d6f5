// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page-out: the plan read from /proc/PID/smaps (what is asked to go, what
 * stays and why), the resumption after a range the kernel refuses (here, on
 * this test's own memory: three ranges, the middle one mlocked, as
 * process_madvise() stops at the first that fails), and the record's text.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pageout.h"
#include "tap.h"
#include "util.h"

/* Real blocks of a process's smaps, cut to the lines the plan reads and a few it must skip. */
static const char smaps[] =
	"5590a0e00000-5590a0e21000 r-xp 00000000 08:01 1311  /usr/bin/locked\n"
	"Size:                132 kB\n"
	"Rss:                 132 kB\n"
	"Anonymous:             0 kB\n"
	"Locked:                0 kB\n"
	"VmFlags: rd ex mr mw me sd\n"
	"5590a2000000-5590a7000000 rw-p 00000000 00:00 0                          [heap]\n"
	"Size:              81920 kB\n"
	"Rss:               81920 kB\n"
	"Anonymous:         81920 kB\n"
	"Locked:                0 kB\n"
	"VmFlags: rd wr mr mw me ac sd\n"
	"5590a7000000-5590a9000000 rw-p 00000000 00:00 0                          [heap]\n"
	"Size:              32768 kB\n"
	"Rss:               32768 kB\n"
	"Anonymous:         32768 kB\n"
	"Locked:            32768 kB\n"
	"VmFlags: rd wr mr mw me lo ac sd\n"
	"5590a9000000-5590b1000000 rw-p 00000000 00:00 0                          [heap]\n"
	"Size:             131072 kB\n"
	"Rss:              131072 kB\n"
	"Anonymous:        100000 kB\n"
	"Locked:                0 kB\n"
	"VmFlags: rd wr mr mw me ac sd\n"
	"7f0000000000-7f0000400000 rw-s 00000000 00:01 2048  /dev/zero (deleted)\n"
	"Size:               4096 kB\n"
	"Rss:                4096 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd wr sh mr mw me ms sd\n"
	"7f0000400000-7f0000500000 rw-p 00000000 00:00 0 \n"
	"Size:               1024 kB\n"
	"Rss:                   0 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd wr mr mw me ac sd\n"
	"7f0000600000-7f0000700000 rw-p 00000000 00:00 0 \n"
	"Size:               1024 kB\n"
	"Rss:                1024 kB\n"
	"Anonymous:          1024 kB\n"
	"VmFlags: rd wr mr mw me ac sd lf lo\n"
	"7f0000800000-7f0000900000 rw-p 00000000 00:05 7  /dev/mem\n"
	"Size:               1024 kB\n"
	"Rss:                1024 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd wr mr mw me io pf dd\n"
	"7ffd4b3e2000-7ffd4b3e6000 r--p 00000000 00:00 0                          [vvar]\n"
	"Size:                 16 kB\n"
	"Rss:                   0 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd mr pf io de dd sd\n"
	"7ffd4b400000-7ffd4b421000 rw-p 00000000 00:00 0                          [stack]\n"
	"Size:                132 kB\n"
	"Rss:                  20 kB\n"
	"Anonymous:            20 kB\n"
	"VmFlags: rd wr mr mw me gd ac\n";

static void test_plan(void)
{
	struct pageout_stats st = { 0 };
	struct iovec *iov = NULL;
	int n = pageout_plan(smaps, 16 * MIB, &iov, &st);

	/* the heap's two unlocked parts (80 MiB: 5 pieces; 128 MiB: 8) and the stack */
	CHECK_EQ_U(n, 5 + 8 + 1);
	CHECK_EQ_U(st.ranges, 3);
	CHECK_EQ_U(st.anon, (81920ULL + 100000 + 20) * 1024);
	CHECK_EQ_U(st.locked, (32768ULL + 1024) * 1024);
	CHECK_EQ_U(st.shared, 4096ULL * 1024);
	CHECK_EQ_U(st.file, 132ULL * 1024);
	if (n == 14) {
		CHECK_EQ_U((uintptr_t)iov[0].iov_base, 0x5590a2000000ULL);
		CHECK_EQ_U(iov[0].iov_len, 16 * MIB);
		CHECK_EQ_U((uintptr_t)iov[5].iov_base, 0x5590a9000000ULL);
		CHECK_EQ_U((uintptr_t)iov[12].iov_base, 0x5590a9000000ULL + 7 * 16 * MIB);
		CHECK_EQ_U(iov[12].iov_len, 16 * MIB);
		CHECK_EQ_U((uintptr_t)iov[13].iov_base, 0x7ffd4b400000ULL);
		CHECK_EQ_U(iov[13].iov_len, 0x21000);
	}
	free(iov);
}

/* Three ranges of this process, the middle one mlocked: the page-out skips it and goes on. */
static void test_resume_after_refused_range(void)
{
	size_t len = 3 * MIB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pageout po = { 0 };
	int r;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x5a, len);
	/* the system call itself: AddressSanitizer makes mlock() a no-op */
	CHECK(syscall(SYS_mlock, p + MIB, MIB) == 0);
	po.pid = getpid();
	po.pidfd = pidfd_open(getpid(), 0);
	CHECK(po.pidfd >= 0);
	po.iov = calloc(3, sizeof(*po.iov));
	for (int i = 0; i < 3; i++)
		po.iov[i] = (struct iovec){ p + (size_t)i * MIB, MIB };
	po.n = 3;
	po.st.anon = len;
	r = pageout_run(&po, 1000000000ULL);
	CHECK_EQ_U(r, 0);
	CHECK_EQ_U(po.next, 3);
	CHECK_EQ_U(po.st.done, 2 * MIB);
	CHECK_EQ_U(po.st.failed, MIB);
	CHECK_EQ_U(po.st.failed_ranges, 1);
	CHECK_EQ_U(po.st.first_error, EINVAL);
	pageout_end(&po);
	syscall(SYS_munlock, p + MIB, MIB);

	/* a range unmapped meanwhile (ENOMEM) is no refusal: nothing of it stays */
	munmap(p + MIB, MIB);
	memset(&po, 0, sizeof(po));
	po.pid = getpid();
	po.pidfd = pidfd_open(getpid(), 0);
	po.iov = calloc(3, sizeof(*po.iov));
	for (int i = 0; i < 3; i++)
		po.iov[i] = (struct iovec){ p + (size_t)i * MIB, MIB };
	po.n = 3;
	po.st.anon = len;
	CHECK_EQ_U(pageout_run(&po, 1000000000ULL), 0);
	CHECK_EQ_U(po.st.done, 2 * MIB);
	CHECK_EQ_U(po.st.failed, 0);
	pageout_end(&po);
	munmap(p, MIB);
	munmap(p + 2 * MIB, MIB);
}

static void test_format(void)
{
	struct pageout_stats st = {
		.anon = 267 * MIB, .paged_out = 266 * MIB, .locked = 32 * MIB, .file = 1468006,
		.seconds = 0.33, .slices = 3, .longest_slice = 0.117,
	};
	char buf[400];

	pageout_format(&st, buf, sizeof(buf));
	CHECK(strcmp(buf, "paged out 266 MiB of 267 MiB anonymous in 0.33 s (3 slices, longest 0.117 s); "
			  "stayed in RAM: 32 MiB mlocked, 1.4 MiB file") == 0);
	printf("# %s\n", buf);
	st = (struct pageout_stats){ .anon = 8 * MIB, .paged_out = 8 * MIB, .seconds = 0.01, .slices = 1 };
	pageout_format(&st, buf, sizeof(buf));
	CHECK(strcmp(buf, "paged out 8 MiB of 8 MiB anonymous in 0.01 s") == 0);
	st.failed = MIB;
	st.failed_ranges = 1;
	st.first_error = EINVAL;
	pageout_format(&st, buf, sizeof(buf));
	CHECK(strcmp(buf, "paged out 8 MiB of 8 MiB anonymous in 0.01 s; stayed in RAM: 1 MiB refused (1 range: Invalid argument)") == 0);
	pageout_format(&st, buf, 20); /* cut short, still a string */
	CHECK(strlen(buf) == 19);
}

int main(void)
{
	RUN_TEST(test_plan);
	RUN_TEST(test_resume_after_refused_range);
	RUN_TEST(test_format);
	TAP_DONE();
}
