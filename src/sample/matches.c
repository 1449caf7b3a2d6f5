// SPDX-License-Identifier: GPL-2.0-or-later
#include "matches.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "scan.h"
#include "track.h"
#include "util.h"

/* one process as the daemon would know it at its first sight */
struct seen {
	struct proc_entry e;
	uint64_t footprint, anon_footprint; /* bytes: resident (anon) + swap */
	const char *exempt_by;              /* the exemption key that keeps it out, or NULL */
	bool jailed;                        /* in jail_parent: the daemon leaves it alone */
};

/* Read what a policy looks at; false for a kernel thread, PID 1, ourselves, or one that went. */
static bool read_process(int procfd, const char *name, const struct config *cfg, struct seen *s)
{
	cleanup_close int fd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[8192], path[4096];
	struct proc_stat st;
	uint64_t rss = 0, anon = 0, swap = 0;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->e.pid = atoi(name);
	if (fd < 0 || s->e.pid <= 1 || s->e.pid == getpid())
		return false;
	if (read_file_at(fd, "stat", buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st) ||
	    (st.flags & PF_KTHREAD_FLAG))
		return false;
	snprintf(s->e.comm, sizeof(s->e.comm), "%s", st.comm);
	n = readlinkat(fd, "exe", path, sizeof(path) - 1);
	if (n >= 0) {
		path[n] = '\0';
		s->e.exe = strdup(path);
	}
	if (read_file_at(fd, "status", buf, sizeof(buf)) >= 0) {
		proc_status_uid(buf, &s->e.uid);
		proc_status_kb(buf, "VmRSS", &rss);
		proc_status_kb(buf, "RssAnon", &anon);
		proc_status_kb(buf, "VmSwap", &swap);
	}
	/* proc_status_kb() gives bytes, whatever its name says */
	s->footprint = rss + swap;
	s->anon_footprint = anon + swap;
	if (read_file_at(fd, "cgroup", buf, sizeof(buf)) >= 0 && proc_parse_cgroup(buf, path, sizeof(path)))
		s->e.cgroup = strdup(path);
	n = read_file_at(fd, "cmdline", buf, sizeof(buf));
	if (n > 0) {
		proc_cmdline_to_string(buf, (size_t)n);
		s->e.cmdline = strdup(buf);
	}
	if (!s->e.cgroup || !cgroup_under(s->e.cgroup, cfg->daemon.scope))
		return false;
	{
		char jp[300];

		snprintf(jp, sizeof(jp), "/%s", cfg->daemon.jail_parent);
		s->jailed = cgroup_under(s->e.cgroup, jp);
	}
	s->exempt_by = config_exemption(&cfg->daemon, &s->e);
	return true;
}

static void seen_free(struct seen *s)
{
	free(s->e.exe);
	free(s->e.cmdline);
	free(s->e.cgroup);
}

/*
 * A process names itself (comm) and its files: a control byte there must
 * not reach the terminal raw. Each one is shown as \xNN; the result is cut
 * to fit.
 */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 5 < size; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", (unsigned char)*s);
		else
			buf[o++] = *s;
	}
	buf[o] = '\0';
	return buf;
}

static void line(FILE *out, const char *tag, const struct seen *s, uint64_t footprint, const char *note)
{
	char comm[4 * PROC_COMM_MAX + 1], exe[1024], cg[1024];

	fprintf(out, "  %-8s pid %d %s (uid %u, %s, %s) %.1f MiB%s\n", tag, s->e.pid,
		shown(s->e.comm, comm, sizeof(comm)), s->e.uid,
		s->e.exe ? shown(s->e.exe, exe, sizeof(exe)) : "exe unknown",
		shown(s->e.cgroup, cg, sizeof(cg)), (double)footprint / MIB, note);
}

int matches_print(const struct config *cfg, FILE *out)
{
	cleanup_close int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct seen *all = NULL;
	size_t n = 0, cap = 0;
	DIR *dir;
	struct dirent *de;

	if (procfd < 0)
		return -errno;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct seen s;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (!read_process(procfd, de->d_name, cfg, &s)) {
			seen_free(&s);
			continue;
		}
		if (n == cap) {
			struct seen *grown = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));

			if (!grown) {
				seen_free(&s);
				break;
			}
			all = grown;
		}
		all[n++] = s;
	}
	closedir(dir);

	for (size_t i = 0; i < cfg->n_policies; i++) {
		const struct policy *p = &cfg->policies[i];
		size_t watched = 0, kept = 0;

		for (size_t j = 0; j < n; j++) {
			if (!policy_selects(p, &all[j].e))
				continue;
			if (all[j].exempt_by || all[j].jailed)
				kept++;
			else
				watched++;
		}
		fprintf(out, "%s:%d: policy %s watches %zu process%s now (scope %s), %zu kept out\n",
			p->file, p->line, p->name, watched, watched == 1 ? "" : "es", cfg->daemon.scope, kept);
		/* the watched first, then those an exemption or a jail keeps out */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t j = 0; j < n; j++) {
				const struct seen *s = &all[j];
				uint64_t fp = p->rss == RSS_ANON ? s->anon_footprint : s->footprint;
				bool out_ = s->exempt_by || s->jailed;
				char note[96] = "";

				if (out_ != (pass == 1) || !policy_selects(p, &s->e))
					continue;
				if (s->exempt_by)
					snprintf(note, sizeof(note), ": %s", s->exempt_by);
				else if (s->jailed)
					snprintf(note, sizeof(note), ": in jail_parent, jailed already");
				else if (fp < p->min_rss)
					snprintf(note, sizeof(note), " (below min_rss, %.0f MiB: not judged yet)",
						 (double)p->min_rss / MIB);
				line(out, out_ ? "kept out" : "watched", s, fp, note);
			}
		}
	}
	for (size_t j = 0; j < n; j++)
		seen_free(&all[j]);
	free(all);
	return 0;
}
