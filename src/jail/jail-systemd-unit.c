// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The systemd backend, a unit limited in place (the leaker alone in its
 * unit's cgroup), and every later change to a systemd jail: grow, kill,
 * restore. All of it through the manager (SetUnitProperties, KillUnit).
 *
 * No harm at jail time. A limit written below what a cgroup holds makes the
 * kernel reclaim inside that write (mm/memcontrol.c memory_high_write() and
 * memory_max_write() loop on try_to_free_mem_cgroup_pages()), in the
 * writer's context: when systemd writes it, in PID 1, for as long as the
 * reclaim takes; and memory.max with nothing to reclaim into (no swap, or
 * none left) OOM-kills the unit at once. Checked in the systemd VM: a
 * one-process service at 42.5 MiB, MemoryMax written at 24 MiB without
 * swap: Result=oom-kill. So:
 * - MemoryHigh is written at what the unit holds now (a little above): the
 *   throttle holds its growth at once and the write reclaims nothing;
 * - the reclaim down to the jail's size is leakjail's own: memory.reclaim
 *   (a one-off request, not a setting systemd keeps) in pieces of a few MiB,
 *   in slices of the event loop with the watchdog told between them, asking
 *   only what swap has room for (and the unit's file pages); MemoryHigh
 *   follows the usage down as it goes;
 * - MemoryMax (the OOM line) only above what is left, else as it was.
 *
 * Exact restore. Each runtime property systemd 252 sets is a drop-in,
 * 50-<Name>.conf in /run/systemd/system.control/<unit>.d (units from files)
 * or /run/systemd/transient/<unit>.d (transient units); checked in the VM.
 * Written back with the old values they would override, until reboot, a
 * later edit of the unit file. So the restore writes the old values (what
 * systemd holds in memory is then as before, and the cgroup too), then
 * removes the drop-ins that were not there before the jail (the record
 * keeps which were), and asks for a daemon-reload so that systemd forgets
 * them: in 252 it keeps a removed drop-in in DropInPaths, with
 * NeedDaemonReload=yes, until a reload (checked in the VM). RevertUnitFiles
 * is not used: it removes every control drop-in of the unit, the
 * administrator's too, and changes nothing in memory either. A unit that is
 * not loaded any more needs no reload: it loads from the files, as before.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "jail-systemd.h"
#include "log.h"
#include "pageout.h"
#include "proc.h"
#include "reclaim.h"

/* MemoryHigh at the usage leaves this much above it: the write must not reclaim. */
#define HIGH_SLACK (4ULL << 20)
/* MemoryHigh follows the usage down once it fell this much (fewer calls to PID 1). */
#define HIGH_FOLLOW (32ULL << 20)
/* Writes of memory.reclaim that reclaimed less than asked, in a row: nothing more to take. */
#define RECLAIM_MISSES 3

static const struct {
	unsigned int bit;
	const char *name;
} dropin_props[] = { { SDJ_HIGH, "MemoryHigh" }, { SDJ_MAX, "MemoryMax" }, { SDJ_SWAP, "MemorySwapMax" } };

static const char *const dropin_dirs[] = { "/run/systemd/system.control", "/run/systemd/transient" };

/* Which of the unit's runtime drop-ins for the memory limits exist (SDJ_* bits). */
static unsigned int dropins_present(const char *unit)
{
	char path[700];
	unsigned int bits = 0;

	for (size_t d = 0; d < ARRAY_SIZE(dropin_dirs); d++)
		for (size_t i = 0; i < ARRAY_SIZE(dropin_props); i++) {
			snprintf(path, sizeof(path), "%s/%s.d/50-%s.conf", dropin_dirs[d], unit, dropin_props[i].name);
			if (access(path, F_OK) == 0)
				bits |= dropin_props[i].bit;
		}
	return bits;
}

/* Remove the drop-ins not in keep; the count removed, or -errno of the first that could not be. */
static int dropins_remove(const char *unit, unsigned int keep)
{
	char path[700], dir[600];
	int n = 0, first = 0;

	for (size_t d = 0; d < ARRAY_SIZE(dropin_dirs); d++) {
		for (size_t i = 0; i < ARRAY_SIZE(dropin_props); i++) {
			if (keep & dropin_props[i].bit)
				continue;
			snprintf(path, sizeof(path), "%s/%s.d/50-%s.conf", dropin_dirs[d], unit, dropin_props[i].name);
			if (unlink(path) == 0)
				n++;
			else if (errno != ENOENT && !first)
				first = -errno;
		}
		/* the directory, if that left it empty (as systemctl revert does) */
		snprintf(dir, sizeof(dir), "%s/%s.d", dropin_dirs[d], unit);
		rmdir(dir);
	}
	return first ? first : n;
}

/* memory.stat "anon" and "file", bytes. */
static void unit_stat(const struct cgroup_backend *cg, const char *rel, uint64_t *anon, uint64_t *file)
{
	char path[1400], buf[8192];

	*anon = *file = 0;
	cg_path(cg, rel, path, sizeof(path));
	strncat(path, "/memory.stat", sizeof(path) - strlen(path) - 1);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return;
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long v;

		if (sscanf(p, "anon %llu", &v) == 1)
			*anon = v;
		else if (sscanf(p, "file %llu", &v) == 1)
			*file = v;
	}
}

