/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy the judgement tests start from (test_detect, test_forecast,
 * test_history): a growth in a window, the usual steadiness, no pressure
 * condition, action jail. Each test changes what it is about.
 */
#ifndef LJ_TEST_POLICY_H
#define LJ_TEST_POLICY_H

#include <string.h>

#include "config.h"

static inline void policy_init(struct policy *p, uint64_t growth, uint64_t window_ms)
{
	memset(p, 0, sizeof(*p));
	p->growth = growth;
	p->window_ms = window_ms;
	p->steadiness = 0.75;
	p->pressure_swapout = p->pressure_some = p->pressure_full = -1.0;
	p->action = ACTION_JAIL;
}

#endif
