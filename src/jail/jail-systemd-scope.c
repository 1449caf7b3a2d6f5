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
#include <unistd.h>

#include "jail-systemd.h"
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

/* The property's value in *reply: 1, or 0 when this systemd does not have it, or -errno. */
static int get_property(sd_bus *bus, const char *path, const char *iface, const char *name, const char *sig,
			sd_bus_message **reply)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_get_property(bus, SD_DEST, path, iface, name, &e, reply, sig);

	if (r < 0) {
		r = sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY) ? 0 : sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
		return r;
	}
	return 1;
}

/* Is the array property empty? 1 yes, 0 no, -errno. elem NULL: RestrictNetworkInterfaces' (bas). */
static int property_unset(sd_bus *bus, const char *path, const char *iface, const char *name, const char *sig,
			  const char *elem)
{
	sd_bus_message *reply = NULL;
	int r = get_property(bus, path, iface, name, sig, &reply);

	/* an older systemd without it cannot have it set */
	if (r <= 0)
		return r == 0 ? 1 : r;
	if (elem) {
		r = sd_bus_message_enter_container(reply, 'a', elem);
		if (r >= 0)
			r = sd_bus_message_at_end(reply, false);
	} else {
		int allow;

		r = sd_bus_message_enter_container(reply, 'r', "bas");
		if (r >= 0)
			r = sd_bus_message_read(reply, "b", &allow);
		if (r >= 0)
			r = sd_bus_message_enter_container(reply, 'a', "s");
		if (r >= 0)
			r = sd_bus_message_at_end(reply, false);
	}
	sd_bus_message_unref(reply);
	return r;
}