/* Room in swap for the unit's pages: the system's free swap, within what the unit may still swap. */
static uint64_t swap_room(const struct cgroup_backend *cg, const char *rel, uint64_t swap_limit)
{
	char buf[4096];
	struct meminfo mi = { 0 };
	uint64_t room, used = 0;

	if (read_file_at(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf)) < 0 || !proc_parse_meminfo(buf, &mi))
		return 0;
	room = mi.swap_free;
	if (swap_limit != CG_UNLIMITED) {
		cg_read_u64(cg, rel, "memory.swap.current", &used);
		room = sdj_min(room, swap_limit > used ? swap_limit - used : 0);
	}
	return room;
}

struct reclaim_job {
	struct reclaim_job *next;
	char state_dir[512];
	struct jail_state st; /* as recorded; st.limits: what is in force */
	uint64_t target;      /* the jail's size: where MemoryHigh is to end */
	uint64_t want_max;    /* the jail's MemoryMax, once what is left is below it */
	uint64_t goal;        /* what swap and the file pages have room for */
	uint64_t start_usage, step, asked, t0_ns;
	unsigned int slices, misses;
	double longest;
	bool reached;
	bool high_asked; /* a lower MemoryHigh asked of systemd, not answered yet */
};

/* Is the jail still the one of this job: the same process, recorded, not released meanwhile? */
/* Is the jail still this job's? rec receives its record as it is now. */
static bool job_current(const struct reclaim_job *j, struct jail_state *rec)
{
	uint64_t st;

	return jail_state_load(j->state_dir, j->st.pid, rec) == 0 && rec->starttime == j->st.starttime &&
	       strcmp(rec->unit, j->st.unit) == 0 && proc_starttime(j->st.pid, &st) == 0 && st == j->st.starttime;
}

/* What ask_high() asked, for its answer: the job may be gone by then. */
struct high_asked {
	pid_t pid;
	uint64_t starttime, high;
};

static void on_high(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct sd_backend *b = jb->data;
	const struct high_asked *a = ctx;

	(void)reply;
	(void)msg;
	for (struct reclaim_job *j = b->jobs; j; j = j->next) {
		if (j->st.pid != a->pid || j->st.starttime != a->starttime)
			continue;
		j->high_asked = false;
		if (r == 0)
			j->st.limits.high = a->high;
	}
}

