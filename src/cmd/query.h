/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the running daemon answers on its control socket (control.h):
 *   "status text|json"                 its configuration, each policy's
 *                                      watched processes and their verdicts
 *   "explain PID text|json [ascii] [width=N]"
 *                                      why this process is, or is not, a
 *                                      leak under each policy that sees it,
 *                                      or why none does
 * Text is drawn for the asking terminal (UTF-8 blocks, or ASCII).
 */
#ifndef LJ_QUERY_H
#define LJ_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jails.h"
#include "scan.h"

struct query_ctx {
	const struct config *cfg;
	const struct scanner *sc;
	const struct jails *jails;
	const char *config_path;
	const char *backend;
	const char *cgroups; /* "cgroup v1", "cgroup v2", "no cgroups" */
	bool dry_run;
	uint64_t passes;
	int64_t started;     /* wall clock */
};

/* control_answer_fn: userdata is a struct query_ctx. */
int query_answer(FILE *out, const char *request, void *userdata);

/* One row of a sparkline: values scaled between lo and hi, `n` columns. */
void sparkline(FILE *out, const uint64_t *v, size_t n, uint64_t lo, uint64_t hi, bool utf8);

#endif
