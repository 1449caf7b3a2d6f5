/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the systemd backend: what jail-systemd.c (scopes, the choice
 * between a scope and the unit in place, follow) and jail-systemd-unit.c
 * (a unit limited in place: its sliced reclaim, grow, kill, the exact
 * restore) share. Not for other callers: they go through jail.h.
 */
#ifndef LJ_JAIL_SYSTEMD_H
#define LJ_JAIL_SYSTEMD_H

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "jail.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"

/*
 * The timeout of every call on the bus (sd-bus's default is 25 s). The
 * manager answers a property read in microseconds; a call that takes
 * seconds means PID 1 is busy. The daemon's loop does not wait for the
 * answers (sdj_call_then(), jail-systemd-enter.c): a call past this fails,
 * and the next pass tries again. Only a command without a loop (`leakjail
 * release`) waits, at most this long for each call.
 */
#define SD_CALL_TIMEOUT_USEC (3ULL * 1000000ULL)

struct reclaim_job;

struct sdj_enter;
typedef void (*sdj_step_fn)(struct sdj_enter *op, sd_bus_message *reply, int r, const char *msg);

/* The backend's own data (jb->data). */
struct sd_backend {
	sd_bus *bus;
	struct reclaim_job *jobs;  /* in-place reclaims under way (jail-systemd-unit.c) */
	sd_event_source *timer;    /* on while a job is queued */
	struct sdj_enter *entering; /* jails being made (jail-systemd-enter.c) */
	pid_t following[32];        /* jails whose origin is being asked about (systemd_follow()) */
	struct sdj_undo *undoing;   /* releases and restores under way, or answered (jail-systemd.c) */
};

/* What a unit is: its object path, name, cgroup, cgroup interface, invocation. */
struct unit_info {
	char *path;
	char name[256];
	char cgroup[1024]; /* "/system.slice/x.service" */
	const char *iface;
	char invocation[40];
};

/*
 * A jail being made (jail-systemd-enter.c). Every call to the manager is
 * asynchronous, and its answer takes the next step from the loop; the wait
 * for a scope to take its pid is a timer of the loop. What the steps share.
 */
struct sdj_enter {
	struct sdj_enter *next;
	struct jail_backend *jb;
	char state_dir[512];
	struct jail_request req; /* its strings are the copies below */
	char comm[64], policy[72], jail_parent[256], reason[1024], moved_note[160];
	int pidfd;
	char cgroup[1024];          /* the pid's memory cgroup when it was asked */
	struct unit_info u;
	sd_bus_message *unit_props; /* GetAll of org.freedesktop.systemd1.Unit */
	sd_bus_message *props;      /* GetAll of the unit type's interface (u.iface) */
	sd_bus_slot *slot;          /* the call under way */
	sdj_step_fn step;           /* and the step its answer takes */
	sd_event_source *wait;      /* until the scope takes the pid */
	uint64_t wait_until;        /* CLOCK_MONOTONIC, usec */
	struct jail_state st;
	struct jail_outcome out;
	struct lj_error err;
	struct {
		char slice[256], copied[400], budgets[160], cgroup[1100], job[256], why[300];
		int n_pids;
	} scope;                     /* into a scope (jail-systemd-scope.c) */
	struct {
		uint64_t usage, target, want_max, room, goal;
	} place;                     /* in place (jail-systemd-unit.c) */
	char container[160];         /* a container's scope, limited in place: which */
	bool container_others;       /* and it holds other processes */
};

/*
 * The steps: each ends in another call, in a timer, or in sdj_enter_done(),
 * which tells the caller (jb->entered) and frees op: nothing touches op
 * after it. r < 0 with op->err set, or 0 with op->out filled.
 */