/* MemoryHigh lowered through systemd, not waited for: the answer comes to on_high() from the loop. */
static void ask_high(struct jail_backend *jb, struct reclaim_job *j, uint64_t high)
{
	struct high_asked a = { .pid = j->st.pid, .starttime = j->st.starttime, .high = high };
	struct cg_limits l = j->st.limits;
	sd_bus_message *m = NULL;

	l.high = high;
	if (sdj_limits_message(sdj_bus(jb), j->st.unit, &l, SDJ_HIGH, &m) >= 0 &&
	    sdj_call_then(jb, m, on_high, &a, sizeof(a)) >= 0)
		j->high_asked = true;
	sd_bus_message_unref(m);
}

/* One slice: 1 more to do, 0 done, -ECANCELED when the jail is no longer this job's. */
static int reclaim_slice(struct jail_backend *jb, struct reclaim_job *j, uint64_t budget)
{
	uint64_t t0 = now_ns(), usage = 0;
	struct jail_state rec;
	struct cg_usage u;
	int r;

	if (!job_current(j, &rec))
		return -ECANCELED;
	j->slices++;
	for (;;) {
		uint64_t t, n;

		if (cg_usage(jb->cg, j->st.jail, &u) < 0)
			return -ECANCELED;
		usage = u.memory;
		if (usage <= j->target) {
			j->reached = true;
			break;
		}
		/* more than twice the goal asked: the leak refills what goes; the throttle holds it */
		if (j->misses >= RECLAIM_MISSES || j->asked >= 2 * j->goal + (64ULL << 20))
			break;
		n = sdj_min(j->step, usage - j->target);
		t = now_ns();
		r = cg_reclaim(jb->cg, j->st.jail, n, NULL);
		t = now_ns() - t;
		j->asked += n;
		/* EAGAIN: less than asked was reclaimed, which is an answer */
		j->misses = r == -EAGAIN ? j->misses + 1 : 0;
		if (r < 0 && r != -EAGAIN)
			return -ECANCELED;
		if (t > budget / 4 && j->step > (1ULL << 20))
			j->step /= 2;
		else if (t < budget / 16 && j->step < PAGEOUT_STEP_MAX)
			j->step *= 2;
		if (now_ns() - t0 >= budget) {
			double s = (double)(now_ns() - t0) / 1e9;

			if (s > j->longest)
				j->longest = s;
			/* MemoryHigh follows the usage down, never below it: systemd's write reclaims nothing */
			if (!j->high_asked && cg_usage(jb->cg, j->st.jail, &u) == 0 &&
			    u.memory + HIGH_SLACK + HIGH_FOLLOW < j->st.limits.high)
				ask_high(jb, j, MAX(j->target, cg_page_up(u.memory + HIGH_SLACK)));
			return 1;
		}
	}
	{
		double s = (double)(now_ns() - t0) / 1e9;

		if (s > j->longest)
			j->longest = s;
	}
	return 0;
}

/* A change of a jail's limits asked of systemd, for its answer. */
struct limits_asked {
	pid_t pid;
	uint64_t starttime;
	char state_dir[512], unit[256];
	struct cg_limits before, asked;
};

/* Refused (or no answer): the record goes back to what is in force, and says so once. */
static void on_limits_set(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	const struct limits_asked *a = ctx;
	struct jail_state rec;
	char was[160];

	(void)jb;
	(void)reply;
	if (r == 0)
		return;
	if (jail_state_load(a->state_dir, a->pid, &rec) == 0 && rec.starttime == a->starttime &&
	    memcmp(&rec.limits, &a->asked, sizeof(rec.limits)) == 0) {
		rec.limits = a->before;
		jail_state_save(a->state_dir, &rec);
	}
	sdj_fmt_limits(was, sizeof(was), &a->before);
	lj_log(LOG_WARNING, "the jail %s of pid %d: SetUnitProperties refused: %s; its limits stay %s", a->unit, a->pid,
	       msg, was);
}

