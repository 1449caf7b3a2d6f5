// SPDX-License-Identifier: GPL-2.0-or-later
#include "proc.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * /proc/PID/stat, one line:
 *   2710 (cat) R 2708 2708 1176 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 15604 3133440 390 ...
 * The command name is whatever the process chose, up to 16 bytes, and may hold
 * spaces and parentheses: "a) R 1 2 3". Everything after the LAST ')' is the
 * kernel's own text, so fields are counted from there.
 */
bool proc_parse_stat(const char *buf, struct proc_stat *out)
{
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	unsigned long long f[25] = { 0 };
	size_t len;
	char state;
	int ppid;
	int n;

	if (!open || !close || close < open)
		return false;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(out->comm))
		len = sizeof(out->comm) - 1;
	/*
	 * After ')': state(3) ppid(4) pgrp session tty tpgid flags(9) minflt(10)
	 * cminflt majflt(12) cmajflt utime stime cutime cstime priority nice
	 * num_threads(20) itrealvalue starttime(22) vsize(23) rss(24) rsslim
	 * startcode(26) endcode(27) startstack(28); a recorded file may stop
	 * at rss.
	 */
	n = sscanf(close + 1,
		   " %c %d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu"
		   " %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &state, &ppid, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8],
		   &f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16], &f[17], &f[18],
		   &f[19], &f[20], &f[21], &f[22], &f[23]);
	/* sscanf's %llu accepts "-1" (tpgid) by wrapping; only the counts matter. */
	if (n < 22)
		return false;
	if (n < 26)
		f[21] = f[22] = f[23] = 0;
	memcpy(out->comm, open + 1, len);
	out->comm[len] = '\0';
	/* a name goes into logs, the journal and terminals: no control characters ("\e[2J") */
	for (char *c = out->comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	out->state = state;
	out->ppid = ppid;
	out->flags = (unsigned int)f[4];
	out->minflt = f[5];
	out->majflt = f[7];
	out->num_threads = (long)f[15];
	out->starttime = f[17];
	out->vsize = f[18];
	out->rss_pages = f[19];
	out->start_code = f[21];
	out->end_code = f[22];
	out->start_stack = f[23];
	return true;
}

uint64_t proc_stat_image(const struct proc_stat *st)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the three addresses */
	const uint64_t v[3] = { st->start_code, st->end_code, st->start_stack };

	if (!st->start_code && !st->end_code && !st->start_stack)
		return 0;
	for (int i = 0; i < 3; i++) {
		for (int b = 0; b < 64; b += 8) {
			h ^= (v[i] >> b) & 0xff;
			h *= 1099511628211ull;
		}
	}
	return h ? h : 1;
}

/* /proc/PID/statm: "765 419 390 5 0 123 0" = size resident shared text lib data dt, in pages. */
bool proc_parse_statm(const char *buf, struct proc_statm *out)
{
	unsigned long long size, resident, shared, text = 0;

	if (sscanf(buf, "%llu %llu %llu %llu", &size, &resident, &shared, &text) < 3)
		return false;
	out->size = size;
	out->resident = resident;
	out->shared = shared;
	out->text = text;
	return true;
}

/*
 * "VmSwap:	     128 kB" in /proc/PID/status, "SUnreclaim:   21820 kB" in
 * /proc/meminfo, "HugePages_Total:       0" (no unit). The key must start a line.
 */
