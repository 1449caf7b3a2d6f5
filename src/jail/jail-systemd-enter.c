// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The systemd backend, making a jail without blocking the loop. Under the
 * pressure that makes a jail, PID 1 can be slow to answer, and the daemon's
 * loop (its watchdog, the passes of every other process) must not wait for
 * it. So each call to the manager is asynchronous, with a timeout of its own
 * (SD_CALL_TIMEOUT_USEC), and its answer takes the next step from the loop:
 *
 *   GetUnitByPID(pid) -> GetAll(Unit) -> GetAll(<the unit type's interface>)
 *   -> the choice (already in a jail, a container's scope, delegated, alone
 *      in its unit, or sharing it) -> in place: SetUnitProperties
 *      (jail-systemd-unit.c) / a scope: StartTransientUnit, then a timer of
 *      the loop until the scope holds the pid (jail-systemd-scope.c)
 *   -> sdj_enter_done(): jb->entered is told.
 *
 * Two GetAll replies hold every property the choice reads, in two round
 * trips instead of one per property. The process is checked again (its
 * start time) after the last step that took time; a record is written
 * before anything is changed, as on the other backends.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "jail-systemd.h"
#include "proc.h"

int sdj_prop(sd_bus_message *all, const char *name, const char *sig)
{
	const char *key, *contents;
	int r;

	r = sd_bus_message_rewind(all, true);
	if (r >= 0)
		r = sd_bus_message_enter_container(all, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(all, 'e', "sv")) > 0) {
		r = sd_bus_message_read(all, "s", &key);
		if (r >= 0 && strcmp(key, name) == 0) {
			r = sd_bus_message_peek_type(all, NULL, &contents);
			if (r >= 0 && (!contents || strcmp(contents, sig) != 0))
				return -EBADMSG;
			r = sd_bus_message_enter_container(all, 'v', sig);
			return r < 0 ? r : 1;
		}
		if (r >= 0)
			r = sd_bus_message_skip(all, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(all);
	}
	return r;
}

int sdj_prop_string(sd_bus_message *all, const char *name, char *out, size_t size)
{
	const char *v = NULL;
	int r = sdj_prop(all, name, "s");

	if (r == 0)
		return -ENODATA;
	if (r > 0)
		r = sd_bus_message_read(all, "s", &v);
	if (r < 0)
		return r;
	snprintf(out, size, "%s", v ? v : "");
	return 0;
}

int sdj_prop_u64(sd_bus_message *all, const char *name, uint64_t *out)
{
	int r = sdj_prop(all, name, "t");

	if (r == 0)
		return -ENODATA;
	if (r > 0)
		r = sd_bus_message_read(all, "t", out);
	return r < 0 ? r : 0;
}

int sdj_prop_limits(sd_bus_message *all, struct cg_limits *out)
{
	int r = sdj_prop_u64(all, "MemoryHigh", &out->high);

	if (r >= 0)
		r = sdj_prop_u64(all, "MemoryMax", &out->max);
	if (r >= 0)
		r = sdj_prop_u64(all, "MemorySwapMax", &out->swap);
	return r;
}

/* InvocationID (16 bytes) as 32 hex digits: which run of the unit this is. */
int sdj_prop_invocation(sd_bus_message *all, char *out, size_t size)
{
	const void *id = NULL;
	size_t n = 0;
	int r = sdj_prop(all, "InvocationID", "ay");

	out[0] = '\0';
	if (r > 0)
		r = sd_bus_message_read_array(all, 'y', &id, &n);
	for (size_t i = 0; r > 0 && i < n && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", ((const unsigned char *)id)[i]);
	return r < 0 ? r : 0;
}

int sdj_reply_errno(sd_bus_message *reply, const char **msg)
{
	const sd_bus_error *e;

	*msg = NULL;
	if (!sd_bus_message_is_method_error(reply, NULL))
		return 0;
	e = sd_bus_message_get_error(reply);
	*msg = e && e->message ? e->message : "no message";
	return sdj_bus_errno(e, -EIO);
}

/* Every answer to op's calls: the call is over, and the step gets its -errno and message. */
static int on_op_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret)
{
	struct sdj_enter *op = userdata;
	const char *msg;
	int r = sdj_reply_errno(reply, &msg);

	(void)ret;
	op->slot = sd_bus_slot_unref(op->slot);
	op->step(op, reply, r, msg);
	return 0;
}

int sdj_call(struct sdj_enter *op, sd_bus_message *m, sdj_step_fn step)
{
	/* the replies, and their timeouts, are the loop's to dispatch */
	int r = sdj_attach(op->jb);

	if (r < 0)
		return r;
	op->step = step;
	return sd_bus_call_async(sdj_bus(op->jb), &op->slot, m, on_op_reply, op, SD_CALL_TIMEOUT_USEC);
}

int sdj_call_method(struct sdj_enter *op, const char *path, const char *iface, const char *member,
		    sdj_step_fn step, const char *types, ...)
{
	sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(sdj_bus(op->jb), &m, SD_DEST, path, iface, member);
	if (r >= 0) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = sdj_call(op, m, step);
	sd_bus_message_unref(m);
	return r;
}

static void enter_free(struct sdj_enter *op)
{
	sd_bus_slot_unref(op->slot);
	sd_event_source_disable_unref(op->wait);
	sd_bus_message_unref(op->unit_props);
	sd_bus_message_unref(op->props);
	free(op->u.path);
	if (op->pidfd >= 0)
		close(op->pidfd);
	free(op);
}

static void enter_unlink(struct sdj_enter *op)
{
	struct sd_backend *b = op->jb->data;

	for (struct sdj_enter **pp = &b->entering; *pp; pp = &(*pp)->next)
		if (*pp == op) {
			*pp = op->next;
			return;
		}
}

void sdj_enter_done(struct sdj_enter *op, int r)
{
	struct jail_backend *jb = op->jb;

	enter_unlink(op);
	if (r == 0)
		op->out.state = op->st;
	if (jb->entered)
		jb->entered(jb->entered_ctx, &op->req, r, &op->out, &op->err);
	enter_free(op);
}

int sdj_enter_fail(struct sdj_enter *op, int r, const char *fmt, ...)
{
	va_list ap;

	op->err.code = r;
	va_start(ap, fmt);
	vsnprintf(op->err.msg, sizeof(op->err.msg), fmt, ap);
	va_end(ap);
	sdj_enter_done(op, r);
	return r;
}

/* The daemon exits: the jails under way are dropped (their records, if any, are found at the next start). */
void sdj_enter_free_all(struct jail_backend *jb)
{
	struct sd_backend *b = jb->data;

	while (b->entering) {
		struct sdj_enter *op = b->entering;

		b->entering = op->next;
		enter_free(op);
	}
}

/*
 * A container's scope, limited in place through systemd. The target is what
 * the container's other processes hold plus the leaker's jail size: the
 * others keep theirs. MemoryMax and MemorySwapMax stay the runtime's.
 */
static void container_scope(struct sdj_enter *op, struct container *c)
{
	struct jail_backend *jb = op->jb;
	char path[1400], buf[256];
	struct proc_statm sm;
	struct cg_usage use;
	struct stat sb;
	uint64_t rss = 0, others;
	pid_t procs[256];

	if (strcmp(op->u.cgroup, c->cgroup) != 0) {
		sdj_enter_fail(op, -EPERM, "pid %d is in container %s, whose cgroup %s is not its unit %s's; not jailed",
			       op->req.pid, c->id, c->cgroup, op->u.name);
		return;
	}
	container_read_name_cached(c);
	container_describe(c, op->container, sizeof(op->container));
	snprintf(path, sizeof(path), "/proc/%d/statm", op->req.pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) > 0 && proc_parse_statm(buf, &sm))
		rss = sm.resident * (uint64_t)sysconf(_SC_PAGESIZE);
	if (cg_usage(jb->cg, op->u.cgroup + 1, &use) < 0) {
		sdj_enter_fail(op, -ESRCH, "cannot read the memory of %s", op->u.cgroup);
		return;
	}
	others = use.memory > rss ? use.memory - rss : 0;
	op->st.limits.high = others + op->req.limits.high;
	op->st.limits.max = CG_UNLIMITED;
	op->st.limits.swap = CG_UNLIMITED;
	snprintf(op->st.container, sizeof(op->st.container), "%s", op->container);
	cg_path(jb->cg, op->u.cgroup + 1, path, sizeof(path));
	op->st.cg_ino = stat(path, &sb) == 0 ? (uint64_t)sb.st_ino : 0;
	op->container_others = cg_procs(jb->cg, op->u.cgroup + 1, procs, (int)ARRAY_SIZE(procs)) > 1;
	sdj_in_place(op);
}