/* SetUnitProperties of the limits in `which`, not waited for; a refusal puts j's record back (on_limits_set()). */
static int ask_limits(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
		      const struct cg_limits *l, unsigned int which)
{
	struct limits_asked a = { .pid = j->pid, .starttime = j->starttime, .before = j->limits, .asked = *l };
	sd_bus_message *m = NULL;
	int r;

	snprintf(a.state_dir, sizeof(a.state_dir), "%s", state_dir);
	snprintf(a.unit, sizeof(a.unit), "%s", j->unit);
	r = sdj_limits_message(sdj_bus(jb), j->unit, l, which, &m);
	if (r >= 0)
		r = sdj_call_then(jb, m, on_limits_set, &a, sizeof(a));
	sd_bus_message_unref(m);
	return r;
}

/* The reclaim is over: MemoryHigh at the jail's size or what is left, MemoryMax above that; recorded. */
static void reclaim_finish(struct jail_backend *jb, struct reclaim_job *j, int r)
{
	struct cg_usage u = { 0 };
	struct cg_limits l = j->st.limits;
	struct jail_state rec;
	unsigned int which = 0;
	char now[160], f[3][160], a[24];
	const char *fields[3] = { f[0], f[1], f[2] };
	double secs = (double)(now_ns() - j->t0_ns) / 1e9;

	snprintf(f[0], sizeof(f[0]), "LEAKJAIL_PID=%d", j->st.pid);
	snprintf(f[1], sizeof(f[1]), "LEAKJAIL_UNIT=%.140s", j->st.unit);
	snprintf(f[2], sizeof(f[2]), "LEAKJAIL_POLICY=%.72s", j->st.policy);
	if (r < 0) {
		lj_log_record(LOG_INFO, LJ_MSGID_JAILED, fields, 3,
			      "in-place reclaim of %s (pid %d, %s) stopped after %.2f s: the process exited or its jail was released",
			      j->st.unit, j->st.pid, j->st.comm, secs);
		return;
	}
	cg_usage(jb->cg, j->st.jail, &u);
	l.high = MAX(j->target, cg_page_up(u.memory + HIGH_SLACK));
	if (l.high < j->st.limits.high)
		which |= SDJ_HIGH;
	else
		l.high = j->st.limits.high;
	if (j->want_max != CG_UNLIMITED && j->want_max < j->st.limits.max) {
		/* the OOM line only above what is left, with room for the throttle to act first */
		l.max = MAX(j->want_max, cg_page_up(l.high + MAX(l.high / 4, JAIL_MARGIN_MIN)));
		if (l.max < j->st.limits.max)
			which |= SDJ_MAX;
		else
			l.max = j->st.limits.max;
	}
	/* not waited for: recorded now, and a refusal puts the record back (on_limits_set()) */
	if (which && (r = ask_limits(jb, j->state_dir, &j->st, &l, which)) < 0) {
		lj_log(LOG_WARNING, "in-place reclaim of %s (pid %d) done, but its limits stay as they were: %s",
		       j->st.unit, j->st.pid, strerror(-r));
		l = j->st.limits;
	}
	if (job_current(j, &rec)) {
		/* the record as the daemon keeps it (its events, its grows), with the limits now in force */
		j->st.limits = l;
		rec.limits = l;
		jail_state_save(j->state_dir, &rec);
	}
	sdj_fmt_limits(now, sizeof(now), &l);
	snprintf(a, sizeof(a), "%.1f", (double)(j->start_usage > u.memory ? j->start_usage - u.memory : 0) / (1 << 20));
	lj_log_record(LOG_INFO, LJ_MSGID_JAILED, fields, 3,
		      "in-place reclaim of %s (pid %d, %s) done: usage %llu -> %llu MiB (%s MiB less) in %.2f s, %u slices, longest %.3f s; %s; now %s",
		      j->st.unit, j->st.pid, j->st.comm, (unsigned long long)(j->start_usage >> 20),
		      (unsigned long long)(u.memory >> 20), a, secs, j->slices, j->longest,
		      j->reached ? "reached the jail's size"
				 : "the kernel found no more to reclaim (swap room, or the leak refills it): held at what is left",
		      now);
}

static int on_reclaim(sd_event_source *s, uint64_t usec, void *userdata);

