/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The system's state as the sampler reads it each pass (/proc/meminfo,
 * /proc/vmstat, PSI) and the rates between two passes, which the detector
 * weighs as pressure.
 */
#ifndef LJ_SYSSTATE_H
#define LJ_SYSSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "proc.h"

/* The system's figures at one pass, and rates since the one before. */
struct system_state {
	uint64_t t_ms;
	struct meminfo mem;
	struct vmstat vm;
	struct psi psi;
	bool have_psi;
	bool have_rates;      /* false on the first pass */
	bool swap_moved;      /* pages went to or came from swap since the pass before */
	double swapout_ps;    /* pages/s */
	double swapin_ps;
	double pgscan_ps;
	double pgsteal_ps;
};

/*
 * The rates since prev and whether swap moved, from the counters just read
 * into s (sysstate.c). Swap traffic counts every kind the kernel has
 * (vmstat_swapout()): written, zero-filled, zswap.
 */
void system_state_rates(struct system_state *s, const struct system_state *prev);

#endif
