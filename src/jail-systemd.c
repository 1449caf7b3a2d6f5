// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The systemd backend: where systemd is PID 1 on cgroup v2 it owns the
 * cgroup tree (its docs/CGROUP_DELEGATION.md). A process moved behind its
 * back leaves its unit's sandbox (BPF IP filters, device policy, tasks,
 * weights) and escapes `systemctl stop`. So every change goes through the
 * manager, over D-Bus (org.freedesktop.systemd1):
 *
 * - the leaker alone in its unit's cgroup: SetUnitProperties(runtime,
 *   MemoryHigh, MemoryMax, MemorySwapMax) on the unit in place. Its pages are
 *   already charged there, so it swaps at once, and stop, restart and the
 *   sandbox stay as they were. The previous values are recorded.
 * - the leaker shares its unit: StartTransientUnit of a scope with PIDs=
 *   [pid], in the origin's slice, PartOf= and BindsTo= the origin (its stop
 *   and restart reach the scope), with the restrictions that live in the
 *   origin's cgroup copied from the origin's own properties. A restriction
 *   that cannot be copied (BPF programs, socket-bind rules, interface
 *   filters) leaves the process where it is, and the error says why.
 * - a process in a delegated subtree (Delegate=yes: a container manager, a
 *   user manager) belongs to that subtree's owner: not jailed, and said so.
 *
 * Reading cgroupfs (cgroup.procs, memory.current, memory.events) is fine
 * alongside systemd; writing it is not, with two exceptions said where
 * they are: memory.reclaim (a one-off request, no setting systemd keeps) and
 * putting a process back into the leaf cgroup of its own unit.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
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

sd_bus *sdj_bus(struct jail_backend *jb)
{
	return ((struct sd_backend *)jb->data)->bus;
}

int sdj_bus_errno(const sd_bus_error *e, int r)
{
	int code = sd_bus_error_get_errno(e);

	return code > 0 ? -code : r < 0 ? r : -EIO;
}

int jail_systemd_open(struct jail_backend *jb, struct lj_error *err)
{
	struct sd_backend *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return lj_error_set(err, -ENOMEM, "out of memory");
	r = sd_bus_open_system(&b->bus);
	if (r < 0) {
		free(b);
		return lj_error_set(err, r, "backend systemd: cannot connect to the system bus: %s", strerror(-r));
	}
	sd_bus_set_method_call_timeout(b->bus, SD_CALL_TIMEOUT_USEC);
	jb->data = b;
	return 0;
}

static void systemd_close(struct jail_backend *jb)
{
	struct sd_backend *b = jb->data;

	if (!b)
		return;
	sdj_reclaims_free(jb);
	sd_bus_flush_close_unref(b->bus);
	free(b);
	jb->data = NULL;
}

/* The D-Bus interface that holds a unit type's cgroup properties. */
static const char *unit_iface(const char *unit)
{
	const char *dot = strrchr(unit, '.');

	if (!dot)
		return NULL;
	if (strcmp(dot, ".service") == 0)
		return "org.freedesktop.systemd1.Service";
	if (strcmp(dot, ".scope") == 0)
		return "org.freedesktop.systemd1.Scope";
	if (strcmp(dot, ".socket") == 0)
		return "org.freedesktop.systemd1.Socket";
	if (strcmp(dot, ".mount") == 0)
		return "org.freedesktop.systemd1.Mount";
	if (strcmp(dot, ".swap") == 0)
		return "org.freedesktop.systemd1.Swap";
	return NULL;
}

/* The object path of a unit by name; -ENOENT when it is not loaded. */
int sdj_unit_path(sd_bus *bus, const char *unit, char **path)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e, &reply, "s", unit);
	if (r < 0) {
		r = sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit") ? -ENOENT : sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_read(reply, "o", &p);
	if (r >= 0)
		*path = strdup(p);
	sd_bus_message_unref(reply);
	return r < 0 ? r : *path ? 0 : -ENOMEM;
}

int sdj_get_string(sd_bus *bus, const char *path, const char *iface, const char *name, char *out, size_t size)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *v = NULL;
	int r = sd_bus_get_property_string(bus, SD_DEST, path, iface, name, &e, &v);

	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
		return r;
	}
	snprintf(out, size, "%s", v);
	free(v);
	return 0;
}

