// SPDX-License-Identifier: GPL-2.0-or-later
#include "headroom.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

bool headroom_read(void *ctx, struct cg_headroom *out)
{
	const struct headroom_ctx *c = ctx;
	bool v2, found = false;
	char rel[PATH_MAX];

	if (!c || !c->cg || !c->cgroup || c->cgroup[0] != '/')
		return false;
	v2 = c->cg->version == CG_V2;
	snprintf(rel, sizeof(rel), "%s", c->cgroup);
	*out = (struct cg_headroom){ UINT64_MAX, UINT64_MAX, 0 };
	for (;;) {
		uint64_t limit = UINT64_MAX, high = UINT64_MAX, usage = 0;
		char *slash;

		/* the v2 root has neither limits nor memory.current; v1's root shows "no limit" */
		if (cg_read_u64(c->cg, rel, v2 ? "memory.max" : "memory.limit_in_bytes", &limit) == 0) {
			/* v2: memory.high throttles and reclaims: for the innocents it is the limit */
			if (v2 && cg_read_u64(c->cg, rel, "memory.high", &high) == 0 && high < limit)
				limit = high;
			if (limit != UINT64_MAX &&
			    cg_read_u64(c->cg, rel, v2 ? "memory.current" : "memory.usage_in_bytes", &usage) == 0) {
				uint64_t room = limit > usage ? limit - usage : 0;

				if (room < out->headroom)
					*out = (struct cg_headroom){ room, limit, usage };
				found = true;
			}
		}
		if (strcmp(rel, "/") == 0 || !rel[0])
			break;
		slash = strrchr(rel, '/');
		if (slash == rel)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return found;
}
