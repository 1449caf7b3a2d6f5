// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The system watch on /proc/meminfo series, as the daemon would read them
 * scan after scan: the floor rule (and the integer division that makes
 * adaptivemm's 10 % line "any growth"), the Debian VPS whose unreclaimable
 * slab grew 1 MiB per `service --status-all`, unaccounted memory that
 * doubles, and socket queues that nobody reads.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "syswatch.h"
#include "tap.h"
#include "util.h"

static const struct floor_rule rule = { .slow_pct = 10, .slow_scans = 10, .sudden_scans = 3,
					.min_growth = 8 * MIB };

/* Feed a series; return the first index with verdict `want`, or -1. */
static int first_verdict(const uint64_t *v, int n, enum floor_verdict want)
{
	struct floor_track t = { 0 };

	for (int i = 0; i < n; i++)
		if (floor_feed(&t, &rule, v[i], NULL) == want)
			return i;
	return -1;
}

/*
 * The line adaptivemm draws, as its code computes it: (100 + 10) / 100 == 1
 * in integer arithmetic, so any growth is "more than 10 %".
 */
static bool adaptivemm_line(uint64_t value, uint64_t base)
{
	return value > base * ((100 + 10) / 100);
}

/* A floor, then one value held: v[0] = floor, v[1..n-1] = held. */
static void step_series(uint64_t *v, int n, uint64_t floor, uint64_t held)
{
	v[0] = floor;
	for (int i = 1; i < n; i++)
		v[i] = held;
}

static void test_five_percent_never(void)
{
	uint64_t v[60];

	step_series(v, 60, 100 * MIB, 105 * MIB);
	CHECK(first_verdict(v, 60, FLOOR_SLOW) == -1);
	CHECK(first_verdict(v, 60, FLOOR_SUDDEN) == -1);
	/* the same series trips the integer-division line on every scan: the bug this test catches */
	CHECK(adaptivemm_line(v[1], v[0]));
}

static void test_eleven_percent_ten_scans(void)
{
	uint64_t v[30];

	step_series(v, 30, 100 * MIB, 111 * MIB);
	/* the 10th scan over the line is index 10 */
	CHECK(first_verdict(v, 30, FLOOR_SLOW) == 10);
	CHECK(first_verdict(v, 10, FLOOR_SLOW) == -1);
	CHECK(first_verdict(v, 30, FLOOR_SUDDEN) == -1);
}

static void test_exactly_ten_percent_is_not_more(void)
{
	uint64_t v[30];

	step_series(v, 30, 100 * MIB, 110 * MIB);
	CHECK(first_verdict(v, 30, FLOOR_SLOW) == -1);
	v[29] = 110 * MIB + 1;
	CHECK(first_verdict(v, 30, FLOOR_SLOW) == -1);
}

/* Back under the line resets the count (adaptivemm's (100 - 10) / 100 == 0 never does). */
static void test_dip_resets(void)
{
	uint64_t v[40];
	int i = 0;

	v[i++] = 100 * MIB;
	for (int k = 0; k < 9; k++)
		v[i++] = 111 * MIB;
	v[i++] = 105 * MIB;
	for (int k = 0; k < 10; k++)
		v[i++] = 112 * MIB;
	/* 9 over, one under, then the 10th of the new run (index 20) */
	CHECK(first_verdict(v, i, FLOOR_SLOW) == 20);
}

/* The baseline follows the floor down: what counts is growth over the least seen. */
static void test_floor_follows_minimum(void)
{
	struct floor_track t = { 0 };
	struct floor_evidence ev;
	int at = -1;

	floor_feed(&t, &rule, 200 * MIB, NULL);
	floor_feed(&t, &rule, 150 * MIB, NULL);
	floor_feed(&t, &rule, 100 * MIB, &ev);
	CHECK_EQ_U(ev.floor, 100 * MIB);
	for (int i = 0; i < 12 && at < 0; i++)
		if (floor_feed(&t, &rule, 115 * MIB, &ev) == FLOOR_SLOW)
			at = i;
	CHECK(at == 9);
	CHECK_EQ_U(ev.floor, 100 * MIB);
	CHECK_EQ_U(ev.above, 10);
	CHECK_EQ_U(ev.value, 115 * MIB);
}

static void test_sudden(void)
{
	/* doubled against the value 3 scans back */
	uint64_t a[] = { 40 * MIB, 40 * MIB, 45 * MIB, 60 * MIB, 80 * MIB };
	/* doubled only over 4 scans: not within 3 */
	uint64_t b[] = { 40 * MIB, 52 * MIB, 62 * MIB, 72 * MIB, 82 * MIB };
	/* a tiny figure doubling is noise: under min_growth */
	uint64_t c[] = { 1 * MIB, 1 * MIB, 3 * MIB, 7 * MIB };
	struct floor_track t = { 0 };
	struct floor_evidence ev;

	CHECK(first_verdict(a, 5, FLOOR_SUDDEN) == 4);
	CHECK(first_verdict(b, 5, FLOOR_SUDDEN) == -1);
	CHECK(first_verdict(c, 4, FLOOR_SUDDEN) == -1);
	for (int i = 0; i < 5; i++)
		floor_feed(&t, &rule, a[i], &ev);
	CHECK_EQ_U(ev.from, 40 * MIB);
}

/* ---- the watch on /proc/meminfo series ---- */

/*
 * A 512 MiB VPS's /proc/meminfo with the figures of the 2016 Debian report:
 * nothing but SUnreclaim moves, by 1 MiB per `service --status-all`, and
 * MemFree pays for it. Fields of the 3.16 kernel (no KReclaimable).
 */
static void vps_meminfo(char *buf, size_t size, uint64_t sunreclaim_kb)
{
	snprintf(buf, size,
		 "MemTotal:         508756 kB\nMemFree:          %llu kB\nMemAvailable:     301212 kB\n"
		 "Buffers:           20348 kB\nCached:           176404 kB\nSwapCached:            0 kB\n"
		 "Unevictable:           0 kB\nMlocked:               0 kB\nSwapTotal:             0 kB\n"
		 "SwapFree:              0 kB\nAnonPages:         41232 kB\nMapped:            21560 kB\n"
		 "Shmem:               4316 kB\nSlab:              %llu kB\nSReclaimable:      18500 kB\n"
		 "SUnreclaim:        %llu kB\nKernelStack:        1216 kB\nPageTables:         2588 kB\n"
		 "VmallocTotal:   34359738367 kB\nVmallocUsed:        8324 kB\nHugePages_Total:       0\n"
		 "Hugepagesize:       2048 kB\n",
		 (unsigned long long)(230000 - (sunreclaim_kb - 18432)),
		 (unsigned long long)(18500 + sunreclaim_kb), (unsigned long long)sunreclaim_kb);
}

/* slabinfo of the same machine: kmalloc-64 holds the leak */
static void vps_slabinfo(char *buf, size_t size, uint64_t kmalloc64_slabs)
{
	snprintf(buf, size,
		 "slabinfo - version: 2.1\n"
		 "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
		 "<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
		 "kmalloc-64        %llu %llu     64   64    1 : tunables    0    0    0 : slabdata   %llu %llu      0\n"
		 "dentry             30806  30988    192   21    1 : tunables    0    0    0 : slabdata   1475   1475      0\n"
		 "kernfs_node_cache  17132  17370    136   30    1 : tunables    0    0    0 : slabdata    579    579      0\n",
		 (unsigned long long)kmalloc64_slabs * 64, (unsigned long long)kmalloc64_slabs * 64,
		 (unsigned long long)kmalloc64_slabs, (unsigned long long)kmalloc64_slabs);
}

static void watch_init(struct syswatch *w)
{
	CHECK(syswatch_init(w) == 0);
	w->slow_every = 0; /* no /proc reads: the series is all there is */
	w->balloon_in_total = false;
}

static void test_debian_sunreclaim(void)
{
	struct syswatch w;
	char buf[2048];
	int first = -1;

	watch_init(&w);
	for (int i = 0; i <= 30; i++) {
		struct meminfo m;

		vps_meminfo(buf, sizeof(buf), 18432 + (uint64_t)i * 1024);
		CHECK(proc_parse_meminfo(buf, &m));
		vps_slabinfo(buf, sizeof(buf), 1000 + (uint64_t)i * 256); /* +1 MiB */
		CHECK(syswatch_slabinfo(&w, buf) == 0);
		syswatch_pass(&w, &m, (uint64_t)i * 2000);
		if (w.found[SW_SLAB] && first < 0) {
			first = i;
			/* the cache that grew is named, with what it grew by */
			CHECK(strcmp(w.rep[SW_SLAB].caches[0], "kmalloc-64") == 0);
			CHECK(w.rep[SW_SLAB].caches[1][0] == '\0');
			CHECK(w.rep[SW_SLAB].verdict == FLOOR_SLOW);
		}
	}
	/* floor 18 MiB; over 19.8 MiB from scan 2; the 10th scan over it is scan 11 (29 MiB) */
	CHECK(first == 11);
	/* again only a step later: 29 + 8 = 37 MiB (scan 19), 37 + 8 = 45 MiB (scan 27) */
	CHECK_EQ_U(w.found[SW_SLAB], 3);
	/* MemFree paid for it: nothing else is unaccounted */
	CHECK_EQ_U(w.found[SW_UNTRACKED], 0);
	CHECK_EQ_U(w.found[SW_SOCKET], 0);
	syswatch_free(&w);
}

/* 4 GiB machine; MemTotal minus everything named, moved by MemFree alone. */
static void untracked_meminfo(char *buf, size_t size, uint64_t untracked_kb)
{
	snprintf(buf, size,
		 "MemTotal:        4000000 kB\nMemFree:         %llu kB\nBuffers:           10000 kB\n"
		 "Cached:           500000 kB\nSwapCached:            0 kB\nUnevictable:       20000 kB\n"
		 "AnonPages:        800000 kB\nShmem:             10000 kB\nKReclaimable:      60000 kB\n"
		 "SReclaimable:      60000 kB\nSUnreclaim:        40000 kB\nKernelStack:        8000 kB\n"
		 "PageTables:        12000 kB\nVmallocUsed:       18000 kB\nPercpu:             2000 kB\n"
		 "Hugetlb:               0 kB\n",
		 (unsigned long long)(4000000 - 1430000 - untracked_kb));
}

/* Run a series of untracked figures (kB) through the watch; the scan of the first finding, or -1. */
static int untracked_series(const uint64_t *kb, int n, struct syswatch *w)
{
	char buf[2048];
	int first = -1;

	watch_init(w);
	for (int i = 0; i < n; i++) {
		struct meminfo m;
		struct mem_split s;

		untracked_meminfo(buf, sizeof(buf), kb[i]);
		CHECK(proc_parse_meminfo(buf, &m));
		kmem_split(&m, false, &s);
		CHECK_EQ_U(kmem_untracked(&s), kb[i] * 1024);
		syswatch_pass(w, &m, (uint64_t)i * 2000);
		if (w->found[SW_UNTRACKED] && first < 0)
			first = i;
	}
	return first;
}

static void test_untracked_doubles(void)
{
	uint64_t kb[] = { 102400, 102400, 102400, 102400, 102400, 163840, 225280, 225280, 225280 };
	struct syswatch w;

	/* 100 MiB -> 160 -> 220: twice 100 MiB within 3 scans at scan 6 */
	CHECK(untracked_series(kb, 9, &w) == 6);
	CHECK(w.rep[SW_UNTRACKED].verdict == FLOOR_SUDDEN);
	CHECK_EQ_U(w.found[SW_UNTRACKED], 1);
	CHECK_EQ_U(w.found[SW_SLAB], 0);
	syswatch_free(&w);
}

static void test_untracked_five_and_eleven(void)
{
	uint64_t kb[40];
	struct syswatch w;

	step_series(kb, 40, 200 * 1024, 210 * 1024); /* +5 % */
	CHECK(untracked_series(kb, 40, &w) == -1);
	syswatch_free(&w);

	step_series(kb, 40, 200 * 1024, 222 * 1024); /* +11 % */
	CHECK(untracked_series(kb, 40, &w) == 10);
	CHECK(w.rep[SW_UNTRACKED].verdict == FLOOR_SLOW);
	/* logged once: it did not grow another step */
	CHECK_EQ_U(w.found[SW_UNTRACKED], 1);
	syswatch_free(&w);
}

/* A new episode after the figure went back to its floor is logged again. */
static void test_untracked_episodes(void)
{
	uint64_t kb[50];
	struct syswatch w;
	int i = 0;

	kb[i++] = 200 * 1024;
	for (int k = 0; k < 12; k++)
		kb[i++] = 240 * 1024;
	kb[i++] = 200 * 1024;
	for (int k = 0; k < 12; k++)
		kb[i++] = 240 * 1024;
	CHECK(untracked_series(kb, i, &w) == 10);
	CHECK_EQ_U(w.found[SW_UNTRACKED], 2);
	syswatch_free(&w);
}

/* While the swap cache is large the figure is not trusted: no finding, however it moves. */
static void test_untracked_swap_cache(void)
{
	struct syswatch w;
	char buf[2048];

	watch_init(&w);
	for (int i = 0; i < 30; i++) {
		struct meminfo m;

		untracked_meminfo(buf, sizeof(buf), (uint64_t)(i % 2 ? 300 : 100) * 1024);
		CHECK(proc_parse_meminfo(buf, &m));
		m.swap_cached = 200 * MIB;
		syswatch_pass(&w, &m, (uint64_t)i * 2000);
	}
	CHECK_EQ_U(w.found[SW_UNTRACKED], 0);
	CHECK_EQ_U(w.untracked_skipped, 30);
	syswatch_free(&w);
}

static struct sock_info hog(uint32_t rqueue)
{
	/* an inode no process holds: the report says so */
	return (struct sock_info){ .inode = 4000000001ULL, .cookie = 77, .family = 2, .protocol = 6,
				   .state = 1, .rqueue = rqueue, .rmem = rqueue, .have_mem = true,
				   .sport = 34471, .dport = 42980 };
}

static void test_socket_grows(void)
{
	struct sock_info quiet = hog(64 * 1024);
	struct syswatch w;
	int first = -1;

	quiet.inode = 4000000002ULL;
	watch_init(&w);
	/* 512 KiB more each scan, as tests/progs/sockhog --rate 512 */
	for (int i = 0; i < 40; i++) {
		struct sock_info s = hog((uint32_t)(i + 1) * 512 * 1024);

		w.now_ms = (uint64_t)i * 1000;
		syswatch_sock_seen(&w, &quiet);
		syswatch_sock_seen(&w, &s);
		syswatch_sock_done(&w);
		if (w.found[SW_SOCKET] && first < 0)
			first = i;
	}
	/* followed from 512 KiB (scan 0), grown 3 scans in a row at scan 3 (2 MiB) */
	CHECK(first == 3);
	/* again at twice 2 MiB (scan 7), 8 MiB (scan 15), 16 MiB (scan 31) */
	CHECK_EQ_U(w.found[SW_SOCKET], 4);
	/* the small one is not even followed */
	CHECK_EQ_U(w.n_socks, 1);

	/* read down to below half of what was logged, then growing again: a new episode */
	for (int i = 0; i < 6; i++) {
		struct sock_info s = hog((uint32_t)(i + 1) * 512 * 1024);

		syswatch_sock_seen(&w, &s);
		syswatch_sock_done(&w);
	}
	CHECK_EQ_U(w.found[SW_SOCKET], 5);
	/* closed: forgotten */
	syswatch_sock_done(&w);
	CHECK_EQ_U(w.n_socks, 0);
	syswatch_free(&w);
}

/* A full queue that stays full is not "growing": one finding, not one per scan. */
static void test_socket_plateau(void)
{
	struct syswatch w;

	watch_init(&w);
	for (int i = 0; i < 30; i++) {
		struct sock_info s = hog((uint32_t)MIN(i + 1, 8) * 1024 * 1024);

		syswatch_sock_seen(&w, &s);
		syswatch_sock_done(&w);
	}
	CHECK_EQ_U(w.found[SW_SOCKET], 2); /* at 4 MiB (3 scans grown), again at 8 MiB */
	syswatch_free(&w);
}

int main(void)
{
	/* findings go to stderr; the TAP lines to stdout */
	log_init(LOG_TARGET_STDERR, LOG_INFO);
	RUN_TEST(test_five_percent_never);
	RUN_TEST(test_eleven_percent_ten_scans);
	RUN_TEST(test_exactly_ten_percent_is_not_more);
	RUN_TEST(test_dip_resets);
	RUN_TEST(test_floor_follows_minimum);
	RUN_TEST(test_sudden);
	RUN_TEST(test_debian_sunreclaim);
	RUN_TEST(test_untracked_doubles);
	RUN_TEST(test_untracked_five_and_eleven);
	RUN_TEST(test_untracked_episodes);
	RUN_TEST(test_untracked_swap_cache);
	RUN_TEST(test_socket_grows);
	RUN_TEST(test_socket_plateau);
	TAP_DONE();
}
