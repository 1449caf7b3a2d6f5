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
	sdj_undo_free_all(jb);
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
 * Undoing a jail through the manager (a release, the retire of a unit
 * limited in place) is asynchronous like the rest: the caller is told
 * -EINPROGRESS and asks again next pass, when the answer is kept here.
 * Without a loop (`leakjail release`) every answer is waited for, and the
 * first ask gets it.
 */
struct sdj_undo {
	struct sdj_undo *next;
	pid_t pid;
	uint64_t starttime;
	bool answered;
	int r;
	char done[600];
	char msg[512];
	/* nobody asks again (a jail undone while it was being made): the end is logged, the record removed */
	bool reported;
	char state_dir[512], unit[256];
};

static struct sdj_undo *undo_find(struct jail_backend *jb, pid_t pid, uint64_t starttime, bool reported)
{
	struct sd_backend *b = jb->data;

	for (struct sdj_undo *u = b->undoing; u; u = u->next)
		if (u->pid == pid && u->starttime == starttime && u->reported == reported && !u->answered)
			return u;
	return NULL;
}

static struct sdj_undo *undo_new(struct jail_backend *jb, const struct jail_state *j)
{
	struct sd_backend *b = jb->data;
	struct sdj_undo *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = j->pid;
	u->starttime = j->starttime;
	snprintf(u->unit, sizeof(u->unit), "%s", j->unit);
	u->next = b->undoing;
	b->undoing = u;
	return u;
}

