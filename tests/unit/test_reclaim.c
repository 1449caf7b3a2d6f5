// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How far a cgroup limited in place may be brought down (src/jail/reclaim.h):
 * page cache can go; anonymous memory only as far as swap can take it, the
 * system's free swap and what is left of the jail's own allowance; the
 * rest is the floor, below which no limit is written.
 */
#include "cgroup.h"
#include "reclaim.h"
#include "tap.h"
#include "util.h"

static struct reclaim_room room(uint64_t usage, uint64_t anon, uint64_t file, uint64_t swap_free, uint64_t swap_left)
{
	struct reclaim_room r = { .usage = usage, .anon = anon, .file = file, .swap_free = swap_free,
				  .swap_left = swap_left };

	reclaim_room_compute(&r);
	return r;
}

/* room to spare: everything but what is neither anonymous nor page cache (kernel memory) can go */
static void test_swap_room(void)
{
	CHECK_EQ_U(room(200 * MIB, 180 * MIB, 16 * MIB, GIB, CG_UNLIMITED).floor, 4 * MIB);
}

/* no swap: only the page cache can go */
static void test_no_swap(void)
{
	CHECK_EQ_U(room(200 * MIB, 180 * MIB, 16 * MIB, 0, CG_UNLIMITED).floor, 184 * MIB);
}

/* the system's free swap bounds it */
static void test_swap_nearly_full(void)
{
	CHECK_EQ_U(room(200 * MIB, 180 * MIB, 16 * MIB, 50 * MIB, CG_UNLIMITED).floor, 134 * MIB);
}

/* and so does what is left of the jail's swap allowance (jail_swap = 0: none) */
static void test_allowance(void)
{
	CHECK_EQ_U(room(200 * MIB, 180 * MIB, 16 * MIB, GIB, 30 * MIB).floor, 154 * MIB);
	CHECK_EQ_U(room(200 * MIB, 180 * MIB, 16 * MIB, GIB, 0).floor, 184 * MIB);
}

/* figures read at different moments may not add up: never below zero, rounded up to a page */
static void test_odd_figures(void)
{
	CHECK_EQ_U(room(10 * MIB, 12 * MIB, 4 * MIB, GIB, CG_UNLIMITED).floor, 0);
	CHECK_EQ_U(room(10 * MIB + 100, 0, 0, 0, 0).floor, 10 * MIB + 4096);
}

int main(void)
{
	RUN_TEST(test_swap_room);
	RUN_TEST(test_no_swap);
	RUN_TEST(test_swap_nearly_full);
	RUN_TEST(test_allowance);
	RUN_TEST(test_odd_figures);
	TAP_DONE();
}