int sdj_get_u64(sd_bus *bus, const char *path, const char *iface, const char *name, uint64_t *out)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, name, &e, 't', out);

	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
	}
	return r;
}

static int get_bool(sd_bus *bus, const char *path, const char *iface, const char *name, bool *out)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int v = 0;
	int r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, name, &e, 'b', &v);

	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
	}
	*out = v != 0;
	return r;
}

/* A unit's InvocationID (16 bytes) as 32 hex digits: which run of the unit this is. */
static int get_invocation(sd_bus *bus, const char *path, char *out, size_t size)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const void *id = NULL;
	size_t n = 0;
	int r;

	out[0] = '\0';
	r = sd_bus_get_property(bus, SD_DEST, path, SD_UNIT, "InvocationID", &e, &reply, "ay");
	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_read_array(reply, 'y', &id, &n);
	for (size_t i = 0; r >= 0 && i < n && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", ((const unsigned char *)id)[i]);
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}

/* Is the array property empty? 1 yes, 0 no, -errno. elem NULL: RestrictNetworkInterfaces' (bas). */
static int property_unset(sd_bus *bus, const char *path, const char *iface, const char *name, const char *sig,
			  const char *elem)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r;

	r = sd_bus_get_property(bus, SD_DEST, path, iface, name, &e, &reply, sig);
	if (r < 0) {
		/* an older systemd without it cannot have it set */
		r = sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY) ? 1 : sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
		return r;
	}
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
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r;

	r = sd_bus_get_property(bus, SD_DEST, path, iface, name, &e, &reply, sig);
	if (r < 0) {
		r = sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY) ? 0 : sdj_bus_errno(&e, r);
		sd_bus_error_free(&e);
		return r;
	}
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

static int append_limits(sd_bus_message *m, const struct cg_limits *l, unsigned int which)
{
	int r = 0;

	if (which & SDJ_HIGH)
		r = sd_bus_message_append(m, "(sv)", "MemoryHigh", "t", l->high);
	if (r >= 0 && (which & SDJ_MAX))
		r = sd_bus_message_append(m, "(sv)", "MemoryMax", "t", l->max);
	if (r >= 0 && (which & SDJ_SWAP))
		r = sd_bus_message_append(m, "(sv)", "MemorySwapMax", "t", l->swap);
	return r;
}

int sdj_set_limits(sd_bus *bus, const char *unit, const struct cg_limits *l, unsigned int which,
		   struct lj_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = append_limits(m, l, which);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &e, NULL);
	sd_bus_message_unref(m);
	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		lj_error_set(err, r, "SetUnitProperties(%s): %s", unit, e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return r;
	}
	return 0;
}

int sdj_read_cgroup(pid_t pid, char *out, size_t size)
{
	char path[48], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	return proc_parse_cgroup(buf, out, size) ? 0 : -EINVAL;
}

uint64_t sdj_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void sdj_fmt_limits(char *buf, size_t size, const struct cg_limits *l)
{
	char h[24], m[24], s[24];

	jail_fmt_limit(h, sizeof(h), l->high);
	jail_fmt_limit(m, sizeof(m), l->max);
	jail_fmt_limit(s, sizeof(s), l->swap);
	snprintf(buf, size, "MemoryHigh=%s MemoryMax=%s MemorySwapMax=%s", h, m, s);
}

