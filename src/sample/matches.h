/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `leakjail check --matches`: for each policy, the processes it would watch
 * now, and the ones an exemption keeps out. A typo in match_comm looks just
 * like "no leaks" in the daemon's log; here it shows as a policy that
 * watches nothing.
 */
#ifndef LJ_MATCHES_H
#define LJ_MATCHES_H

#include <stdio.h>

#include "config.h"

/* Walk /proc once and print, per policy, what it selects. 0 or -errno (no /proc). */
int matches_print(const struct config *cfg, FILE *out);

#endif
