// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The systemd backend, a leaker that shares its unit: a transient scope of
 * its own (StartTransientUnit, PIDs=), in the origin's slice, PartOf= and
 * BindsTo= the origin, with every restriction of the origin's cgroup that
 * can be carried, or no scope at all. See jail-systemd.c for the whole.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jail-systemd.h"
#include "log.h"
#include "proc.h"

/*
 * The restrictions of a unit's cgroup that a scope can be given as they are:
 * read, then copied. Filters and placement (IP, devices, CPUs, NUMA nodes)
 * and relative weights are copied: they restrict, and a weight is a share,
 * not an amount. The budgets (TasksMax, CPUQuota, the IO bandwidth and IOPS
 * limits) are not: the scope is a sibling of its origin in the same slice,
 * and a copy would be a second budget of the same size beside the
 * service's own, twice what the unit was given. What bounds the pair
 * together is their slice's budgets, which hold both; the service's own
 * budget keeps applying to what stays in it, and the record names what
 * was not copied.
 */
static const struct {
	const char *name, *sig;
} carried[] = {
	{ "IPAddressAllow", "a(iayu)" }, { "IPAddressDeny", "a(iayu)" },
	{ "DevicePolicy", "s" },	 { "DeviceAllow", "a(ss)" },
	{ "AllowedCPUs", "ay" },	 { "AllowedMemoryNodes", "ay" },
	{ "CPUWeight", "t" },		 { "StartupCPUWeight", "t" },
	{ "IOWeight", "t" },		 { "StartupIOWeight", "t" },
	{ "IODeviceWeight", "a(st)" },
};

/* Budgets of the origin that the scope does not get (see above), named in the record when set. */
static const struct {
	const char *name, *sig;
} budgets[] = {
	{ "TasksMax", "t" },		   { "CPUQuotaPerSecUSec", "t" },    { "IOReadBandwidthMax", "a(st)" },
	{ "IOWriteBandwidthMax", "a(st)" }, { "IOReadIOPSMax", "a(st)" }, { "IOWriteIOPSMax", "a(st)" },
};

/* Restrictions a transient scope cannot be given from what the origin shows: set means no move. */
static const struct {
	const char *name, *sig, *elem;
} not_carried[] = {
	{ "IPIngressFilterPath", "as", "s" },
	{ "IPEgressFilterPath", "as", "s" },
	{ "BPFProgram", "a(ss)", "(ss)" },
	{ "SocketBindAllow", "a(iiqq)", "(iiqq)" },
	{ "SocketBindDeny", "a(iiqq)", "(iiqq)" },
	{ "RestrictNetworkInterfaces", "(bas)", NULL },
	/* a BPF LSM program of the origin's cgroup (systemd keeps it per cgroup) */
	{ "RestrictFileSystems", "(bas)", NULL },
};

/* Is the array property empty in the GetAll reply? 1 yes, 0 no, -errno. elem NULL: RestrictNetworkInterfaces' (bas). */
static int property_unset(sd_bus_message *all, const char *name, const char *sig, const char *elem)
{
	int r = sdj_prop(all, name, sig);

	/* an older systemd without it cannot have it set */
	if (r <= 0)
		return r == 0 ? 1 : r;
	if (elem) {
		r = sd_bus_message_enter_container(all, 'a', elem);
		if (r >= 0)
			r = sd_bus_message_at_end(all, false);
	} else {
		int allow;

		r = sd_bus_message_enter_container(all, 'r', "bas");
		if (r >= 0)
			r = sd_bus_message_read(all, "b", &allow);
		if (r >= 0)
			r = sd_bus_message_enter_container(all, 'a', "s");
		if (r >= 0)
			r = sd_bus_message_at_end(all, false);
	}
	return r;
}

/* Append ("Name", <the origin's value>) to an a(sv) being built: 1, 0 when the origin has none, -errno. */
static int copy_property(sd_bus_message *all, sd_bus_message *m, const char *name, const char *sig)
{
	int r = sdj_prop(all, name, sig);

	if (r <= 0)
		return r;
	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', sig);
	if (r >= 0)
		r = sd_bus_message_copy(m, all, true);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r < 0 ? r : 1;
}