void sdj_enter_done(struct sdj_enter *op, int r);
int sdj_enter_fail(struct sdj_enter *op, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Call m asynchronously (SD_CALL_TIMEOUT_USEC); its answer goes to step: r 0, or -errno with msg. */
int sdj_call(struct sdj_enter *op, sd_bus_message *m, sdj_step_fn step);
/* A method call of op, its arguments as sd_bus_message_append() takes them; its answer goes to step. */
int sdj_call_method(struct sdj_enter *op, const char *path, const char *iface, const char *member,
		    sdj_step_fn step, const char *types, ...);
/* An error reply's -errno (with its message in *msg), or 0 for a method return. */
int sdj_reply_errno(sd_bus_message *reply, const char **msg);
void sdj_enter_free_all(struct jail_backend *jb);

/*
 * A property in a GetAll reply: the message is left inside its variant.
 * 1 found, 0 not there (this systemd does not have it), -errno.
 */
int sdj_prop(sd_bus_message *all, const char *name, const char *sig);
int sdj_prop_string(sd_bus_message *all, const char *name, char *out, size_t size);
int sdj_prop_u64(sd_bus_message *all, const char *name, uint64_t *out);
int sdj_prop_limits(sd_bus_message *all, struct cg_limits *out);
/* InvocationID as 32 hex digits: which run of the unit this is */
int sdj_prop_invocation(sd_bus_message *all, char *out, size_t size);

sd_bus *sdj_bus(struct jail_backend *jb);
/* The bus's replies and timeouts dispatched by the caller's loop (jb->event), once. */
int sdj_attach(struct jail_backend *jb);

/*
 * A call whose answer the loop takes: answer(jb, reply, r, msg, ctx) runs
 * when the reply, or the timeout (SD_CALL_TIMEOUT_USEC), comes; r is 0 or
 * the -errno of an error reply, msg its text. ctx is a copy of the caller's
 * (size bytes), so a step can pass it on to the next call. Without a loop
 * (a command), the answer is waited for.
 */
typedef void (*sdj_answer_fn)(struct jail_backend *jb, sd_bus_message *reply, int r, const char *msg, void *ctx);
int sdj_call_then(struct jail_backend *jb, sd_bus_message *m, sdj_answer_fn answer, const void *ctx, size_t size);
int sdj_method_then(struct jail_backend *jb, const char *path, const char *iface, const char *member,
		    sdj_answer_fn answer, const void *ctx, size_t size, const char *types, ...);
int sdj_bus_errno(const sd_bus_error *e, int r);
void sdj_fmt_limits(char *buf, size_t size, const struct cg_limits *l);
uint64_t sdj_min(uint64_t a, uint64_t b);

/* Which of MemoryHigh, MemoryMax, MemorySwapMax a SetUnitProperties call writes. */
#define SDJ_HIGH 1u
#define SDJ_MAX 2u
#define SDJ_SWAP 4u
#define SDJ_ALL (SDJ_HIGH | SDJ_MAX | SDJ_SWAP)
int sdj_append_limits(sd_bus_message *m, const struct cg_limits *l, unsigned int which);
/* SetUnitProperties(unit, runtime=true, the limits in `which`), built for sdj_call*(): a drop-in under /run. */
int sdj_limits_message(sd_bus *bus, const char *unit, const struct cg_limits *l, unsigned int which,
		       sd_bus_message **out);
/* The D-Bus interface that holds a unit type's cgroup properties; NULL for a type without them. */
const char *sdj_unit_iface(const char *unit);
/* jail-systemd-enter.c: the backend's enter (jail.h); -EINPROGRESS, answered through jb->entered */
int sdj_enter(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
	      struct jail_outcome *out, struct lj_error *err);

/*
 * Undoing a jail (jail-systemd.c): the steps end in sdj_undo_done() or
 * sdj_undo_failed(), which keep the answer for the caller's next ask.
 */
typedef void (*sdj_undo_fn)(struct jail_backend *jb, const struct jail_state *j);
void sdj_undo_done(struct jail_backend *jb, pid_t pid, uint64_t starttime, const char *done);
void sdj_undo_failed(struct jail_backend *jb, pid_t pid, uint64_t starttime, int r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* An undo nobody asks after (a jail undone while it was being made): its end is logged, the record removed. */
void sdj_undo_reported(struct jail_backend *jb, const char *state_dir, const struct jail_state *j, sdj_undo_fn start);
void sdj_undo_free_all(struct jail_backend *jb);

/* jail-systemd-scope.c: the next step of op, into a scope of its own */
void sdj_into_scope(struct sdj_enter *op);
/* pid and its descendants in rel's cgroup (pid first); the count */
int sdj_unit_descendants(const struct cgroup_backend *cg, const char *rel, pid_t pid, uint32_t *out, int max);

/* jail-systemd-unit.c */
/* the next step of op: its unit limited in place */
void sdj_in_place(struct sdj_enter *op);
/* Put the unit's limits back and remove leakjail's drop-ins; answered through sdj_undo_done()/_failed(). */
void sdj_restore_unit(struct jail_backend *jb, const struct jail_state *j);
int sdj_set_jail_limits(struct jail_backend *jb, const char *state_dir, const struct jail_state *j,
			const struct cg_limits *l, struct lj_error *err);
int sdj_kill(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size);
void sdj_reclaims_free(struct jail_backend *jb);

#endif
