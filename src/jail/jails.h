/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's jails: found again after a restart, watched every pass
 * (limit hits, OOM kills, stalls: src/jail/stall.h), removed once their process
 * has gone. Free swap running out while jails are held is said ahead.
 */
#ifndef LJ_JAILS_H
#define LJ_JAILS_H

#include "cgroup.h"
#include "jail.h"
#include "jailcheck.h"
#include "scan.h"
#include "stall.h"

struct jails {
	struct jail_backend *jb;
	const struct cgroup_backend *cg;
	char state_dir[256]; /* a copy: a reload may change or free the configuration's */
	struct jail_state *list;
	struct stall_state *stall; /* one for each of list */
	size_t n;
	bool swap_warned;
	struct jailcheck_table check; /* did it leak at all? (src/jail/jailcheck.h) */
	/* told of each correction (the daemon counts them in its metrics); NULL: nobody */
	void (*corrected)(void *ctx, const char *policy, enum lj_thrash what);
	void *corrected_ctx;
};

/* Load the records; jails whose process has gone are removed. Returns the count or -errno. */
int jails_load(struct jails *js, struct jail_backend *jb, const char *state_dir);
/*
 * After each pass: drop jails of exited processes, log what changed, mark
 * the jailed, handle stalled jails as their policy says (sc->cfg).
 */
void jails_maintain(struct jails *js, struct scanner *sc);
int jails_add(struct jails *js, const struct jail_state *j);
/*
 * Grow a jail's limit by `at_least` bytes, or by a quarter (16 MiB at least)
 * when that is more; recorded, and said in done. 0 or -errno.
 */
int jails_grow(struct jails *js, struct jail_state *j, uint64_t at_least, char *done, size_t size);
void jails_free(struct jails *js);

#endif