/*
 * A scope's name: leakjail-<comm>-<pid>.scope, the comm reduced to letters,
 * digits and '_' (a '.' would let a comm ".." make a cgroup path that the
 * record parser rightly refuses).
 */
static void scope_name(const char *comm, pid_t pid, char *out, size_t size)
{
	char c[32];
	size_t n = 0;

	for (const char *p = comm; *p && n + 1 < sizeof(c); p++)
		c[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
					 *p == '_'
				 ? *p
				 : '_';
	c[n] = '\0';
	snprintf(out, size, "leakjail-%s-%d.scope", n ? c : "proc", pid);
}

/*
 * The pid and its descendants in the same cgroup (the unit's), for PIDs=:
 * each process of the unit whose parent chain reaches pid. Children in
 * other cgroups are other units' business. Returns the count (pid first).
 */
int sdj_unit_descendants(const struct cgroup_backend *cg, const char *rel, pid_t pid, uint32_t *out, int max)
{
	pid_t procs[256];
	int n = cg_procs(cg, rel, procs, (int)ARRAY_SIZE(procs)), k = 0;

	out[k++] = (uint32_t)pid;
	for (int i = 0; i < n && k < max; i++) {
		pid_t p = procs[i];

		if (p == pid)
			continue;
		for (int depth = 0; depth < 64 && p > 1; depth++) {
			char path[48], buf[1024];
			struct proc_stat ps;

			snprintf(path, sizeof(path), "/proc/%d/stat", p);
			if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &ps))
				break;
			p = ps.ppid;
			if (p == pid) {
				out[k++] = (uint32_t)procs[i];
				break;
			}
		}
	}
	return k;
}

static void on_lifted(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	(void)jb;
	(void)reply;
	if (r < 0)
		lj_log(LOG_WARNING, "scope %s holds a newcomer, and its limits could not be lifted: %s", (const char *)ctx,
		       msg);
}

/* The scope holds the pid: still the process that was judged? Then the jail is made. */
static void scope_confirmed(struct sdj_enter *op)
{
	char limits[160];
	uint64_t now_st;

	/*
	 * systemd 252 has no PIDFDs=: the pid went over the bus as a number.
	 * Still the process that was judged? Else the scope holds a newcomer:
	 * its limits are lifted at once, and no jail is recorded.
	 */
	if (proc_starttime(op->req.pid, &now_st) < 0 || now_st != op->req.starttime) {
		struct cg_limits open = { CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED };
		sd_bus_message *m = NULL;

		/* not waited for: a refusal is logged from the loop (on_lifted()) */
		if (sdj_limits_message(sdj_bus(op->jb), op->st.unit, &open, SDJ_ALL, &m) < 0 ||
		    sdj_call_then(op->jb, m, on_lifted, op->st.unit, sizeof(op->st.unit)) < 0)
			lj_log(LOG_WARNING, "scope %s holds a newcomer, and its limits could not be lifted", op->st.unit);
		sd_bus_message_unref(m);
		jail_state_remove(op->state_dir, op->st.pid);
		sdj_enter_fail(op, -ESRCH, "pid %d exited while it was moved into scope %s: no jail", op->req.pid,
			       op->st.unit);
		return;
	}
	op->out.moved = op->scope.n_pids;
	/* its pages stay charged to the origin's cgroup: the caller pushes them out (pageouts_start()) */
	sdj_fmt_limits(limits, sizeof(limits), &op->st.limits);
	snprintf(op->out.how, sizeof(op->out.how),
		 "shares %.100s: moved into scope %.80s%s (slice %.60s, PartOf/BindsTo the origin; %.100s; carried over: %.120s; budgets left to the slice, not doubled: %.100s)",
		 op->u.name, op->st.unit, op->scope.n_pids > 1 ? " with its descendants" : "", op->scope.slice, limits,
		 op->scope.copied[0] ? op->scope.copied : "nothing",
		 op->scope.budgets[0] ? op->scope.budgets : "none set");
	sdj_enter_done(op, 0);
}