static void undo_free(struct jail_backend *jb, struct sdj_undo *u)
{
	struct sd_backend *b = jb->data;

	for (struct sdj_undo **pp = &b->undoing; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	free(u);
}

static void undo_answer(struct jail_backend *jb, pid_t pid, uint64_t starttime, int r, const char *text)
{
	struct sdj_undo *u = undo_find(jb, pid, starttime, false);

	if (u) {
		u->answered = true;
		u->r = r;
		snprintf(r < 0 ? u->msg : u->done, sizeof(u->msg), "%s", text);
		return;
	}
	u = undo_find(jb, pid, starttime, true);
	if (!u)
		return;
	if (r == 0) {
		jail_state_remove(u->state_dir, pid);
		lj_log(LOG_INFO, "the jail of pid %d is undone: %s", pid, text);
	} else {
		lj_log(LOG_WARNING, "could not undo the jail of pid %d (%s): %s; its record stays for the next start",
		       pid, u->unit, text);
	}
	undo_free(jb, u);
}

void sdj_undo_done(struct jail_backend *jb, pid_t pid, uint64_t starttime, const char *done)
{
	undo_answer(jb, pid, starttime, 0, done);
}

void sdj_undo_failed(struct jail_backend *jb, pid_t pid, uint64_t starttime, int r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	undo_answer(jb, pid, starttime, r, msg);
}

void sdj_undo_reported(struct jail_backend *jb, const char *state_dir, const struct jail_state *j, sdj_undo_fn start)
{
	struct sdj_undo *u = undo_new(jb, j);

	if (!u) {
		lj_log(LOG_WARNING, "could not undo the jail of pid %d (%s): out of memory; its record stays for the next start",
		       j->pid, j->unit);
		return;
	}
	u->reported = true;
	snprintf(u->state_dir, sizeof(u->state_dir), "%s", state_dir);
	start(jb, j);
}

/* Start the undo, or give its answer once there is one. */
static int undo_run(struct jail_backend *jb, const struct jail_state *j, sdj_undo_fn start, char *done, size_t size,
		    struct lj_error *err)
{
	struct sd_backend *b = jb->data;
	struct sdj_undo *u = NULL;
	int r;

	for (struct sdj_undo *v = b->undoing; v && !u; v = v->next)
		if (v->pid == j->pid && v->starttime == j->starttime && !v->reported)
			u = v;
	if (!u) {
		u = undo_new(jb, j);
		if (!u)
			return lj_error_set(err, -ENOMEM, "out of memory");
		start(jb, j);
	}
	if (!u->answered)
		return lj_error_set(err, -EINPROGRESS, "the jail of pid %d (%s) is being undone through systemd", j->pid,
				    j->unit);
	r = u->r;
	if (r < 0)
		lj_error_set(err, r, "%s", u->msg);
	else
		snprintf(done, size, "%s", u->done);
	undo_free(jb, u);
	return r;
}

void sdj_undo_free_all(struct jail_backend *jb)
{
	struct sd_backend *b = jb->data;

	while (b->undoing)
		undo_free(jb, b->undoing);
}

/*
 * Back from the scope into the origin unit, only if it is the same run of
 * that unit (its InvocationID), active, and its cgroup is the leaf it was.
 * The steps share this; a copy passes from each answer to the next call.
 */
struct back {
	pid_t pid;
	uint64_t starttime;
	char unit[256], origin_unit[256], origin_id[40], origin[1024], jail[1024];
	char path[256], id[40], state[32], cgroup[1024];
	char text[600]; /* what to say once the scope's limits are lifted */
	bool left, gone;
	int n, i, moved;
	pid_t procs[256];
};

static void back_next(struct jail_backend *jb, struct back *c);

static void on_attached(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct back *c = ctx;
	struct lj_error err = { 0 };
	pid_t p = c->procs[c->i];

	(void)reply;
	(void)msg;
	/*
	 * Not a delegated unit: the process goes back into the leaf cgroup of
	 * the same run of its own unit, where systemd started it; stop and
	 * kill of that unit reach it again there.
	 */
	if (r < 0)
		r = cg_move(jb->cg, c->origin + 1, p, &err);
	if (r == 0) {
		c->moved++;
	} else if (p == c->pid) {
		sdj_undo_failed(jb, c->pid, c->starttime, r, "%s", err.msg);
		return;
	}
	c->i++;
	back_next(jb, c);
}

static void back_next(struct jail_backend *jb, struct back *c)
{
	char done[700];

	if (c->i < c->n) {
		/* AttachProcessesToUnit: systemd's own way, for units that allow it (delegated ones, in 252) */
		if (sdj_method_then(jb, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", on_attached, c, sizeof(*c), "ssau",
				    c->origin_unit, "/", 1, (uint32_t)c->procs[c->i]) < 0)
			on_attached(jb, NULL, -ENOMEM, "out of memory", c);
		return;
	}
	snprintf(done, sizeof(done),
		 "moved %d process%s back into %.200s (%.200s, same run)%s; scope %.100s is empty and collected by systemd",
		 c->moved, c->moved == 1 ? "" : "es", c->origin_unit, c->origin,
		 c->left ? " (pid had left the scope: left where it is)" : "", c->unit);
	sdj_undo_done(jb, c->pid, c->starttime, done);
}

static void on_opened(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct back *c = ctx;

	(void)reply;
	if (r < 0)
		sdj_undo_failed(jb, c->pid, c->starttime, r, "SetUnitProperties(%s): %s", c->unit, msg);
	else
		sdj_undo_done(jb, c->pid, c->starttime, c->text);
}

/* What the manager said of the origin: back into it, or the scope stays with its limits lifted. */
static void back_decide(struct jail_backend *jb, struct back *c)
{
	struct cg_limits open = { CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED };
	sd_bus_message *m = NULL;
	const char *why;
	char done[600];
	int r;

	if (!c->gone && strcmp(c->id, c->origin_id) == 0 && strcmp(c->state, "active") == 0 &&
	    strcmp(c->cgroup, c->origin) == 0) {
		c->n = MAX(cg_procs(jb->cg, c->jail, c->procs, (int)ARRAY_SIZE(c->procs)), 0);
		back_next(jb, c);
		return;
	}
	/* never into a new run of the unit, nor into an inner node: the scope stays, its limits go */
	why = c->gone || !c->id[0]		 ? "gone"
	      : strcmp(c->id, c->origin_id) != 0 ? "another run now (restarted)"
	      : strcmp(c->state, "active") != 0	 ? "not active"
						 : "in another cgroup now";
	if (!cg_exists(jb->cg, c->jail)) {
		snprintf(done, sizeof(done), "%.200s is %s, and scope %.200s is gone", c->origin_unit, why, c->unit);
		sdj_undo_done(jb, c->pid, c->starttime, done);
		return;
	}
	snprintf(c->text, sizeof(c->text),
		 "%.100s is %s: pid %d stays in scope %.80s (never moved into another run or an inner cgroup), its memory limits lifted",
		 c->origin_unit, why, c->pid, c->unit);
	r = sdj_limits_message(sdj_bus(jb), c->unit, &open, SDJ_ALL, &m);
	if (r >= 0)
		r = sdj_call_then(jb, m, on_opened, c, sizeof(*c));
	sd_bus_message_unref(m);
	if (r < 0)
		sdj_undo_failed(jb, c->pid, c->starttime, r, "SetUnitProperties(%s): %s", c->unit, strerror(-r));
}

static void on_origin_cgroup(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct back *c = ctx;
	const char *cg = NULL;

	(void)msg;
	if (r >= 0 && sd_bus_message_enter_container(reply, 'v', "s") > 0 && sd_bus_message_read(reply, "s", &cg) > 0)
		snprintf(c->cgroup, sizeof(c->cgroup), "%s", cg);
	back_decide(jb, c);
}

static void on_origin_unit(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct back *c = ctx;
	const char *iface = sdj_unit_iface(c->origin_unit);

	(void)msg;
	if (r >= 0) {
		sdj_prop_invocation(reply, c->id, sizeof(c->id));
		sdj_prop_string(reply, "ActiveState", c->state, sizeof(c->state));
	}
	if (!iface || sdj_method_then(jb, c->path, "org.freedesktop.DBus.Properties", "Get", on_origin_cgroup, c,
				      sizeof(*c), "ss", iface, "ControlGroup") < 0)
		back_decide(jb, c);
}

static void on_origin_path(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx)
{
	struct back *c = ctx;
	const char *path = NULL;

	if (r == -ENOENT) {
		c->gone = true;
		back_decide(jb, c);
		return;
	}
	if (r < 0 || sd_bus_message_read(reply, "o", &path) < 0) {
		sdj_undo_failed(jb, c->pid, c->starttime, r < 0 ? r : -EBADMSG, "cannot look up %s: %s", c->origin_unit,
				r < 0 ? msg : "bad reply");
		return;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (sdj_method_then(jb, path, "org.freedesktop.DBus.Properties", "GetAll", on_origin_unit, c, sizeof(*c), "s",
			    SD_UNIT) < 0)
		back_decide(jb, c);
}

static void back_from_scope(struct jail_backend *jb, const struct jail_state *j)
{
	struct back *c = calloc(1, sizeof(*c));
	char now[1024], done[1400];
	pid_t one[1];
	int r;

	if (!c) {
		sdj_undo_failed(jb, j->pid, j->starttime, -ENOMEM, "out of memory");
		return;
	}
	c->pid = j->pid;
	c->starttime = j->starttime;
	snprintf(c->unit, sizeof(c->unit), "%s", j->unit);
	snprintf(c->origin_unit, sizeof(c->origin_unit), "%s", j->origin_unit);
	snprintf(c->origin_id, sizeof(c->origin_id), "%s", j->origin_id);
	snprintf(c->origin, sizeof(c->origin), "%s", j->origin);
	snprintf(c->jail, sizeof(c->jail), "%s", j->jail);
	/*
	 * The leader may have left the scope (moved by someone else): it stays
	 * where it is, but what it left in the scope (its children) is still
	 * the jail's, and is undone below like the rest, never orphaned.
	 */
	c->left = proc_memory_cgroup(j->pid, now, sizeof(now)) == 0 && strcmp(now + 1, j->jail) != 0;
	if (c->left && (!cg_exists(jb->cg, j->jail) || cg_procs(jb->cg, j->jail, one, 1) <= 0)) {
		snprintf(done, sizeof(done), "pid %d had left scope %s (now in %s): left there; the scope is empty",
			 j->pid, j->unit, now);
		sdj_undo_done(jb, j->pid, j->starttime, done);
	} else {
		r = sdj_method_then(jb, SD_PATH, SD_MANAGER, "GetUnit", on_origin_path, c, sizeof(*c), "s",
				    c->origin_unit);
		if (r < 0)
			sdj_undo_failed(jb, j->pid, j->starttime, r, "cannot look up %s: %s", c->origin_unit,
					strerror(-r));
	}
	free(c);
}

static int systemd_release(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			   struct lj_error *err)
{
	if (strcmp(j->unit, j->origin_unit) == 0)
		return undo_run(jb, j, sdj_restore_unit, done, size, err);
	return undo_run(jb, j, back_from_scope, done, size, err);
}

static int systemd_retire(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
			  struct lj_error *err)
{
	pid_t procs[1];

	if (strcmp(j->unit, j->origin_unit) == 0)
		return undo_run(jb, j, sdj_restore_unit, done, size, err);
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
