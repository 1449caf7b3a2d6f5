/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stalled jails: a jailed process that cannot make progress.
 *
 * At its limit a jailed process swaps: that is the point of a jail. When it
 * has no swap to go to (the system's swap full, the jail's jail_swap used
 * up, no swap at all), v2 throttles every allocating thread at memory.high
 * and never OOM-kills: a service hangs for good. v1 reclaims in vain, then
 * would OOM-kill inside the jail; a jail of leakjail's has oom_kill_disable
 * set (cg_oom_wait()), so its tasks wait (under_oom 1) instead.
 *
 * A jail is stalled when, at every pass for STALL_HOLD_MS:
 * - (v2) its memory.pressure says its tasks were all stalled ("full avg10")
 *   at least STALL_PRESSURE % of the time; or
 * - it is at its limit (memory.events high/max, v1 memory.failcnt grew since
 *   the last pass) with no swap to go to: less than a quarter of its swap
 *   allowance left, or free swap below STALL_SWAP_FREE_PCT % of the total,
 *   or no swap;
 * or at once when (v1) memory.oom_control says under_oom 1 (an OOM that
 * cannot kill: its tasks wait for ever).
 * The policy's jail_stalled says what then: log, grow (the limit by a
 * quarter, at most STALL_MAX_GROWS times), or kill (the jail's processes).
 */
#ifndef LJ_STALL_H
#define LJ_STALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STALL_HOLD_MS 10000
#define STALL_PRESSURE 40.0
#define STALL_SWAP_FREE_PCT 2
#define STALL_MAX_GROWS 8
/* Free swap below this share of the total, with jails held: said ahead (and again once back above 15 %). */
#define SWAP_WARN_PCT 10

/* One pass's reading of a jail and of the system's swap. */
struct stall_sample {
	uint64_t t_ms;
	uint64_t usage, limit;      /* memory, and the limit in force (v1 limit_in_bytes, v2 memory.high) */
	uint64_t swap_used;         /* the jail's, in swap */
	uint64_t swap_allowance;    /* its jail_swap; UINT64_MAX: none of its own */
	uint64_t limit_hits;        /* v2 memory.events high + max; v1 memory.failcnt */
	bool under_oom;             /* v1 memory.oom_control */
	bool have_psi;
	double full_avg10, some_avg10; /* v2 memory.pressure, % */
	uint64_t swap_total, swap_free; /* the system's */
};

struct stall_state {
	bool have_last;
	uint64_t last_hits;
	uint64_t since_ms;  /* when the condition began to hold; 0: it does not */
	bool reported;      /* this episode was logged (log only says it once) */
	unsigned int grows;
	bool retire_said;   /* (the jail's, not the stall's) why it cannot be retired here was said */
};

enum stall_reason { STALL_NONE, STALL_PRESSURE_HIGH, STALL_NO_SWAP, STALL_UNDER_OOM };

/*
 * Feed one sample. Returns the reason when the jail has been stalled for
 * STALL_HOLD_MS (or is under an OOM it cannot resolve), STALL_NONE
 * otherwise; `evidence` says what was seen ("memory.pressure full 87 %
 * for 10 s; at its limit (412 hits); swap: 1.2 of 32 MiB allowed left").
 */
enum stall_reason stall_check(struct stall_state *st, const struct stall_sample *s, char *evidence,
			      size_t size);

/* After an action (a grow, a kill): the next one needs another STALL_HOLD_MS. */
void stall_acted(struct stall_state *st);

const char *stall_reason_name(enum stall_reason r);

/*
 * The system's free swap, for the warning said ahead: true when it crosses
 * below SWAP_WARN_PCT (once; *warned stays set until it is back above 15 %).
 */
bool swap_running_out(uint64_t swap_total, uint64_t swap_free, bool *warned);

#endif