static bool in_scope(const struct sdj_enter *op)
{
	char now[1024];

	return proc_memory_cgroup(op->req.pid, now, sizeof(now)) == 0 && strcmp(now, op->scope.cgroup) == 0;
}

/* The start job is cancelled (or there was none): the scope took the pid after all, or no jail. */
static void scope_not_taken_end(struct sdj_enter *op)
{
	char now[1024] = "";

	if (in_scope(op)) {
		/* the job had run after all */
		scope_confirmed(op);
		return;
	}
	proc_memory_cgroup(op->req.pid, now, sizeof(now));
	jail_state_remove(op->state_dir, op->st.pid);
	sdj_enter_fail(op, -EIO, "pid %d: scope %s did not take it (%s; now in %s): its start job cancelled",
		       op->req.pid, op->st.unit, op->scope.why, now);
}

static void on_cancelled(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg)
{
	(void)reply;
	(void)r;
	(void)msg;
	scope_not_taken_end(op);
}

/*
 * The scope's start job did not attach the pid in time: cancel it, so that
 * it cannot take the pid later with no record of it. The record goes once
 * the cancel is answered.
 */
static void scope_not_taken(struct sdj_enter *op, const char *why)
{
	snprintf(op->scope.why, sizeof(op->scope.why), "%s", why);
	if (op->scope.job[0] &&
	    sdj_call_method(op, op->scope.job, "org.freedesktop.systemd1.Job", "Cancel", on_cancelled, "") >= 0)
		return;
	scope_not_taken_end(op);
}

/*
 * Until /proc/PID/cgroup says the scope: its start job attaches the pid in
 * the manager's next turn (milliseconds). Looked at every 10 ms from the
 * loop, for at most 3 s; a start job that has not run by then is cancelled.
 */