/* Append ("Name", <the origin's value>) to an a(sv) being built. */
static int copy_property(sd_bus *bus, sd_bus_message *m, const char *path, const char *iface, const char *name,
			 const char *sig)
{
	sd_bus_message *reply = NULL;
	int r = get_property(bus, path, iface, name, sig, &reply);

	if (r <= 0)
		return r;
	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', sig);
	if (r >= 0)
		r = sd_bus_message_copy(m, reply, true);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	sd_bus_message_unref(reply);
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
 * Wait (at most 3 s) until /proc/PID/cgroup says cgroup: the scope's start
 * job attaches the pid, in the manager's next turn (milliseconds). Bounded
 * well below the watchdog; a start job that has not run by then is
 * cancelled (cancel_start()).
 */
static bool wait_in_cgroup(pid_t pid, const char *cgroup)
{
	char now[1024];

	for (int i = 0; i < 300; i++) {
		if (proc_memory_cgroup(pid, now, sizeof(now)) < 0)
			return false;
		if (strcmp(now, cgroup) == 0)
			return true;
		usleep(10000);
	}
	return false;
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

/*
 * The scope's start job did not attach the pid in time: cancel it, so that
 * it cannot take the pid later with no record of it. 1 when the job had run
 * after all (the pid is in the scope), else 0.
 */
static int cancel_start(sd_bus *bus, const char *job, pid_t pid, const char *cgroup)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char now[1024];

	if (job[0]) {
		sd_bus_call_method(bus, SD_DEST, job, "org.freedesktop.systemd1.Job", "Cancel", &e, NULL, "");
		sd_bus_error_free(&e);
	}
	return proc_memory_cgroup(pid, now, sizeof(now)) == 0 && strcmp(now, cgroup) == 0;
}

int sdj_into_scope(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
		      struct unit_info *u, struct jail_state *st, struct jail_outcome *out,
		      struct lj_error *err)
{
	sd_bus *bus = sdj_bus(jb);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	sd_bus_message *reply = NULL;
	char slice[256], desc[400], cgroup[1100], copied[400] = "", limits[160], budget_names[160] = "", job[256] = "";
	uint32_t pids[64];
	int n_pids;
	size_t used = 0, nb = 0;
	uint64_t now_st;
	char *slash;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(not_carried); i++) {
		r = property_unset(bus, u->path, u->iface, not_carried[i].name, not_carried[i].sig,
				   not_carried[i].elem);
		if (r < 0)
			return lj_error_set(err, r, "cannot read %s of %s: %s", not_carried[i].name, u->name,
					    strerror(-r));
		if (r == 0)
			return lj_error_set(err, -EPERM,
					    "pid %d shares %s, whose %s cannot be carried over to a scope: not moved",
					    req->pid, u->name, not_carried[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(budgets); i++) {
		uint64_t v = CG_UNLIMITED;
		bool set;

		if (budgets[i].sig[0] == 't')
			set = sdj_get_u64(bus, u->path, u->iface, budgets[i].name, &v) == 0 && v != CG_UNLIMITED;
		else
			set = property_unset(bus, u->path, u->iface, budgets[i].name, budgets[i].sig, "(st)") == 0;
		if (set && nb + strlen(budgets[i].name) + 2 < sizeof(budget_names))
			nb += (size_t)snprintf(budget_names + nb, sizeof(budget_names) - nb, "%s%s", nb ? "," : "",
					       budgets[i].name);
	}
	n_pids = req->descendants ? sdj_unit_descendants(jb->cg, u->cgroup + 1, req->pid, pids, (int)ARRAY_SIZE(pids)) : 1;
	pids[0] = (uint32_t)req->pid;
	r = sdj_get_string(bus, u->path, u->iface, "Slice", slice, sizeof(slice));
	if (r >= 0)
		r = sdj_get_limits(bus, u->path, u->iface, &st->prev);
	if (r < 0)
		return lj_error_set(err, r, "cannot read %s: %s", u->name, strerror(-r));
	st->limits.high = sdj_min(st->limits.high, st->prev.high);
	st->limits.max = sdj_min(st->limits.max, st->prev.max);
	st->limits.swap = sdj_min(st->limits.swap, st->prev.swap);
	scope_name(req->comm, req->pid, st->unit, sizeof(st->unit));
	/* the scope's cgroup sits next to its origin's, in the same slice's */
	snprintf(cgroup, sizeof(cgroup), "%s", u->cgroup);
	slash = strrchr(cgroup, '/');
	if (!slash)
		return lj_error_set(err, -EINVAL, "unexpected cgroup %s of %s", u->cgroup, u->name);
	snprintf(slash + 1, sizeof(cgroup) - (size_t)(slash + 1 - cgroup), "%s", st->unit);
	if ((size_t)snprintf(st->jail, sizeof(st->jail), "%s", cgroup + 1) >= sizeof(st->jail))
		return lj_error_set(err, -ENAMETOOLONG, "the cgroup path of %s is too long", u->name);
	snprintf(desc, sizeof(desc), "leakjail: pid %d (%.64s) of %.200s", req->pid, req->comm, u->name);

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", st->unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", desc, "Slice", "s", slice,
					  "PartOf", "as", 1, u->name, "BindsTo", "as", 1, u->name, "CollectMode", "s",
					  "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "PIDs");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "au");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'u', pids, (size_t)n_pids * sizeof(pids[0]));
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sdj_append_limits(m, &st->limits, SDJ_ALL);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(carried); i++) {
		r = copy_property(bus, m, u->path, u->iface, carried[i].name, carried[i].sig);
		if (r > 0 && used + strlen(carried[i].name) + 2 < sizeof(copied))
			used += (size_t)snprintf(copied + used, sizeof(copied) - used, "%s%s", used ? "," : "",
						 carried[i].name);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0) {
		sd_bus_message_unref(m);
		return lj_error_set(err, r, "cannot build the scope for pid %d from %s: %s", req->pid, u->name,
				    strerror(-r));
	}
	/* recorded before the move: a crash after it must not lose the way back */
	jail_state_note_move(st, req);
	st->origin_ino = cg_ino(jb->cg, u->cgroup + 1);
	r = jail_state_save(state_dir, st);
	if (r < 0) {
		sd_bus_message_unref(m);
		return lj_error_set(err, r, "cannot record the jail in %s: %s", state_dir, strerror(-r));
	}
	r = sd_bus_call(bus, m, 0, &e, &reply);
	sd_bus_message_unref(m);
	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		lj_error_set(err, r, "StartTransientUnit(%s) for pid %d: %s", st->unit, req->pid,
			     e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		/* a call that timed out may have been done: its job must not take the pid later */
		if (!cancel_start(bus, "", req->pid, cgroup)) {
			jail_state_remove(state_dir, st->pid);
			return r;
		}
		r = 0;
	} else {
		const char *o = NULL;

		if (sd_bus_message_read(reply, "o", &o) >= 0 && o)
			snprintf(job, sizeof(job), "%s", o);
		sd_bus_message_unref(reply);
	}
	if (!wait_in_cgroup(req->pid, cgroup) && !cancel_start(bus, job, req->pid, cgroup)) {
		proc_memory_cgroup(req->pid, cgroup, sizeof(cgroup));
		jail_state_remove(state_dir, st->pid);
		return lj_error_set(err, -EIO, "pid %d: scope %s did not take it in time (now in %s): its start job cancelled",
				    req->pid, st->unit, cgroup);
	}
	/*
	 * systemd 252 has no PIDFDs=: the pid went over the bus as a number.
	 * Still the process that was judged? Else the scope holds a newcomer:
	 * its limits are lifted at once, and no jail is recorded.
	 */
	if (proc_starttime(req->pid, &now_st) < 0 || now_st != req->starttime) {
		struct cg_limits open = { CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED };

		sdj_set_limits(bus, st->unit, &open, SDJ_ALL, NULL);
		jail_state_remove(state_dir, st->pid);
		return lj_error_set(err, -ESRCH, "pid %d exited while it was moved into scope %s: no jail",
				    req->pid, st->unit);
	}
	out->moved = n_pids;
	/* its pages stay charged to the origin's cgroup: the caller pushes them out (pageouts_start()) */
	sdj_fmt_limits(limits, sizeof(limits), &st->limits);
	snprintf(out->how, sizeof(out->how),
		 "shares %.100s: moved into scope %.80s%s (slice %.60s, PartOf/BindsTo the origin; %.100s; carried over: %.120s; budgets left to the slice, not doubled: %.100s)",
		 u->name, st->unit, n_pids > 1 ? " with its descendants" : "", slice, limits,
		 copied[0] ? copied : "nothing", budget_names[0] ? budget_names : "none set");
	return 0;
}
