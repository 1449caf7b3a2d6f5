// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Jail records name the backend that made them: a systemd record keeps its
 * unit, origin unit, invocation and previous limits through a save and a
 * load; a record from before backends reads as cgroupfs; a record that
 * names an unknown backend, a systemd one without its units, or a unit
 * name with a '/' is refused (it must not steer a release). A jail of
 * `leakjail run` keeps its run, command and limits before; one that names
 * no run, or a jail other than its own cgroup, is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jail.h"
#include "tap.h"

static char dir[64] = "/tmp/test_jailrecord.XXXXXX";

static const char *old_record = "pid=4242\nstarttime=77\ncomm=lekker\npolicy=p\norigin=/user.slice\n"
				"jail=leakjail/lekker-4242\nsince=1\nhigh=1\nmax=2\nswap=3\nreason=r\n";

static void test_round_trip(void)
{
	struct jail_state w = {
		.pid = 4243,
		.starttime = 99,
		.since = 5,
		.comm = "worker",
		.policy = "p",
		.origin = "/system.slice/web.service",
		.jail = "system.slice/leakjail-worker-4243.scope",
		.backend = "systemd",
		.unit = "leakjail-worker-4243.scope",
		.origin_unit = "user@1000.service",
		.origin_id = "0123456789abcdef0123456789abcdef",
	}, *back = NULL;
	int n;

	w.limits = (struct cg_limits){ 32 << 20, 48 << 20, CG_UNLIMITED };
	w.prev = (struct cg_limits){ CG_UNLIMITED, 1 << 30, 0 };
	w.prev_dropins = 5; /* 50-MemoryHigh.conf and 50-MemorySwapMax.conf were there before */
	w.origin_ino = 4711; /* the origin unit's cgroup at the move: its restart makes another */
	w.thrash_grows = 3; /* the caps on growing hold across a restart */
	w.stall_grows = 1;
	CHECK(jail_state_save(dir, &w) == 0);
	n = jail_load_all(dir, &back);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(strcmp(back[0].backend, "systemd") == 0);
		CHECK(strcmp(back[0].unit, w.unit) == 0);
		CHECK(strcmp(back[0].origin_unit, "user@1000.service") == 0);
		CHECK(strcmp(back[0].origin_id, w.origin_id) == 0);
		CHECK_EQ_U(back[0].prev.high, CG_UNLIMITED);
		CHECK_EQ_U(back[0].prev.max, 1 << 30);
		CHECK_EQ_U(back[0].prev.swap, 0);
		CHECK_EQ_U(back[0].prev_dropins, 5);
		CHECK_EQ_U(back[0].origin_ino, 4711);
		CHECK_EQ_U(back[0].thrash_grows, 3);
		CHECK_EQ_U(back[0].stall_grows, 1);
		CHECK_EQ_U(back[0].limits.high, 32 << 20);
	}
	free(back);
	CHECK(jail_state_remove(dir, w.pid) == 0);
}

static void test_old_record(void)
{
	struct jail_state j;

	CHECK(jail_state_parse(old_record, &j) == 0);
	CHECK(strcmp(j.backend, "cgroupfs") == 0);
	CHECK(j.unit[0] == '\0');
	/* a record from before prev_dropins: every drop-in counts as there before (rewritten, not removed) */
	CHECK_EQ_U(j.prev_dropins, 7);
}

static void test_refused(void)
{
	static const char *const tails[] = {
		"backend=cgroupfsx\n",
		"backend=systemd\n",                                   /* no units */
		"backend=systemd\nunit=a.scope\n",                     /* no origin unit */
		"backend=systemd\nunit=../x.scope\norigin_unit=a.service\n",
		"backend=systemd\nunit=a.scope\norigin_unit=a/b.service\n",
		"backend=systemd\nunit=a.scope\nunit=b.scope\norigin_unit=a.service\n",
	};
	char text[1024];
	struct jail_state j;

	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", old_record, tails[i]);
		CHECK(jail_state_parse(text, &j) == -EINVAL);
	}
	snprintf(text, sizeof(text), "%sbackend=systemd\nunit=a.scope\norigin_unit=b.service\n", old_record);
	CHECK(jail_state_parse(text, &j) == 0);
}

static void test_run_record(void)
{
	static const char *run_head = "pid=4300\nstarttime=7\ncomm=memhog\npolicy=quick\n"
				      "origin=/leakjail/run-memhog-4299\njail=leakjail/run-memhog-4299\n";
	struct jail_state w = {
		.pid = 4300,
		.starttime = 7,
		.run_pid = 4299,
		.run_start = 6,
		.comm = "memhog",
		.policy = "quick",
		.jail = "leakjail/run-memhog-4299",
		.origin = "/leakjail/run-memhog-4299",
		.backend = "run",
		/* a command line is free text: a newline in it must not add a key */
		.command = "memhog leak 20\npid=77",
	}, j;
	char text[1024];

	w.limits = (struct cg_limits){ 48 << 20, CG_UNLIMITED, CG_UNLIMITED };
	w.prev = (struct cg_limits){ CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED };
	CHECK(jail_state_save(dir, &w) == 0);
	CHECK(jail_state_load(dir, 4300, &j) == 0);
	CHECK(strcmp(j.backend, "run") == 0);
	CHECK(j.pid == 4300 && j.run_pid == 4299);
	CHECK_EQ_U(j.run_start, 6);
	CHECK(strcmp(j.command, "memhog leak 20?pid=77") == 0);
	CHECK_EQ_U(j.prev.high, CG_UNLIMITED);
	CHECK_EQ_U(j.limits.high, 48 << 20);
	CHECK(jail_state_remove(dir, 4300) == 0);

	snprintf(text, sizeof(text), "%sbackend=run\n", run_head); /* no run */
	CHECK(jail_state_parse(text, &j) == -EINVAL);
	snprintf(text, sizeof(text), "%srun_pid=4299\n", run_head); /* a run, another backend */
	CHECK(jail_state_parse(text, &j) == -EINVAL);
	snprintf(text, sizeof(text), "%sbackend=run\nrun_pid=1\n", run_head);
	CHECK(jail_state_parse(text, &j) == -EINVAL);
	/* a run's jail is its own cgroup: one that would lead elsewhere is refused */
	snprintf(text, sizeof(text), "%sbackend=run\nrun_pid=4299\n", old_record);
	CHECK(jail_state_parse(text, &j) == -EINVAL);
	snprintf(text, sizeof(text), "%sbackend=run\nrun_pid=4299\n", run_head);
	CHECK(jail_state_parse(text, &j) == 0);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN_TEST(test_round_trip);
	RUN_TEST(test_old_record);
	RUN_TEST(test_refused);
	RUN_TEST(test_run_record);
	{
		char jails[96];

		snprintf(jails, sizeof(jails), "%s/jails", dir);
		rmdir(jails);
	}
	rmdir(dir);
	TAP_DONE();
}