static int on_wait(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct sdj_enter *op = userdata;
	char now[1024];

	if (in_scope(op)) {
		op->wait = sd_event_source_disable_unref(op->wait);
		scope_confirmed(op);
		return 0;
	}
	if (usec >= op->wait_until || proc_memory_cgroup(op->req.pid, now, sizeof(now)) < 0) {
		op->wait = sd_event_source_disable_unref(op->wait);
		scope_not_taken(op, "not in time");
		return 0;
	}
	sd_event_source_set_time(s, usec + 10000);
	return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void on_started(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg)
{
	const char *o = NULL;
	uint64_t now;

	if (r < 0) {
		/* a call that timed out may have been done: its job must not take the pid later */
		char why[300];

		snprintf(why, sizeof(why), "StartTransientUnit: %s", msg);
		scope_not_taken(op, why);
		return;
	}
	if (sd_bus_message_read(reply, "o", &o) >= 0 && o)
		snprintf(op->scope.job, sizeof(op->scope.job), "%s", o);
	if (in_scope(op)) {
		scope_confirmed(op);
		return;
	}
	sd_event_now(op->jb->event, CLOCK_MONOTONIC, &now);
	op->wait_until = now + 3000000;
	r = sd_event_add_time(op->jb->event, &op->wait, CLOCK_MONOTONIC, now + 10000, 1000, on_wait, op);
	if (r < 0)
		scope_not_taken(op, "no timer to wait with");
}

void sdj_into_scope(struct sdj_enter *op)
{
	struct jail_backend *jb = op->jb;
	const struct jail_request *req = &op->req;
	struct unit_info *u = &op->u;
	struct jail_state *st = &op->st;
	sd_bus_message *m = NULL;
	char desc[400], *slash;
	uint32_t pids[64];
	size_t used = 0, nb = 0;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(not_carried); i++) {
		r = property_unset(op->props, not_carried[i].name, not_carried[i].sig, not_carried[i].elem);
		if (r < 0) {
			sdj_enter_fail(op, r, "cannot read %s of %s: %s", not_carried[i].name, u->name, strerror(-r));
			return;
		}
		if (r == 0) {
			sdj_enter_fail(op, -EPERM, "pid %d shares %s, whose %s cannot be carried over to a scope: not moved",
				       req->pid, u->name, not_carried[i].name);
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(budgets); i++) {
		uint64_t v = CG_UNLIMITED;
		bool set;

		if (budgets[i].sig[0] == 't')
			set = sdj_prop_u64(op->props, budgets[i].name, &v) == 0 && v != CG_UNLIMITED;
		else
			set = property_unset(op->props, budgets[i].name, budgets[i].sig, "(st)") == 0;
		if (set && nb + strlen(budgets[i].name) + 2 < sizeof(op->scope.budgets))
			nb += (size_t)snprintf(op->scope.budgets + nb, sizeof(op->scope.budgets) - nb, "%s%s",
					       nb ? "," : "", budgets[i].name);
	}
	op->scope.n_pids = req->descendants ? sdj_unit_descendants(jb->cg, u->cgroup + 1, req->pid, pids,
								   (int)ARRAY_SIZE(pids))
					    : 1;
	pids[0] = (uint32_t)req->pid;
	r = sdj_prop_string(op->props, "Slice", op->scope.slice, sizeof(op->scope.slice));
	if (r >= 0)
		r = sdj_prop_limits(op->props, &st->prev);
	if (r < 0) {
		sdj_enter_fail(op, r, "cannot read %s: %s", u->name, strerror(-r));
		return;
	}
	st->limits.high = sdj_min(st->limits.high, st->prev.high);
	st->limits.max = sdj_min(st->limits.max, st->prev.max);
	st->limits.swap = sdj_min(st->limits.swap, st->prev.swap);
	scope_name(req->comm, req->pid, st->unit, sizeof(st->unit));
	/* the scope's cgroup sits next to its origin's, in the same slice's */
	snprintf(op->scope.cgroup, sizeof(op->scope.cgroup), "%s", u->cgroup);
	slash = strrchr(op->scope.cgroup, '/');
	if (!slash) {
		sdj_enter_fail(op, -EINVAL, "unexpected cgroup %s of %s", u->cgroup, u->name);
		return;
	}
	snprintf(slash + 1, sizeof(op->scope.cgroup) - (size_t)(slash + 1 - op->scope.cgroup), "%s", st->unit);
	if ((size_t)snprintf(st->jail, sizeof(st->jail), "%s", op->scope.cgroup + 1) >= sizeof(st->jail)) {
		sdj_enter_fail(op, -ENAMETOOLONG, "the cgroup path of %s is too long", u->name);
		return;
	}
	snprintf(desc, sizeof(desc), "leakjail: pid %d (%.64s) of %.200s", req->pid, req->comm, u->name);

	r = sd_bus_message_new_method_call(sdj_bus(jb), &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", st->unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", desc, "Slice", "s",
					  op->scope.slice, "PartOf", "as", 1, u->name, "BindsTo", "as", 1, u->name,
					  "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "PIDs");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "au");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'u', pids, (size_t)op->scope.n_pids * sizeof(pids[0]));
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sdj_append_limits(m, &st->limits, SDJ_ALL);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(carried); i++) {
		r = copy_property(op->props, m, carried[i].name, carried[i].sig);
		if (r > 0 && used + strlen(carried[i].name) + 2 < sizeof(op->scope.copied))
			used += (size_t)snprintf(op->scope.copied + used, sizeof(op->scope.copied) - used, "%s%s",
						 used ? "," : "", carried[i].name);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0) {
		sd_bus_message_unref(m);
		sdj_enter_fail(op, r, "cannot build the scope for pid %d from %s: %s", req->pid, u->name, strerror(-r));
		return;
	}
	/* recorded before the move: a crash after it must not lose the way back */
	jail_state_note_move(st, req);
	st->origin_ino = cg_ino(jb->cg, u->cgroup + 1);
	r = jail_state_save(op->state_dir, st);
	if (r < 0) {
		sd_bus_message_unref(m);
		sdj_enter_fail(op, r, "cannot record the jail in %s: %s", op->state_dir, strerror(-r));
		return;
	}
	r = sdj_call(op, m, on_started);
	sd_bus_message_unref(m);
	if (r < 0) {
		jail_state_remove(op->state_dir, st->pid);
		sdj_enter_fail(op, r, "StartTransientUnit(%s) for pid %d: %s", st->unit, req->pid, strerror(-r));
	}
}
