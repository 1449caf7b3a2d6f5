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
#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "jail-systemd.h"
#include "log.h"
#include "proc.h"

sd_bus *sdj_bus(struct jail_backend *jb)
{
	return ((struct sd_backend *)jb->data)->bus;
}

int sdj_bus_errno(const sd_bus_error *e, int r)
{
	int code = sd_bus_error_get_errno(e);

	return code > 0 ? -code : r < 0 ? r : -EIO;
}

int sdj_attach(struct jail_backend *jb)
{
	sd_bus *bus = sdj_bus(jb);

	if (sd_bus_get_event(bus) || !jb->event)
		return 0;
	return sd_bus_attach_event(bus, jb->event, SD_EVENT_PRIORITY_NORMAL);
}

/* A call of sdj_call_then(): what to do with the answer, and a copy of the caller's context. */
struct sdj_then {
	struct jail_backend *jb;
	sdj_answer_fn answer;
	_Alignas(max_align_t) unsigned char ctx[];
};

static int on_then(sd_bus_message *reply, void *userdata, sd_bus_error *ret)
{
	struct sdj_then *t = userdata;
	const char *msg;
	int r = sdj_reply_errno(reply, &msg);

	(void)ret;
	t->answer(t->jb, reply, r, msg, t->ctx);
	return 0;
}

int sdj_call_then(struct jail_backend *jb, sd_bus_message *m, sdj_answer_fn answer, const void *ctx, size_t size)
{
	sd_bus *bus = sdj_bus(jb);
	sd_bus_slot *slot = NULL;
	struct sdj_then *t;
	int r;

	if (!jb->event) {
		/* no loop (a command): the answer is waited for */
		sd_bus_error e = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;

		r = sd_bus_call(bus, m, 0, &e, &reply);
		if (r < 0)
			r = sdj_bus_errno(&e, r);
		answer(jb, reply, r < 0 ? r : 0, r < 0 ? (e.message ? e.message : strerror(-r)) : NULL,
		       (void *)ctx);
		sd_bus_error_free(&e);
		sd_bus_message_unref(reply);
		return 0;
	}
	t = malloc(sizeof(*t) + size);
	if (!t)
		return -ENOMEM;
	t->jb = jb;
	t->answer = answer;
	memcpy(t->ctx, ctx, size);
	r = sdj_attach(jb);
	if (r >= 0)
		r = sd_bus_call_async(bus, &slot, m, on_then, t, SD_CALL_TIMEOUT_USEC);
	if (r < 0) {
		free(t);
		return r;
	}
	/* the bus owns the call from here, and frees t when it is answered, or at close */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
	return 0;
}

int sdj_method_then(struct jail_backend *jb, const char *path, const char *iface, const char *member,
		    sdj_answer_fn answer, const void *ctx, size_t size, const char *types, ...)
{
	sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(sdj_bus(jb), &m, SD_DEST, path, iface, member);
	if (r >= 0) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = sdj_call_then(jb, m, answer, ctx, size);
	sd_bus_message_unref(m);
	return r;
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
	sdj_enter_free_all(jb);
	sdj_reclaims_free(jb);
	sd_bus_flush_close_unref(b->bus);
	free(b);
	jb->data = NULL;
}

/* The D-Bus interface that holds a unit type's cgroup properties. */
const char *sdj_unit_iface(const char *unit)
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

int sdj_get_limits(sd_bus *bus, const char *path, const char *iface, struct cg_limits *out)
{
	int r = sdj_get_u64(bus, path, iface, "MemoryHigh", &out->high);

	if (r >= 0)
		r = sdj_get_u64(bus, path, iface, "MemoryMax", &out->max);
	if (r >= 0)
		r = sdj_get_u64(bus, path, iface, "MemorySwapMax", &out->swap);
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

int sdj_append_limits(sd_bus_message *m, const struct cg_limits *l, unsigned int which)
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

int sdj_limits_message(sd_bus *bus, const char *unit, const struct cg_limits *l, unsigned int which,
		       sd_bus_message **out)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sdj_append_limits(m, l, which);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0) {
		sd_bus_message_unref(m);
		return r;
	}
	*out = m;
	return 0;
}

