// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The system's rates between two passes. Pure, so that recorded /proc/vmstat
 * texts test it: on 6.12+ a leaker of zero-filled pages moves most of its
 * swap through swpout_zero, which pswpout never shows.
 */
#include "sysstate.h"

void system_state_rates(struct system_state *s, const struct system_state *prev)
{
	s->have_rates = prev->t_ms && s->t_ms > prev->t_ms;
	if (s->have_rates) {
		double dt = (double)(s->t_ms - prev->t_ms) / 1000.0;

		s->swapout_ps = (double)(vmstat_swapout(&s->vm) - vmstat_swapout(&prev->vm)) / dt;
		s->swapin_ps = (double)(vmstat_swapin(&s->vm) - vmstat_swapin(&prev->vm)) / dt;
		s->pgscan_ps = (double)(s->vm.pgscan - prev->vm.pgscan) / dt;
		s->pgsteal_ps = (double)(s->vm.pgsteal - prev->vm.pgsteal) / dt;
	}
	/* a process's swap changes only when pages move (or swapped pages are freed) */
	s->swap_moved = !prev->t_ms || vmstat_swapin(&s->vm) != vmstat_swapin(&prev->vm) ||
			vmstat_swapout(&s->vm) != vmstat_swapout(&prev->vm) || s->mem.swap_free != prev->mem.swap_free;
}