/* Both GetAll replies are in: where the process is, and which jail it gets. */
static void choose(struct sdj_enter *op)
{
	struct jail_backend *jb = op->jb;
	const struct jail_request *req = &op->req;
	struct unit_info *u = &op->u;
	pid_t procs[2], all[256];
	uint32_t kids[256];
	struct container c;
	int delegate = 0, n, r;

	r = sdj_prop_string(op->props, "ControlGroup", u->cgroup, sizeof(u->cgroup));
	if (r < 0) {
		sdj_enter_fail(op, r, "pid %d: cannot read the cgroup of unit %s: %s", req->pid, u->name, strerror(-r));
		return;
	}
	snprintf(op->st.origin_unit, sizeof(op->st.origin_unit), "%s", u->name);
	snprintf(op->st.origin_id, sizeof(op->st.origin_id), "%s", u->invocation);
	if (startswith(u->name, "leakjail-") && strcmp(u->iface, "org.freedesktop.systemd1.Scope") == 0) {
		/* a child born in a scope jail, or moved there with its parent: the jail's, not a new leak */
		sdj_enter_fail(op, -EALREADY, "pid %d is already in the jail %s", req->pid, u->name);
		return;
	}
	/*
	 * A container whose cgroup is a scope of systemd's (Podman, Docker, the
	 * kubelet with the systemd driver; machined's machines): its subtree is
	 * the runtime's, but the scope's memory properties are systemd's, and
	 * set through systemd like any unit's. The container is limited in
	 * place (container.h): never moved out of it.
	 */
	if (container_of_cgroup(op->cgroup, &c) && c.scope) {
		container_scope(op, &c);
		return;
	}
	/* Delegate=yes, or a cgroup below its unit's: the subtree is its owner's, not systemd's or ours */
	if ((strcmp(u->iface, "org.freedesktop.systemd1.Service") == 0 ||
	     strcmp(u->iface, "org.freedesktop.systemd1.Scope") == 0) &&
	    sdj_prop(op->props, "Delegate", "b") > 0)
		sd_bus_message_read(op->props, "b", &delegate);
	if (delegate || strcmp(op->cgroup, u->cgroup) != 0) {
		sdj_enter_fail(op, -EPERM,
			       "pid %d is in %s, inside the delegated subtree of %s: it belongs to that unit's own manager; not jailed",
			       req->pid, op->cgroup, u->name);
		return;
	}
	n = cg_procs(jb->cg, u->cgroup + 1, procs, (int)ARRAY_SIZE(procs));
	if (n < 0) {
		sdj_enter_fail(op, n, "cannot read the processes of %s: %s", u->cgroup, strerror(-n));
		return;
	}
	/* alone in its unit, or (jail_descendants) there with its descendants only: the unit is the jail */
	if ((n == 1 && procs[0] == req->pid) ||
	    (req->descendants && n > 1 &&
	     sdj_unit_descendants(jb->cg, u->cgroup + 1, req->pid, kids, (int)ARRAY_SIZE(kids)) ==
		     cg_procs(jb->cg, u->cgroup + 1, all, (int)ARRAY_SIZE(all))))
		sdj_in_place(op);
	else
		sdj_into_scope(op);
}