static void reclaims_arm(struct jail_backend *jb)
{
	struct sd_backend *b = jb->data;
	if (b->jobs && jb->event)
		reclaim_slice_later(jb->event, &b->timer, on_reclaim, jb);
}

static int on_reclaim(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct jail_backend *jb = userdata;
	struct sd_backend *b = jb->data;
	struct reclaim_job *j = b->jobs;
	int r;

	(void)s;
	(void)usec;
	if (!j)
		return 0;
	r = reclaim_slice(jb, j, reclaim_slice_usec(PAGEOUT_SLICE_USEC) * 1000);
	b->jobs = j->next;
	j->next = NULL;
	if (r <= 0) {
		reclaim_finish(jb, j, r);
		free(j);
	} else {
		/* round robin: one big reclaim does not hold back the next jail's */
		struct reclaim_job **tail = &b->jobs;

		while (*tail)
			tail = &(*tail)->next;
		*tail = j;
	}
	sd_notify(0, "WATCHDOG=1");
	reclaims_arm(jb);
	return 0;
}

/* Drop the reclaim of pid, if one is under way (its jail is being undone). */
static void reclaims_cancel(struct jail_backend *jb, pid_t pid)
{
	struct sd_backend *b = jb->data;

	for (struct reclaim_job **p = &b->jobs; *p;) {
		struct reclaim_job *j = *p;

		if (j->st.pid == pid) {
			*p = j->next;
			free(j);
		} else {
			p = &j->next;
		}
	}
}

void sdj_reclaims_free(struct jail_backend *jb)
{
	struct sd_backend *b = jb->data;

	while (b->jobs) {
		struct reclaim_job *j = b->jobs;

		b->jobs = j->next;
		free(j);
	}
	b->timer = sd_event_source_disable_unref(b->timer);
}

/* The unit's limits are written (or needed no change): still the same process? Then the reclaim. */
static void in_place_done(struct sdj_enter *op)
{
	struct jail_backend *jb = op->jb;
	struct jail_state *st = &op->st;
	struct jail_outcome *out = &op->out;
	const struct cg_limits *l = &st->limits;
	uint64_t now_st, goal = op->place.goal;
	char was[160], now[160], a[24], b[24], c[24];

	/* the round trips took time: still the same process? else the jail goes */
	if (proc_starttime(op->req.pid, &now_st) < 0 || now_st != op->req.starttime) {
		sdj_undo_reported(jb, op->state_dir, st, sdj_restore_unit);
		sdj_enter_fail(op, -ESRCH, "pid %d exited while its unit %s was being limited: its limits are restored",
			       op->req.pid, op->u.name);
		return;
	}
	sdj_fmt_limits(now, sizeof(now), l);
	sdj_fmt_limits(was, sizeof(was), &st->prev);
	snprintf(out->how, sizeof(out->how), "alone in its unit: %.150s limited in place, %.100s (runtime; was %.100s)%s",
		 op->u.name, now, was,
		 op->place.want_max < l->max
			 ? "; MemoryMax stays until the usage is below it (a lower one would reclaim in PID 1, or OOM-kill)"
			 : "");
	if (op->container[0]) {
		char how[sizeof(out->how)];

		snprintf(how, sizeof(how), "in its container %s: %.500s%s", op->container, out->how,
			 op->container_others ? "; the container holds other processes: they share the limit" : "");
		snprintf(out->how, sizeof(out->how), "%s", how);
	}
	/* every page it has is charged to its unit's cgroup: a reclaim there is the page-out */
	out->pageout_done = true;
	snprintf(a, sizeof(a), "%llu", (unsigned long long)(op->place.usage >> 20));
	snprintf(b, sizeof(b), "%llu", (unsigned long long)(op->place.room >> 20));
	snprintf(c, sizeof(c), "%llu", (unsigned long long)(goal >> 20));
	if (goal < PAGEOUT_PIECE || !op->req.pageout) {
		snprintf(out->pageout, sizeof(out->pageout),
			 "nothing reclaimed: %s; held by MemoryHigh at its usage (%s MiB)",
			 !op->req.pageout		   ? "jail_pageout = no"
			 : op->place.usage <= op->place.target ? "it is within the jail's size"
							       : "no room in swap for its anonymous memory, and no file pages to drop",
			 a);
		sdj_enter_done(op, 0);
		return;
	}
	{
		struct sd_backend *bk = jb->data;
		struct reclaim_job *j = calloc(1, sizeof(*j));

		if (!j) {
			snprintf(out->pageout, sizeof(out->pageout), "no reclaim: out of memory; held by MemoryHigh");
			sdj_enter_done(op, 0);
			return;
		}
		snprintf(j->state_dir, sizeof(j->state_dir), "%s", op->state_dir);
		j->st = *st;
		j->target = op->place.target;
		j->want_max = op->place.want_max;
		j->goal = goal;
		j->start_usage = op->place.usage;
		j->step = 2 * PAGEOUT_PIECE; /* small first: a step of 16 MiB took 1.5 s under TCG */
		j->t0_ns = now_ns();
		snprintf(out->pageout, sizeof(out->pageout),
			 "reclaiming up to %s MiB of its %s MiB in leakjail's own slices (swap room %s MiB), MemoryHigh following it down",
			 c, a, b);
		j->next = bk->jobs;
		bk->jobs = j;
		reclaims_arm(jb);
	}
	sdj_enter_done(op, 0);
}

