// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-CPU free page lists, from /proc/zoneinfo: free memory that
 * MemFree leaves out (kmem.h declares the parser; kmem_split() takes its
 * figure as a part of "free").
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmem.h"
#include "util.h"

/* "count:    2443" after the indentation: the number after `key`, at most INT_MAX (printed %i) */
static bool zoneinfo_value(const char *s, const char *key, uint64_t *out, bool *bad)
{
	unsigned long long v;
	char *end;

	if (!startswith(s, key))
		return false;
	s += strlen(key);
	while (*s == ' ')
		s++;
	errno = 0;
	v = *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
	if (*s < '0' || *s > '9' || errno || v > INT32_MAX || (*end && *end != '\n'))
		*bad = true;
	else if (__builtin_add_overflow(*out, (uint64_t)v, out))
		*out = UINT64_MAX;
	return true;
}

/*
 * /proc/zoneinfo (6.18, this 2-CPU VM), each zone of each node in turn; the
 * per-CPU lists are the "pagesets", one entry per online CPU:
 *   Node 0, zone   Normal
 *     pages free     52631
 *           boost    0
 *     ...
 *     pagesets
 *       cpu: 0
 *                 count:    2443
 *                 high:     8960
 *                 batch:    31
 *                 high_min: 1839
 *                 high_max: 10240
 *     vm stats threshold: 16
 *       cpu: 1
 *                 count:    7520
 *     ...
 *     node_unreclaimable:  0
 *     start_pfn:           1048576
 * count is in pages (a high-order block counts all its pages). Kernels
 * before 6.7 have no high_min/high_max: their "high:" is the fixed limit.
 * An unpopulated zone has no pagesets. Only the lines under "pagesets" are
 * read: no other section has these words, but nothing here relies on it.
 */
bool kmem_parse_zoneinfo(const char *buf, struct pcp_lists *out)
{
	uint64_t high = 0, high_max = 0;
	bool in_sets = false, bad = false;
	const char *p = buf;

	memset(out, 0, sizeof(*out));
	if (!startswith(buf, "Node "))
		return false;
	while (*p && !bad) {
		const char *eol = strchr(p, '\n');
		const char *s = p;

		while (*s == ' ')
			s++;
		if (startswith(p, "Node ")) {
			in_sets = false;
		} else if (startswith(s, "pagesets") && (s[8] == '\n' || s[8] == '\0')) {
			in_sets = true;
			out->zones++;
		} else if (in_sets && startswith(s, "cpu:")) {
			out->lists++;
		} else if (in_sets && s - p == 2 && !startswith(s, "vm stats threshold:")) {
			/* "  node_unreclaimable:" and the like: past the lists */
			in_sets = false;
		} else if (in_sets) {
			(void)(zoneinfo_value(s, "count:", &out->pages, &bad) ||
			       zoneinfo_value(s, "high_max:", &high_max, &bad) ||
			       zoneinfo_value(s, "high:", &high, &bad));
		}
		p = eol ? eol + 1 : p + strlen(p);
	}
	out->high_max = high_max ? high_max : high;
	return !bad;
}
