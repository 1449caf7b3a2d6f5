// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "syswatch.h"
#include "util.h"

static struct metrics_policy *policy_counters(struct metrics *m, const char *name)
{
	struct metrics_policy *n;

	for (size_t i = 0; i < m->n_pol; i++)
		if (strcmp(m->pol[i].name, name) == 0)
			return &m->pol[i];
	n = realloc(m->pol, (m->n_pol + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->pol = n;
	n = &m->pol[m->n_pol++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	return n;
}

void metrics_leak(struct metrics *m, const char *policy)
{
	struct metrics_policy *p = policy_counters(m, policy);

	if (p)
		p->leaks++;
}

void metrics_jail_made(struct metrics *m, const char *policy)
{
	struct metrics_policy *p = policy_counters(m, policy);

	if (p)
		p->jailed++;
}

void metrics_jail_failed(struct metrics *m, const char *policy)
{
	struct metrics_policy *p = policy_counters(m, policy);

	if (p)
		p->jail_failed++;
}

void metrics_jail_corrected(struct metrics *m, const char *policy, enum lj_thrash what)
{
	struct metrics_policy *p = policy_counters(m, policy);

	if (!p)
		return;
	if (what == THRASH_GROW)
		p->corrected_grow++;
	else if (what == THRASH_RELEASE)
		p->corrected_release++;
	else
		p->corrected_keep++;
}

static struct metrics_jail *find_jail(struct metrics *m, pid_t pid, uint64_t starttime)
{
	for (size_t i = 0; i < m->n_jails; i++)
		if (m->jails[i].pid == pid && m->jails[i].starttime == starttime)
			return &m->jails[i];
	return NULL;
}

void metrics_jails_before(struct metrics *m, const struct cgroup_backend *cg,
			  const struct jail_state *list, size_t n)
{
	struct metrics_jail *next;

	if (n > m->cap_jails) {
		size_t cap = MAX(n, 2 * m->cap_jails);
		struct metrics_jail *a = realloc(m->jails, cap * sizeof(*a));

		if (!a)
			return;
		m->jails = a;
		a = realloc(m->scratch, cap * sizeof(*a));
		if (!a)
			return;
		m->scratch = a;
		m->cap_jails = cap;
	}
	next = m->scratch;
	for (size_t i = 0; i < n; i++) {
		const struct metrics_jail *old = find_jail(m, list[i].pid, list[i].starttime);
		struct cg_events ev;

		next[i] = (struct metrics_jail){
			.pid = list[i].pid,
			.starttime = list[i].starttime,
			/* first sight: what the record says was already seen (and logged) */
			.oom_kill = old ? old->oom_kill : list[i].events.oom_kill,
		};
		snprintf(next[i].policy, sizeof(next[i].policy), "%s", list[i].policy);
		if (cg && cg_events(cg, list[i].jail, &ev) == 0 && ev.oom_kill > next[i].oom_kill) {
			struct metrics_policy *p = policy_counters(m, list[i].policy);

			if (p)
				p->oom_kills += ev.oom_kill - next[i].oom_kill;
			next[i].oom_kill = ev.oom_kill;
		}
	}
	m->scratch = m->jails;
	m->jails = next;
	m->n_jails = n;
}

void metrics_jails_after(struct metrics *m, const struct jail_state *list, size_t n)
{
	for (size_t i = 0; i < m->n_jails; i++) {
		const struct metrics_jail *j = &m->jails[i];
		bool kept = false;
		uint64_t st;

		for (size_t k = 0; k < n && !kept; k++)
			kept = list[k].pid == j->pid && list[k].starttime == j->starttime;
		/* gone from the list while the same process lives: released, not exited */
		if (!kept && proc_starttime(j->pid, &st) == 0 && st == j->starttime) {
			struct metrics_policy *p = policy_counters(m, j->policy);

			if (p)
				p->releases++;
		}
	}
}

void metrics_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void value_u64(FILE *f, uint64_t v)
{
	if (v == CG_UNLIMITED)
		fputs(" +Inf\n", f);
	else
		fprintf(f, " %" PRIu64 "\n", v);
}

/* A series of a process: "NAME{pid=\"1\",comm=\"x\",policy=\"p\"", its other labels and value to follow. */
static void process_labels(FILE *f, const char *name, pid_t pid, const char *comm, const char *policy)
{
	fprintf(f, "%s{pid=\"%d\",comm=\"", name, pid);
	metrics_label(f, comm);
	fputs("\",policy=\"", f);
	metrics_label(f, policy);
}

static void jail_series(FILE *f, const struct metrics_view *v, const char *name, const char *help,
			int what)
{
	head(f, name, "gauge", help);
	for (size_t i = 0; i < v->n_jails; i++) {
		const struct jail_state *j = &v->jails[i];

		process_labels(f, name, j->pid, j->comm, j->policy);
		fputs("\",cgroup=\"", f);
		metrics_label(f, v->mount ? v->mount : "");
		fputc('/', f);
		metrics_label(f, j->jail);
		fputs("\",backend=\"", f);
		metrics_label(f, v->backend ? v->backend : "none");
		if (j->container[0]) {
			/* limited in place: the container, "podman 0be5a925c965 (web)" */
			fputs("\",container=\"", f);
			metrics_label(f, j->container);
		}
		fputs("\"}", f);
		switch (what) {
		case 0:
			value_u64(f, j->limits.high);
			break;
		case 1:
			value_u64(f, v->usage[i].memory);
			break;
		case 2:
			value_u64(f, v->usage[i].swap);
			break;
		default:
			fprintf(f, " %" PRId64 "\n", j->since);
			break;
		}
	}
}

/* The soonest forecasts: of processes judged leaks in the last pass (acted on, or waiting for pressure). */
static void forecast_series(FILE *f, const struct metrics *m)
{
	head(f, "leakjail_forecast_seconds", "gauge",
	     "Seconds until memory runs out (the host's MemAvailable, or the process's cgroup limit: what) at the rate a leaking process's floor rises.");
	for (size_t i = 0; i < m->n_forecasts; i++) {
		const struct forecast_note *n = &m->forecasts[i];

		process_labels(f, "leakjail_forecast_seconds", n->pid, n->comm, n->policy);
		fprintf(f, "\",what=\"%s\"} %.0f\n", n->fc.what, n->fc.runs_out_s);
	}
	head(f, "leakjail_forecast_rate_bytes_per_second", "gauge",
	     "The rate the forecast is made at: how fast a leaking process's floor rises.");
	for (size_t i = 0; i < m->n_forecasts; i++) {
		const struct forecast_note *n = &m->forecasts[i];

		process_labels(f, "leakjail_forecast_rate_bytes_per_second", n->pid, n->comm, n->policy);
		fprintf(f, "\"} %.0f\n", n->fc.rate);
	}
}

static void policy_series(FILE *f, const struct metrics *m, const char *name, const char *help,
			  size_t offset)
{
	head(f, name, "counter", help);
	for (size_t i = 0; i < m->n_pol; i++) {
		fprintf(f, "%s{policy=\"", name);
		metrics_label(f, m->pol[i].name);
		fprintf(f, "\"} %" PRIu64 "\n", *(const uint64_t *)((const char *)&m->pol[i] + offset));
	}
}

int metrics_render(FILE *f, const struct metrics *m, const struct metrics_view *v)
{
	static const char *const jail_help[] = {
		"The limit of a jail (v2 memory.high, v1 memory.limit_in_bytes), as set when it was made.",
		"Memory charged to a jail now.",
		"Swap charged to a jail now.",
		"When the process was jailed, in seconds since the epoch.",
	};
	static const char *const jail_names[] = {
		"leakjail_jail_limit_bytes",
		"leakjail_jail_usage_bytes",
		"leakjail_jail_swap_bytes",
		"leakjail_jail_start_time_seconds",
	};

	head(f, "leakjail_jails", "gauge", "Processes jailed now.");
	fprintf(f, "leakjail_jails %zu\n", v->n_jails);
	for (int w = 0; w < 4; w++)
		jail_series(f, v, jail_names[w], jail_help[w], w);

	policy_series(f, m, "leakjail_leaks_reported_total", "Leaks a policy found (logged, jailed or not).",
		      offsetof(struct metrics_policy, leaks));
	policy_series(f, m, "leakjail_jails_made_total", "Processes a policy jailed.",
		      offsetof(struct metrics_policy, jailed));
	policy_series(f, m, "leakjail_jails_failed_total", "Jails a policy asked for that could not be made.",
		      offsetof(struct metrics_policy, jail_failed));
	policy_series(f, m, "leakjail_releases_total", "Jailed processes released while they ran.",
		      offsetof(struct metrics_policy, releases));
	policy_series(f, m, "leakjail_jail_oom_kills_total", "OOM kills inside the jails of a policy.",
		      offsetof(struct metrics_policy, oom_kills));
	policy_series(f, m, "leakjail_jails_misjudged_grown_total",
		      "Jails found misjudged (thrash in the jail, or a give-back) and grown (jail_thrash = grow).",
		      offsetof(struct metrics_policy, corrected_grow));
	policy_series(f, m, "leakjail_jails_misjudged_released_total",
		      "Jails found misjudged and released (jail_thrash = release, or a give-back).",
		      offsetof(struct metrics_policy, corrected_release));
	policy_series(f, m, "leakjail_jails_misjudged_kept_total",
		      "Jails found misjudged and left as they are (jail_thrash = keep, or grown the most they may be).",
		      offsetof(struct metrics_policy, corrected_keep));

	if (v->split) {
		struct mem_part parts[MEM_PARTS_MAX];
		size_t n = kmem_split_parts(v->split, parts, ARRAY_SIZE(parts));

		head(f, "leakjail_memory_bytes", "gauge",
		     "MemTotal split into parts that add up to it, as leakjail diagnose shows.");
		for (size_t i = 0; i < n; i++) {
			fputs("leakjail_memory_bytes{part=\"", f);
			metrics_label(f, parts[i].key);
			fputs("\",group=\"", f);
			metrics_label(f, mem_group_name(parts[i].group));
			fprintf(f, "\"} %" PRId64 "\n", parts[i].bytes);
		}
		head(f, "leakjail_memory_untracked_bytes", "gauge",
		     "Kernel memory no counter names (unaccounted + vmalloc + percpu): what the kernel watch follows.");
		fprintf(f, "leakjail_memory_untracked_bytes %" PRId64 "\n", kmem_untracked(v->split));
	}
	if (v->findings) {
		head(f, "leakjail_kernel_findings_total", "counter", "Kernel memory findings the watch logged, by kind.");
		for (size_t i = 0; i < v->n_findings; i++) {
			fputs("leakjail_kernel_findings_total{kind=\"", f);
			metrics_label(f, v->finding_kinds[i]);
			fprintf(f, "\"} %u\n", v->findings[i]);
		}
	}

	forecast_series(f, m);
	head(f, "leakjail_passes_total", "counter", "Sampling passes since the daemon started.");
	fprintf(f, "leakjail_passes_total %" PRIu64 "\n", m->passes);
	head(f, "leakjail_pass_duration_seconds", "gauge", "How long the last pass took (sample, judge, jail, watch).");
	fprintf(f, "leakjail_pass_duration_seconds %.6f\n", m->pass_seconds);
	head(f, "leakjail_last_successful_pass_timestamp_seconds", "gauge",
	     "When a pass last read /proc, in seconds since the epoch.");
	fprintf(f, "leakjail_last_successful_pass_timestamp_seconds %" PRId64 "\n", m->last_ok);
	head(f, "leakjail_processes_seen", "gauge", "Processes seen in the last pass.");
	fprintf(f, "leakjail_processes_seen %u\n", m->seen);
	head(f, "leakjail_processes_watched", "gauge", "Processes some policy looks at.");
	fprintf(f, "leakjail_processes_watched %u\n", m->watched);
	head(f, "leakjail_resident_memory_bytes", "gauge", "The daemon's own resident memory.");
	fprintf(f, "leakjail_resident_memory_bytes %" PRIu64 "\n", v->rss);
	head(f, "leakjail_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
	fprintf(f, "leakjail_reloads_total{result=\"ok\"} %" PRIu64 "\n", m->reloads_ok);
	fprintf(f, "leakjail_reloads_total{result=\"refused\"} %" PRIu64 "\n", m->reloads_refused);
	head(f, "leakjail_dry_run", "gauge", "1 when the daemon only reports what it would jail.");
	fprintf(f, "leakjail_dry_run %d\n", m->dry_run ? 1 : 0);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

static int write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[300];
	cleanup_close int fd = -1;
	size_t off = 0;
	int r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* node_exporter may run as its own user: the file must be readable */
	if (fchmod(fd, 0644) < 0)
		r = -errno;
	while (r == 0 && off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			r = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int metrics_write(struct metrics *m, const char *path, const struct metrics_view *v)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (strcmp(m->path, path) != 0) {
		snprintf(m->path, sizeof(m->path), "%s", path);
		m->failing = false;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	r = metrics_render(f, m, v);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = write_atomic(path, text, len);
	if (r < 0 && !m->failing) {
		lj_log(LOG_WARNING, "metrics_file %s: cannot write it: %s; the daemon goes on and tries again every pass",
		       path, strerror(-r));
		m->failing = true;
	} else if (r == 0 && m->failing) {
		lj_log(LOG_INFO, "metrics_file %s: written again", path);
		m->failing = false;
	}
	return r;
}

static uint64_t own_rss(void)
{
	char buf[128];
	unsigned long long size, resident;

	if (read_file_at(AT_FDCWD, "/proc/self/statm", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

void metrics_publish(struct metrics *m, const char *path, uint64_t min_gap_ms,
		     const struct cgroup_backend *cg, const struct jail_state *jails, size_t n_jails,
		     const struct config *cfg, const struct meminfo *mi, const struct syswatch *sw)
{
	static const char *const kinds[SW_KINDS] = {
		[SW_UNTRACKED] = "untracked", [SW_SLAB] = "slab", [SW_SOCKET] = "socket",
	};
	cleanup_free struct cg_usage *usage = NULL;
	struct mem_split split;
	struct metrics_view v = { .jails = jails, .n_jails = n_jails, .cfg = cfg };
	uint64_t now = now_ms();

	if (!path || !*path)
		return;
	if (m->last_write_ms && now - m->last_write_ms < min_gap_ms)
		return;
	usage = calloc(n_jails ? n_jails : 1, sizeof(*usage));
	if (!usage)
		return;
	m->last_write_ms = now;
	v.usage = usage;
	v.rss = own_rss();
	for (size_t i = 0; cfg && i < cfg->n_policies; i++)
		policy_counters(m, cfg->policies[i].name);
	if (cg) {
		v.backend = cg->version == CG_V2 ? "cgroupfs-v2" : "cgroupfs-v1";
		v.mount = cg->mount;
		for (size_t i = 0; i < n_jails; i++)
			cg_usage(cg, jails[i].jail, &usage[i]);
	} else {
		v.n_jails = 0;
	}
	if (sw) {
		kmem_split(mi, syswatch_pcp_free(sw), sw->balloon_in_total, &split);
		v.split = &split;
		v.findings = sw->found;
		v.finding_kinds = kinds;
		v.n_findings = SW_KINDS;
	}
	metrics_write(m, path, &v);
}

void metrics_free(struct metrics *m)
{
	free(m->pol);
	free(m->jails);
	free(m->scratch);
	m->pol = NULL;
	m->jails = m->scratch = NULL;
	m->n_pol = m->n_jails = m->cap_jails = 0;
}