static void on_limited(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg)
{
	(void)reply;
	if (r < 0) {
		/* a call that timed out may still have been done: undo as for a release */
		sdj_undo_reported(op->jb, op->state_dir, &op->st, sdj_restore_unit);
		sdj_enter_fail(op, r, "SetUnitProperties(%s): %s", op->u.name, msg);
		return;
	}
	in_place_done(op);
}

void sdj_in_place(struct sdj_enter *op)
{
	struct jail_backend *jb = op->jb;
	struct jail_state *st = &op->st;
	sd_bus_message *m = NULL;
	struct cg_usage use = { 0 };
	struct cg_limits l;
	uint64_t anon, file, target, want_max;
	unsigned int which = 0;
	int r;

	r = sdj_prop_limits(op->props, &st->prev);
	if (r < 0) {
		sdj_enter_fail(op, r, "cannot read the memory limits of %s: %s", op->u.name, strerror(-r));
		return;
	}
	snprintf(st->unit, sizeof(st->unit), "%s", op->u.name);
	snprintf(st->jail, sizeof(st->jail), "%s", op->u.cgroup + 1);
	st->prev_dropins = dropins_present(op->u.name);
	/* never looser than what the unit had: a jail only tightens */
	target = sdj_min(st->limits.high, st->prev.high);
	want_max = sdj_min(st->limits.max, st->prev.max);
	l.swap = sdj_min(st->limits.swap, st->prev.swap);
	if (cg_usage(jb->cg, st->jail, &use) < 0) {
		sdj_enter_fail(op, -ESRCH, "cannot read the memory of %s", op->u.cgroup);
		return;
	}
	unit_stat(jb->cg, st->jail, &anon, &file);
	op->place.usage = use.memory;
	op->place.target = target;
	op->place.want_max = want_max;
	op->place.room = swap_room(jb->cg, st->jail, l.swap);
	op->place.goal = use.memory > target ? sdj_min(use.memory - target, file + sdj_min(anon, op->place.room)) : 0;
	/* MemoryHigh at the usage (never below the jail's size): the write reclaims nothing */
	l.high = MAX(target, cg_page_up(use.memory + HIGH_SLACK));
	if (l.high < st->prev.high)
		which |= SDJ_HIGH;
	else
		l.high = st->prev.high;
	/* MemoryMax only above what the unit holds, else as it was until the reclaim is done */
	l.max = st->prev.max;
	if (want_max < st->prev.max && want_max >= cg_page_up(use.memory + JAIL_MARGIN_MIN)) {
		l.max = want_max;
		which |= SDJ_MAX;
	}
	if (l.swap != st->prev.swap)
		which |= SDJ_SWAP;
	st->limits = l;
	/* the unit's earlier OOM kills and limit hits are not the jail's: counted from here */
	cg_events(jb->cg, st->jail, &st->events);
	/* recorded before the change: a crash after it must not lose the previous values */
	r = jail_state_save(op->state_dir, st);
	if (r < 0) {
		sdj_enter_fail(op, r, "cannot record the jail in %s: %s", op->state_dir, strerror(-r));
		return;
	}
	if (!which) {
		in_place_done(op);
		return;
	}
	r = sdj_limits_message(sdj_bus(jb), op->u.name, &l, which, &m);
	if (r >= 0)
		r = sdj_call(op, m, on_limited);
	sd_bus_message_unref(m);
	if (r < 0) {
		jail_state_remove(op->state_dir, st->pid);
		sdj_enter_fail(op, r, "SetUnitProperties(%s): %s", op->u.name, strerror(-r));
	}
}

