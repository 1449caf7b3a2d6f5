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
 * Every call on the bus waits at most this long (sd-bus's default is 25 s).
 * The manager answers a property read in microseconds; a call that takes
 * seconds means PID 1 is busy, and the daemon's loop (its watchdog: 30 s)
 * must not wait for it: the call fails, and the next pass tries again.
 */
#define SD_CALL_TIMEOUT_USEC (3ULL * 1000000ULL)

struct reclaim_job;

/* The backend's own data (jb->data). */
struct sd_backend {
	sd_bus *bus;
	struct reclaim_job *jobs;  /* in-place reclaims under way (jail-systemd-unit.c) */
	sd_event_source *timer;    /* on while a job is queued */
};

/* What a unit is: its object path, name, cgroup, cgroup interface, invocation. */
struct unit_info {
	char *path;
	char name[256];
	char cgroup[1024]; /* "/system.slice/x.service" */
	const char *iface;
	char invocation[40];
};

sd_bus *sdj_bus(struct jail_backend *jb);
int sdj_bus_errno(const sd_bus_error *e, int r);
int sdj_unit_path(sd_bus *bus, const char *unit, char **path);
int sdj_get_string(sd_bus *bus, const char *path, const char *iface, const char *name, char *out, size_t size);
int sdj_get_u64(sd_bus *bus, const char *path, const char *iface, const char *name, uint64_t *out);
/* A unit's MemoryHigh, MemoryMax and MemorySwapMax. */
int sdj_get_limits(sd_bus *bus, const char *path, const char *iface, struct cg_limits *out);
void sdj_fmt_limits(char *buf, size_t size, const struct cg_limits *l);
uint64_t sdj_min(uint64_t a, uint64_t b);

/* Which of MemoryHigh, MemoryMax, MemorySwapMax a SetUnitProperties call writes. */
#define SDJ_HIGH 1u
#define SDJ_MAX 2u
#define SDJ_SWAP 4u
#define SDJ_ALL (SDJ_HIGH | SDJ_MAX | SDJ_SWAP)
/* SetUnitProperties(unit, runtime=true, the limits in `which`): a drop-in under /run. */
int sdj_set_limits(sd_bus *bus, const char *unit, const struct cg_limits *l, unsigned int which,
		   struct lj_error *err);

int sdj_append_limits(sd_bus_message *m, const struct cg_limits *l, unsigned int which);

/* jail-systemd-scope.c */
int sdj_into_scope(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
		   struct unit_info *u, struct jail_state *st, struct jail_outcome *out, struct lj_error *err);
/* pid and its descendants in rel's cgroup (pid first); the count */
int sdj_unit_descendants(const struct cgroup_backend *cg, const char *rel, pid_t pid, uint32_t *out, int max);

/* jail-systemd-unit.c */
int sdj_in_place(struct jail_backend *jb, const char *state_dir, const struct jail_request *req,
		 struct unit_info *u, struct jail_state *st, struct jail_outcome *out, struct lj_error *err);
int sdj_restore_unit(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size,
		     struct lj_error *err);
int sdj_set_jail_limits(struct jail_backend *jb, const struct jail_state *j, const struct cg_limits *l,
			struct lj_error *err);
int sdj_kill(struct jail_backend *jb, const struct jail_state *j, char *done, size_t size);
void sdj_reclaims_free(struct jail_backend *jb);

#endif