static void on_type_props(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg)
{
	if (r < 0) {
		sdj_enter_fail(op, r, "pid %d: cannot read unit %s: %s", op->req.pid, op->u.name, msg);
		return;
	}
	op->props = sd_bus_message_ref(reply);
	choose(op);
}

static void on_unit_props(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg)
{
	if (r < 0) {
		sdj_enter_fail(op, r, "pid %d: cannot read its unit: %s", op->req.pid, msg);
		return;
	}
	op->unit_props = sd_bus_message_ref(reply);
	r = sdj_prop_string(reply, "Id", op->u.name, sizeof(op->u.name));
	if (r >= 0)
		r = sdj_prop_invocation(reply, op->u.invocation, sizeof(op->u.invocation));
	if (r < 0) {
		sdj_enter_fail(op, r, "pid %d: cannot read its unit's name: %s", op->req.pid, strerror(-r));
		return;
	}
	op->u.iface = sdj_unit_iface(op->u.name);
	if (!op->u.iface) {
		sdj_enter_fail(op, -EPERM, "pid %d is in %s, a unit that holds no limits of its own: not jailed",
			       op->req.pid, op->u.name);
		return;
	}
	r = sdj_call_method(op, op->u.path, "org.freedesktop.DBus.Properties", "GetAll", on_type_props, "s",
			op->u.iface);
	if (r < 0)
		sdj_enter_fail(op, r, "pid %d: cannot ask for unit %s: %s", op->req.pid, op->u.name, strerror(-r));
}