static void on_reloaded(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	(void)jb;
	(void)reply;
	if (r < 0)
		lj_log(LOG_WARNING,
		       "daemon-reload after the restore of %s: %s; systemd lists leakjail's removed drop-ins until the next one",
		       (const char *)ctx, msg);
}

/*
 * Manager.Reload: systemd forgets the drop-ins removed (see the top of this
 * file). Its answer is taken (from the loop, or waited for by a command):
 * a refusal is said.
 */
static void ask_reload(struct jail_backend *jb, const char *unit)
{
	if (sdj_method_then(jb, SD_PATH, SD_MANAGER, "Reload", on_reloaded, unit, strlen(unit) + 1, "") < 0)
		lj_log(LOG_WARNING, "daemon-reload after the restore of %s: cannot ask", unit);
}

/* A restore's steps share this (a copy passes from one answer to the next call). */
struct restore {
	pid_t pid;
	uint64_t starttime;
	char unit[256];
	struct cg_limits prev;
	unsigned int prev_dropins;
	bool loaded;
};

/* The limits are back (or the unit is not loaded): leakjail's drop-ins go. */
static void restore_end(struct jail_backend *jb, struct restore *c)
{
	char was[160], done[600];
	int removed = dropins_remove(c->unit, c->prev_dropins);

	if (removed < 0) {
		sdj_undo_failed(jb, c->pid, c->starttime, removed, "unit %s: cannot remove leakjail's drop-ins: %s",
				c->unit, strerror(-removed));
		return;
	}
	if (removed > 0 && c->loaded)
		ask_reload(jb, c->unit);
	sdj_fmt_limits(was, sizeof(was), &c->prev);
	snprintf(done, sizeof(done), "unit %s %s%s; %d drop-in%s of leakjail's removed%s", c->unit,
		 c->loaded ? "restored to " : "is not loaded: it loads as before", c->loaded ? was : "", removed,
		 removed == 1 ? "" : "s",
		 removed > 0 && c->loaded ? ", daemon-reload asked so that systemd forgets them" : "");
	sdj_undo_done(jb, c->pid, c->starttime, done);
}

static void on_restored(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct restore *c = ctx;

	(void)reply;
	if (r < 0)
		sdj_undo_failed(jb, c->pid, c->starttime, r, "SetUnitProperties(%s): %s", c->unit, msg);
	else
		restore_end(jb, c);
}

static void restore_limits(struct jail_backend *jb, struct restore *c)
{
	sd_bus_message *m = NULL;
	int r;

	if (!c->loaded) {
		restore_end(jb, c);
		return;
	}
	/* all three: what systemd holds, and the cgroup, are as before */
	r = sdj_limits_message(sdj_bus(jb), c->unit, &c->prev, SDJ_ALL, &m);
	if (r >= 0)
		r = sdj_call_then(jb, m, on_restored, c, sizeof(*c));
	sd_bus_message_unref(m);
	if (r < 0)
		sdj_undo_failed(jb, c->pid, c->starttime, r, "SetUnitProperties(%s): %s", c->unit, strerror(-r));
}