int sdj_set_limits(sd_bus *bus, const char *unit, const struct cg_limits *l, unsigned int which,
		   struct lj_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r;

	r = sdj_limits_message(bus, unit, l, which, &m);
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
	const char *iface = sdj_unit_iface(j->origin_unit);
	int n, r, moved = 0;
	bool left;

	/*
	 * The leader may have left the scope (moved by someone else): it stays
	 * where it is, but what it left in the scope (its children) is still
	 * the jail's, and is undone below like the rest, never orphaned.
	 */
	left = proc_memory_cgroup(j->pid, now, sizeof(now)) == 0 && strcmp(now + 1, j->jail) != 0;
	if (left && (!cg_exists(jb->cg, j->jail) || cg_procs(jb->cg, j->jail, procs, 1) <= 0)) {
		snprintf(done, size, "pid %d had left scope %s (now in %s): left there; the scope is empty", j->pid,
			 j->unit, now);
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
	snprintf(done, size, "moved %d process%s back into %s (%s, same run)%s; scope %s is empty and collected by systemd",
		 moved, moved == 1 ? "" : "es", j->origin_unit, j->origin, left ? " (pid had left the scope: left where it is)" : "",
		 j->unit);
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
 * would have stopped the worker in its own cgroup. The questions to the
 * manager are asynchronous: each answer asks the next from the loop, and
 * the last one logs what was done (one check under way per jail).
 */
struct follow {
	pid_t pid;
	char comm[64], unit[256], origin_unit[256], origin_id[40], jail[1024];
	char id[40], state[32];
};

static bool following(struct sd_backend *b, pid_t pid, bool set, bool clear)
{
	for (size_t i = 0; i < ARRAY_SIZE(b->following); i++) {
		if (b->following[i] == pid) {
			if (clear)
				b->following[i] = 0;
			return true;
		}
	}
	for (size_t i = 0; set && i < ARRAY_SIZE(b->following); i++) {
		if (!b->following[i]) {
			b->following[i] = pid;
			return false;
		}
	}
	return set; /* no room: said to be under way, asked again next pass */
}

static void follow_end(struct jail_backend *jb, const struct follow *f)
{
	following(jb->data, f->pid, false, true);
}

static void on_scope_stopped(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct follow *f = ctx;

	(void)reply;
	follow_end(jb, f);
	if (r < 0)
		lj_log(LOG_WARNING, "jail %s of pid %d (%s): %s is %s, but stopping scope %s failed: %s", f->jail,
		       f->pid, f->comm, f->origin_unit, !f->id[0] ? "gone" : "another run now", f->unit, msg);
	else
		lj_log(LOG_WARNING, "jail %s of pid %d (%s): %s is %s: scope %s stopped with it", f->jail, f->pid,
		       f->comm, f->origin_unit,
		       !f->id[0] ? "gone" : strcmp(f->id, f->origin_id) != 0 ? "another run now (restarted)" : f->state,
		       f->unit);
}

static void stop_scope(struct jail_backend *jb, struct follow *f)
{
	if (sdj_method_then(jb, SD_PATH, SD_MANAGER, "StopUnit", on_scope_stopped, f, sizeof(*f), "ss", f->unit,
			    "replace") < 0)
		follow_end(jb, f);
}

static void on_origin_props(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct follow *f = ctx;

	(void)msg;
	if (r < 0) { /* the bus is busy or gone: asked again next pass */
		follow_end(jb, f);
		return;
	}
	sdj_prop_invocation(reply, f->id, sizeof(f->id));
	sdj_prop_string(reply, "ActiveState", f->state, sizeof(f->state));
	if (strcmp(f->id, f->origin_id) == 0 &&
	    (strcmp(f->state, "active") == 0 || strcmp(f->state, "reloading") == 0 ||
	     strcmp(f->state, "activating") == 0)) {
		follow_end(jb, f);
		return;
	}
	stop_scope(jb, f);
}

static void on_origin(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct follow *f = ctx;
	const char *path = NULL;

	(void)msg;
	if (r == -ENOENT) {
		stop_scope(jb, f);
		return;
	}
	if (r < 0 || sd_bus_message_read(reply, "o", &path) < 0 ||
	    sdj_method_then(jb, path, "org.freedesktop.DBus.Properties", "GetAll", on_origin_props, f, sizeof(*f),
			    "s", SD_UNIT) < 0)
		follow_end(jb, f);
}

static void on_scope_props(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct follow *f = ctx;
	char state[32] = "";

	(void)msg;
	/* a scope already on its way out (stopped in an earlier pass) is told once */
	if (r < 0 || sdj_prop_string(reply, "ActiveState", state, sizeof(state)) < 0 ||
	    strcmp(state, "active") != 0 ||
	    sdj_method_then(jb, SD_PATH, SD_MANAGER, "GetUnit", on_origin, f, sizeof(*f), "s", f->origin_unit) < 0)
		follow_end(jb, f);
}

static void on_scope(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct follow *f = ctx;
	const char *path = NULL;

	(void)msg;
	if (r == -ENOENT)
		r = sdj_method_then(jb, SD_PATH, SD_MANAGER, "GetUnit", on_origin, f, sizeof(*f), "s", f->origin_unit);
	else if (r >= 0 && (r = sd_bus_message_read(reply, "o", &path)) >= 0)
		r = sdj_method_then(jb, path, "org.freedesktop.DBus.Properties", "GetAll", on_scope_props, f,
				    sizeof(*f), "s", SD_UNIT);
	if (r < 0)
		follow_end(jb, f);
}

static int systemd_follow(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size)
{
	struct follow f = { .pid = j->pid };

	(void)done;
	(void)size;
	if (strcmp(j->unit, j->origin_unit) == 0 || !cg_exists(jb->cg, j->jail))
		return 0;
	/*
	 * The origin's cgroup as it was at the jail: the same run of its unit
	 * (a restart, or a stop, removes it and a start makes another), so
	 * nothing is asked of PID 1 in this pass.
	 */
	if (j->origin_ino && cg_ino(jb->cg, j->origin + 1) == j->origin_ino)
		return 0;
	if (following(jb->data, j->pid, true, false))
		return 0;
	snprintf(f.comm, sizeof(f.comm), "%s", j->comm);
	snprintf(f.unit, sizeof(f.unit), "%s", j->unit);
	snprintf(f.origin_unit, sizeof(f.origin_unit), "%s", j->origin_unit);
	snprintf(f.origin_id, sizeof(f.origin_id), "%s", j->origin_id);
	snprintf(f.jail, sizeof(f.jail), "%s", j->jail);
	if (sdj_method_then(jb, SD_PATH, SD_MANAGER, "GetUnit", on_scope, &f, sizeof(f), "s", f.unit) < 0)
		follow_end(jb, &f);
	return 0;
}

const struct jail_backend_ops jail_systemd_ops = {
	.follow = systemd_follow,
	.name = "systemd",
	.enter = sdj_enter,
	.release = systemd_release,
	.retire = systemd_retire,
	.set_limits = sdj_set_jail_limits,
	.kill = sdj_kill,
	.close = systemd_close,
};