static void on_unit_path(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg)
{
	const char *p = NULL;

	if (r < 0) {
		sdj_enter_fail(op, r == -ENXIO ? -ESRCH : r, "GetUnitByPID(%d): %s", op->req.pid, msg);
		return;
	}
	r = sd_bus_message_read(reply, "o", &p);
	op->u.path = r >= 0 && p ? strdup(p) : NULL;
	if (!op->u.path) {
		sdj_enter_fail(op, -ENOMEM, "out of memory");
		return;
	}
	r = sdj_call_method(op, op->u.path, "org.freedesktop.DBus.Properties", "GetAll", on_unit_props, "s", SD_UNIT);
	if (r < 0)
		sdj_enter_fail(op, r, "pid %d: cannot ask for its unit: %s", op->req.pid, strerror(-r));
}

int sdj_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
	      struct jail_outcome *out, struct lj_error *err)
{
	struct sd_backend *b = jb->data;
	struct sdj_enter *op;
	int pidfd, r;

	memset(out, 0, sizeof(*out));
	if (!jb->event || !jb->entered)
		return lj_error_set(err, -EOPNOTSUPP, "the systemd backend answers from an event loop: the caller has none");
	pidfd = jail_target_open(req, err);
	if (pidfd < 0)
		return pidfd;
	op = calloc(1, sizeof(*op));
	if (!op) {
		close(pidfd);
		return lj_error_set(err, -ENOMEM, "out of memory");
	}
	op->jb = jb;
	op->pidfd = pidfd;
	snprintf(op->state_dir, sizeof(op->state_dir), "%s", state_dir);
	snprintf(op->comm, sizeof(op->comm), "%s", req->comm);
	snprintf(op->policy, sizeof(op->policy), "%s", req->policy ? req->policy : "");
	snprintf(op->jail_parent, sizeof(op->jail_parent), "%s", req->jail_parent ? req->jail_parent : "");
	snprintf(op->reason, sizeof(op->reason), "%s", req->reason ? req->reason : "");
	snprintf(op->moved_note, sizeof(op->moved_note), "%s", req->moved_note ? req->moved_note : "");
	op->req = *req;
	op->req.comm = op->comm;
	op->req.policy = op->policy;
	op->req.jail_parent = op->jail_parent;
	op->req.reason = op->reason;
	op->req.moved_note = op->moved_note;
	if (proc_memory_cgroup(req->pid, op->cgroup, sizeof(op->cgroup)) < 0) {
		enter_free(op);
		return lj_error_set(err, -ESRCH, "pid %d has exited", req->pid);
	}
	jail_state_from_request(&op->st, &op->req, "systemd");
	snprintf(op->st.origin, sizeof(op->st.origin), "%s", op->cgroup);
	r = sdj_call_method(op, SD_PATH, SD_MANAGER, "GetUnitByPID", on_unit_path, "u", (uint32_t)req->pid);
	if (r < 0) {
		enter_free(op);
		return lj_error_set(err, r, "GetUnitByPID(%d): %s", req->pid, strerror(-r));
	}
	op->next = b->entering;
	b->entering = op;
	return -EINPROGRESS;
}