static int unit_of_pid(sd_bus *bus, pid_t pid, struct unit_info *u, struct lj_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnitByPID", &e, &reply, "u", (uint32_t)pid);
	if (r < 0) {
		r = sdj_bus_errno(&e, r);
		lj_error_set(err, r == -ENXIO ? -ESRCH : r, "GetUnitByPID(%d): %s", pid,
			     e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return err->code;
	}
	r = sd_bus_message_read(reply, "o", &p);
	u->path = r >= 0 ? strdup(p) : NULL;
	sd_bus_message_unref(reply);
	if (!u->path)
		return lj_error_set(err, -ENOMEM, "out of memory");
	r = sdj_get_string(bus, u->path, SD_UNIT, "Id", u->name, sizeof(u->name));
	if (r < 0)
		return lj_error_set(err, r, "pid %d: cannot read its unit's name: %s", pid, strerror(-r));
	u->iface = unit_iface(u->name);
	if (!u->iface)
		return lj_error_set(err, -EPERM, "pid %d is in %s, a unit that holds no limits of its own: not jailed",
				    pid, u->name);
	r = sdj_get_string(bus, u->path, u->iface, "ControlGroup", u->cgroup, sizeof(u->cgroup));
	if (r >= 0)
		r = get_invocation(bus, u->path, u->invocation, sizeof(u->invocation));
	if (r < 0)
		return lj_error_set(err, r, "pid %d: cannot read unit %s: %s", pid, u->name, strerror(-r));
	return 0;
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
		if (sdj_read_cgroup(pid, now, sizeof(now)) < 0)
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
static int unit_descendants(const struct cgroup_backend *cg, const char *rel, pid_t pid, uint32_t *out, int max)
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
	return sdj_read_cgroup(pid, now, sizeof(now)) == 0 && strcmp(now, cgroup) == 0;
}

static int into_scope(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
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
	n_pids = req->descendants ? unit_descendants(jb->cg, u->cgroup + 1, req->pid, pids, (int)ARRAY_SIZE(pids)) : 1;
	pids[0] = (uint32_t)req->pid;
	r = sdj_get_string(bus, u->path, u->iface, "Slice", slice, sizeof(slice));
	if (r >= 0)
		r = sdj_get_u64(bus, u->path, u->iface, "MemoryHigh", &st->prev.high);
	if (r >= 0)
		r = sdj_get_u64(bus, u->path, u->iface, "MemoryMax", &st->prev.max);
	if (r >= 0)
		r = sdj_get_u64(bus, u->path, u->iface, "MemorySwapMax", &st->prev.swap);
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
		r = append_limits(m, &st->limits, SDJ_ALL);
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
		sdj_read_cgroup(req->pid, cgroup, sizeof(cgroup));
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

static int systemd_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
			 struct jail_outcome *out, struct lj_error *err)
{
	sd_bus *bus = sdj_bus(jb);
	cleanup_close int pidfd = -1;
	struct unit_info u = { 0 };
	struct jail_state st = { 0 };
	char cgroup[1024];
	pid_t procs[2], all[256];
	uint32_t kids[256];
	bool delegate = false;
	int n, r;

	memset(out, 0, sizeof(*out));
	pidfd = jail_target_open(req, err);
	if (pidfd < 0)
		return pidfd;
	if (sdj_read_cgroup(req->pid, cgroup, sizeof(cgroup)) < 0)
		return lj_error_set(err, -ESRCH, "pid %d has exited", req->pid);
	r = unit_of_pid(bus, req->pid, &u, err);
	if (r < 0)
		goto out;
	st.pid = req->pid;
	st.starttime = req->starttime;
	snprintf(st.backend, sizeof(st.backend), "systemd");
	snprintf(st.comm, sizeof(st.comm), "%s", req->comm);
	snprintf(st.policy, sizeof(st.policy), "%s", req->policy);
	snprintf(st.reason, sizeof(st.reason), "%s", req->reason ? req->reason : "");
	snprintf(st.origin, sizeof(st.origin), "%s", cgroup);
	snprintf(st.origin_unit, sizeof(st.origin_unit), "%s", u.name);
	snprintf(st.origin_id, sizeof(st.origin_id), "%s", u.invocation);
	st.since = now_wall();
	st.limits = req->limits;

	if (startswith(u.name, "leakjail-") && strcmp(u.iface, "org.freedesktop.systemd1.Scope") == 0) {
		/* a child born in a scope jail, or moved there with its parent: the jail's, not a new leak */
		r = lj_error_set(err, -EALREADY, "pid %d is already in the jail %s", req->pid, u.name);
		goto out;
	}
	/* Delegate=yes, or a cgroup below its unit's: the subtree is its owner's, not systemd's or ours */
	if (strcmp(u.iface, "org.freedesktop.systemd1.Service") == 0 ||
	    strcmp(u.iface, "org.freedesktop.systemd1.Scope") == 0)
		get_bool(bus, u.path, u.iface, "Delegate", &delegate);
	if (delegate || strcmp(cgroup, u.cgroup) != 0) {
		r = lj_error_set(err, -EPERM,
				 "pid %d is in %s, inside the delegated subtree of %s: it belongs to that unit's own manager; not jailed",
				 req->pid, cgroup, u.name);
		goto out;
	}
	n = cg_procs(jb->cg, u.cgroup + 1, procs, (int)ARRAY_SIZE(procs));
	if (n < 0) {
		r = lj_error_set(err, n, "cannot read the processes of %s: %s", u.cgroup, strerror(-n));
		goto out;
	}
	/* alone in its unit, or (jail_descendants) there with its descendants only: the unit is the jail */
	if ((n == 1 && procs[0] == req->pid) ||
	    (req->descendants && n > 1 && unit_descendants(jb->cg, u.cgroup + 1, req->pid, kids, (int)ARRAY_SIZE(kids)) ==
					      cg_procs(jb->cg, u.cgroup + 1, all, (int)ARRAY_SIZE(all))))
		r = sdj_in_place(jb, state_dir, req, &u, &st, out, err);
	else
		r = into_scope(jb, state_dir, req, &u, &st, out, err);
	if (r == 0)
		out->state = st;
out:
	free(u.path);
	return r;
}

/*
 * Back from the scope into the origin unit, only if it is the same run of
 * that unit (its InvocationID), active, and its cgroup is the leaf it was.
 */
static int back_from_scope(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			   struct lj_error *err)
{
	sd_bus *bus = sdj_bus(jb);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *path = NULL, id[40] = "", state[32] = "", cgroup[1024] = "", now[1024];
	pid_t procs[256];
	const char *iface = unit_iface(j->origin_unit);
	int n, r, moved = 0;

	if (sdj_read_cgroup(j->pid, now, sizeof(now)) == 0 && strcmp(now + 1, j->jail) != 0) {
		snprintf(done, size, "pid %d had left scope %s (now in %s): left there", j->pid, j->unit, now);
		return 0;
	}
	r = sdj_unit_path(bus, j->origin_unit, &path);
	if (r == 0) {
		get_invocation(bus, path, id, sizeof(id));
		sdj_get_string(bus, path, SD_UNIT, "ActiveState", state, sizeof(state));
		if (iface)
			sdj_get_string(bus, path, iface, "ControlGroup", cgroup, sizeof(cgroup));
	}
	free(path);
	if (r < 0 && r != -ENOENT)
		return lj_error_set(err, r, "cannot look up %s: %s", j->origin_unit, strerror(-r));
	if (r == -ENOENT || strcmp(id, j->origin_id) != 0 || strcmp(state, "active") != 0 ||
	    strcmp(cgroup, j->origin) != 0) {
		/* never into a new run of the unit, nor into an inner node: the scope stays, its limits go */
		struct cg_limits open = { CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED };
		const char *why = r == -ENOENT || !id[0]		 ? "gone"
				  : strcmp(id, j->origin_id) != 0 ? "another run now (restarted)"
				  : strcmp(state, "active") != 0  ? "not active"
								  : "in another cgroup now";

		if (!cg_exists(jb->cg, j->jail)) {
			snprintf(done, size, "%s is %s, and scope %s is gone", j->origin_unit, why, j->unit);
			return 0;
		}
		r = sdj_set_limits(bus, j->unit, &open, SDJ_ALL, err);
		if (r < 0)
			return r;
		snprintf(done, size, "%s is %s: pid %d stays in scope %s (never moved into another run or an inner cgroup), its memory limits lifted",
			 j->origin_unit, why, j->pid, j->unit);
		return 0;
	}
	n = cg_procs(jb->cg, j->jail, procs, (int)ARRAY_SIZE(procs));
	for (int i = 0; i < n; i++) {
		/* AttachProcessesToUnit: systemd's own way, for units that allow it (delegated ones, in 252) */
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", &e, NULL, "ssau",
				       j->origin_unit, "/", 1, (uint32_t)procs[i]);
		if (r < 0) {
			sd_bus_error_free(&e);
			/*
			 * Not a delegated unit: the process goes back into the leaf
			 * cgroup of the same run of its own unit, where systemd started
			 * it; stop and kill of that unit reach it again there.
			 */
			r = cg_move(jb->cg, j->origin + 1, procs[i], err);
		}
		if (r == 0)
			moved++;
		else if (procs[i] == j->pid)
			return r;
	}
	snprintf(done, size, "moved %d process%s back into %s (%s, same run); scope %s is empty and collected by systemd",
		 moved, moved == 1 ? "" : "es", j->origin_unit, j->origin, j->unit);
	return 0;
}