static void on_loaded(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct restore *c = ctx;

	(void)reply;
	(void)msg;
	c->loaded = r >= 0;
	restore_limits(jb, c);
}

static void on_looked_up(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct restore *c = ctx;

	(void)reply;
	if (r < 0 && r != -ENOENT) {
		sdj_undo_failed(jb, c->pid, c->starttime, r, "cannot look up %s: %s", c->unit, msg);
		return;
	}
	c->loaded = r == 0;
	if (!c->loaded && c->prev_dropins) {
		/* not loaded, but a drop-in of the administrator's was overwritten: load it to write it back */
		if (sdj_method_then(jb, SD_PATH, SD_MANAGER, "LoadUnit", on_loaded, c, sizeof(*c), "s", c->unit) < 0)
			restore_limits(jb, c);
		return;
	}
	restore_limits(jb, c);
}

void sdj_restore_unit(struct jail_backend *jb, const struct jail_state *j)
{
	struct restore c = { .pid = j->pid, .starttime = j->starttime, .prev = j->prev, .prev_dropins = j->prev_dropins };
	int r;

	reclaims_cancel(jb, j->pid);
	snprintf(c.unit, sizeof(c.unit), "%s", j->unit);
	r = sdj_method_then(jb, SD_PATH, SD_MANAGER, "GetUnit", on_looked_up, &c, sizeof(c), "s", c.unit);
	if (r < 0)
		sdj_undo_failed(jb, c.pid, c.starttime, r, "cannot look up %s: %s", c.unit, strerror(-r));
}

/*
 * SetUnitProperties, not waited for: the caller records the new limits at
 * once, and a refusal (answered from the loop) puts the record back.
 */
int sdj_set_jail_limits(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
			const struct cg_limits *l, struct lj_error *err)
{
	unsigned int which = 0;
	int r;

	if (l->high != j->limits.high)
		which |= SDJ_HIGH;
	if (l->max != j->limits.max)
		which |= SDJ_MAX;
	if (l->swap != j->limits.swap)
		which |= SDJ_SWAP;
	r = ask_limits(jb, state_dir, j, l, which ? which : SDJ_HIGH);
	if (r < 0)
		return lj_error_set(err, r, "SetUnitProperties(%s): %s", j->unit, strerror(-r));
	return 0;
}

/*
 * KillUnit(unit, "all", SIGKILL): systemd kills, so leakjail needs no
 * CAP_KILL over other users' processes (the shipped unit has none), and the
 * unit's own accounting says why it ended. The unit is the jail: the unit
 * limited in place (the process was alone in it) or the scope.
 */
struct kill_asked {
	pid_t pid;
	char unit[256];
};

static void on_killed(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	const struct kill_asked *a = ctx;

	(void)jb;
	(void)reply;
	if (r < 0)
		lj_log(LOG_WARNING, "the jail %s of pid %d: could not kill: KillUnit(%s): %s", a->unit, a->pid, a->unit,
		       msg);
}

/* Not waited for: systemd kills as it takes the call; a refusal is logged from the loop (on_killed()). */
int sdj_kill(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	struct kill_asked a = { .pid = j->pid };
	pid_t pids[1];
	int n = cg_procs(jb->cg, j->jail, pids, 1), r;

	snprintf(a.unit, sizeof(a.unit), "%s", j->unit);
	r = sdj_method_then(jb, SD_PATH, SD_MANAGER, "KillUnit", on_killed, &a, sizeof(a), "ssi", j->unit, "all",
			    (int32_t)SIGKILL);
	if (r < 0) {
		snprintf(done, size, "could not kill: KillUnit(%s): %s", j->unit, strerror(-r));
		return r;
	}
	snprintf(done, size, "killed through systemd: KillUnit(%s, all, SIGKILL)%s", j->unit,
		 n > 0 ? "" : " (it held no process)");
	return 0;
}