bool proc_status_kb(const char *buf, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			char *end;
			unsigned long long v;

			p += klen + 1;
			v = strtoull(p, &end, 10);
			if (end == p)
				return false;
			while (*end == ' ' || *end == '\t')
				end++;
			*out = strncmp(end, "kB", 2) == 0 ? v * 1024 : v;
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/*
 * "Uid:	1000	1000	1000	1000" = real, effective, saved, filesystem.
 * The effective uid is the one ps shows as USER.
 */
bool proc_status_uid(const char *buf, unsigned int *uid)
{
	const char *p = buf;

	while (p && *p) {
		if (strncmp(p, "Uid:", 4) == 0) {
			unsigned int real, effective;

			if (sscanf(p + 4, "%u %u", &real, &effective) != 2)
				return false;
			*uid = effective;
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/*
 * /proc/PID/cgroup, one line per hierarchy, "ID:CONTROLLERS:PATH":
 *   4:memory:/process_api/611ffdaf
 *   0::/
 * On a v1 or hybrid host the memory controller's line names the cgroup that
 * is charged; on pure v2 there is only "0::". The path may hold ':'.
 */
bool proc_parse_cgroup(const char *buf, char *path, size_t size)
{
	const char *p = buf;
	const char *v2 = NULL;

	while (p && *p) {
		const char *c1 = strchr(p, ':');
		const char *eol = strchr(p, '\n');
		const char *c2;

		if (!eol)
			eol = p + strlen(p);
		if (!c1 || c1 > eol)
			break;
		c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1));
		if (!c2)
			break;
		if (c2 == c1 + 1 && c1 == p + 1 && p[0] == '0') {
			v2 = c2 + 1;
		} else {
			/* controllers are comma separated: "cpu,cpuacct", "memory" */
			const char *q = c1 + 1;

			while (q < c2) {
				const char *comma = memchr(q, ',', (size_t)(c2 - q));
				const char *e = comma ? comma : c2;

				if (e - q == 6 && strncmp(q, "memory", 6) == 0) {
					size_t len = (size_t)(eol - c2 - 1);

					if (len >= size)
						return false;
					memcpy(path, c2 + 1, len);
					path[len] = '\0';
					return true;
				}
				q = e + 1;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	if (v2) {
		const char *eol = strchr(v2, '\n');
		size_t len = eol ? (size_t)(eol - v2) : strlen(v2);

		if (len >= size)
			return false;
		memcpy(path, v2, len);
		path[len] = '\0';
		return true;
	}
	return false;
}

void proc_cmdline_to_string(char *buf, size_t len)
{
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	buf[len] = '\0';
}

/*
 * /proc/meminfo:
 *   MemTotal:       24684084 kB
 *   MemAvailable:   24353892 kB
 *   HugePages_Total:       0
 */
bool proc_parse_meminfo(const char *buf, struct meminfo *out)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define K(name, field) { name, offsetof(struct meminfo, field) }
		K("MemTotal", mem_total),
		K("MemFree", mem_free),
		K("MemAvailable", mem_available),
		K("Buffers", buffers),
		K("Cached", cached),
		K("SwapCached", swap_cached),
		K("SwapTotal", swap_total),
		K("SwapFree", swap_free),
		K("AnonPages", anon_pages),
		K("Shmem", shmem),
		K("Mapped", mapped),
		K("KReclaimable", kreclaimable),
		K("Slab", slab),
		K("SReclaimable", sreclaimable),
		K("SUnreclaim", sunreclaim),
		K("KernelStack", kernel_stack),
		K("PageTables", page_tables),
		K("SecPageTables", sec_page_tables),
		K("VmallocUsed", vmalloc_used),
		K("Percpu", percpu),
		K("Unevictable", unevictable),
		K("CmaTotal", cma_total),
		K("Hugetlb", hugetlb),
		K("HugePages_Total", hugepages_total),
		K("Hugepagesize", hugepagesize),
		K("Balloon", balloon),
#undef K
	};
	const char *p = buf;
	bool total = false;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *colon = strchr(p, ':');
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if (colon && colon < eol) {
			size_t klen = (size_t)(colon - p);

			for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
				if (strlen(keys[i].key) == klen && strncmp(p, keys[i].key, klen) == 0) {
					char *end;
					unsigned long long v = strtoull(colon + 1, &end, 10);

					while (*end == ' ')
						end++;
					if (strncmp(end, "kB", 2) == 0)
						v *= 1024;
					*(uint64_t *)(void *)((char *)out + keys[i].off) = v;
					if (i == 0)
						total = true;
					break;
				}
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return total;
}

/*
 * /proc/vmstat, "name value" lines:
 *   pswpout 1840
 *   swpin_zero 12        <- 6.12+: zero pages, never written
 *   swpout_zero 4500000
 *   zswpin 0             <- with zswap
 *   zswpout 0
 *   pgscan_kswapd 0
 *   pgscan_direct 0
 *   pgscan_anon 0        <- the same scans again, split by type: not summed
 */
bool proc_parse_vmstat(const char *buf, struct vmstat *out)
{
	const char *p = buf;
	bool seen = false;

	memset(out, 0, sizeof(*out));
	while (*p) {
		char name[64];
		unsigned long long v;
		int used = 0;

		if (sscanf(p, "%63s %llu%n", name, &v, &used) == 2) {
			if (strcmp(name, "pswpin") == 0) {
				out->pswpin = v;
				seen = true;
			} else if (strcmp(name, "pswpout") == 0) {
				out->pswpout = v;
			} else if (strcmp(name, "swpin_zero") == 0) {
				out->swpin_zero = v;
			} else if (strcmp(name, "swpout_zero") == 0) {
				out->swpout_zero = v;
			} else if (strcmp(name, "zswpin") == 0) {
				out->zswpin = v;
			} else if (strcmp(name, "zswpout") == 0) {
				out->zswpout = v;
			} else if (strcmp(name, "pgmajfault") == 0) {
				out->pgmajfault = v;
			} else if (startswith(name, "pgscan_") || startswith(name, "pgsteal_")) {
				const char *kind = strchr(name, '_') + 1;

				if (strcmp(kind, "anon") && strcmp(kind, "file") &&
				    strcmp(kind, "direct_throttle")) {
					if (startswith(name, "pgscan_"))
						out->pgscan += v;
					else
						out->pgsteal += v;
				}
			}
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return seen;
}

/*
 * /proc/pressure/memory:
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 */
bool proc_parse_psi(const char *buf, struct psi *out)
{
	const char *p = buf;
	int lines = 0;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		char kind[8];
		double a10, a60, a300;
		unsigned long long total;

		if (sscanf(p, "%7s avg10=%lf avg60=%lf avg300=%lf total=%llu", kind, &a10, &a60,
			   &a300, &total) == 5) {
			if (strcmp(kind, "some") == 0) {
				out->some_avg10 = a10;
				out->some_avg60 = a60;
				out->some_total = total;
				lines++;
			} else if (strcmp(kind, "full") == 0) {
				out->full_avg10 = a10;
				out->full_avg60 = a60;
				out->full_total = total;
				lines++;
			}
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return lines > 0;
}

bool proc_vm_swap_at(int dirfd, const char *path, uint64_t *bytes)
{
	char buf[4096];

	return read_file_at(dirfd, path, buf, sizeof(buf)) >= 0 && proc_status_kb(buf, "VmSwap", bytes);
}

uint64_t proc_vm_swap(pid_t pid)
{
	char path[48];
	uint64_t bytes = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	proc_vm_swap_at(AT_FDCWD, path, &bytes);
	return bytes;
}

int proc_memory_cgroup(pid_t pid, char *path, size_t size)
{
	char file[48], buf[4096];

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	if (read_file_at(AT_FDCWD, file, buf, sizeof(buf)) < 0)
		return -ESRCH;
	return proc_parse_cgroup(buf, path, size) ? 0 : -EINVAL;
}
