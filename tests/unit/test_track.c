// SPDX-License-Identifier: GPL-2.0-or-later
/* The process table: what a new look at a known process means (exec, rename, nothing). */
#include <string.h>

#include "tap.h"
#include "track.h"

static struct proc_entry known(const char *comm, uint64_t image)
{
	struct proc_entry e;

	memset(&e, 0, sizeof(e));
	e.pid = 42;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	e.image = image;
	return e;
}

static void test_exec_or_rename(void)
{
	struct proc_entry e = known("entrypoint.sh", 7);

	CHECK(track_compare(&e, "entrypoint.sh", 7, false) == TRACK_SAME);
	/* a script that execs postgres: another image, another name */
	CHECK(track_compare(&e, "postgres", 8, false) == TRACK_EXECED);
	/* an exec that keeps its name (python re-executing python, busybox applets of one name) */
	CHECK(track_compare(&e, "entrypoint.sh", 8, false) == TRACK_EXECED);
	/* PR_SET_NAME: the same image, a new name */
	CHECK(track_compare(&e, "worker-1", 7, false) == TRACK_RENAMED);
	/* statm's code size changed: an exec, whatever stat could tell */
	CHECK(track_compare(&e, "entrypoint.sh", 7, true) == TRACK_EXECED);
	CHECK(track_compare(&e, "entrypoint.sh", 0, true) == TRACK_EXECED);
}

static void test_image_unknown(void)
{
	struct proc_entry e = known("cat", 0);

	/* no image to compare (no ptrace access): a new name is taken for an exec, as it always was */
	CHECK(track_compare(&e, "cat", 0, false) == TRACK_SAME);
	CHECK(track_compare(&e, "dog", 0, false) == TRACK_EXECED);
	CHECK(track_compare(&e, "dog", 9, false) == TRACK_EXECED);
	e.image = 9;
	CHECK(track_compare(&e, "dog", 0, false) == TRACK_EXECED);
	CHECK(track_compare(&e, "cat", 0, false) == TRACK_SAME);
}

int main(void)
{
	RUN_TEST(test_exec_or_rename);
	RUN_TEST(test_image_unknown);
	TAP_DONE();
}