static int systemd_release(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			   struct lj_error *err)
{
	if (strcmp(j->unit, j->origin_unit) == 0)
		return sdj_restore_unit(jb, j, done, size, err);
	return back_from_scope(jb, j, done, size, err);
}

static int systemd_retire(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			  struct lj_error *err)
{
	pid_t procs[1];

	if (strcmp(j->unit, j->origin_unit) == 0)
		return sdj_restore_unit(jb, j, done, size, err);
	/* an empty scope is collected by systemd (CollectMode=inactive-or-failed); what it started keeps it */
	if (cg_exists(jb->cg, j->jail) && cg_procs(jb->cg, j->jail, procs, 1) > 0)
		return lj_error_set(err, -EBUSY, "scope %s still holds processes", j->unit);
	snprintf(done, size, "scope %s is empty: systemd collects it", j->unit);
	return 0;
}

/*
 * systemd 252 propagates a stop of the origin to the scope (PartOf=,
 * BindsTo=) but not a restart: a scope cannot be restarted, so the restart
 * job it would get is dropped, and the old worker would run on beside the
 * new run of its service. Checked here every pass instead: once the origin
 * is another run, or no longer active, the scope is stopped as a restart
 * would have stopped the worker in its own cgroup.
 */
static int systemd_follow(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	sd_bus *bus = sdj_bus(jb);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *path = NULL, id[40] = "", state[32] = "";
	int r;

	if (strcmp(j->unit, j->origin_unit) == 0 || !cg_exists(jb->cg, j->jail))
		return 0;
	/* a scope already on its way out (stopped in an earlier pass) is told once */
	r = sdj_unit_path(bus, j->unit, &path);
	if (r == 0)
		sdj_get_string(bus, path, SD_UNIT, "ActiveState", state, sizeof(state));
	free(path);
	path = NULL;
	if (r == 0 && strcmp(state, "active") != 0)
		return 0;
	state[0] = '\0';
	r = sdj_unit_path(bus, j->origin_unit, &path);
	if (r == 0) {
		get_invocation(bus, path, id, sizeof(id));
		sdj_get_string(bus, path, SD_UNIT, "ActiveState", state, sizeof(state));
	}
	free(path);
	if (r < 0 && r != -ENOENT)
		return 0; /* the bus is busy or gone: try again next pass */
	if (r == 0 && strcmp(id, j->origin_id) == 0 &&
	    (strcmp(state, "active") == 0 || strcmp(state, "reloading") == 0 || strcmp(state, "activating") == 0))
		return 0;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, NULL, "ss", j->unit, "replace");
	if (r < 0) {
		snprintf(done, size, "%s is %s, but stopping scope %s failed: %s", j->origin_unit,
			 r == -ENOENT ? "gone" : "another run now", j->unit, e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return 1;
	}
	snprintf(done, size, "%s is %s: scope %s stopped with it", j->origin_unit,
		 !id[0] ? "gone" : strcmp(id, j->origin_id) != 0 ? "another run now (restarted)" : state, j->unit);
	return 1;
}

const struct jail_backend_ops jail_systemd_ops = {
	.follow = systemd_follow,
	.name = "systemd",
	.enter = systemd_enter,
	.release = systemd_release,
	.retire = systemd_retire,
	.set_limits = sdj_set_jail_limits,
	.kill = sdj_kill,
	.close = systemd_close,
};
