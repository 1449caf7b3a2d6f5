// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail status: the processes whose memory grows fastest right now, as
 * atop shows RGROW and VGROW: two passes an interval apart, sorted by growth.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "commands.h"
#include "config.h"
#include "jail.h"
#include "json.h"
#include "scan.h"
#include "units.h"
#include "util.h"

struct grower {
	const struct proc_entry *e;
	int64_t rgrow, vgrow;
	uint64_t swap;
};

static int by_growth(const void *a, const void *b)
{
	const struct grower *x = a, *y = b;

	if (x->rgrow != y->rgrow)
		return x->rgrow < y->rgrow ? 1 : -1;
	if (x->e->last.rss != y->e->last.rss)
		return x->e->last.rss < y->e->last.rss ? 1 : -1;
	return x->e->pid - y->e->pid;
}

static uint64_t read_swap(int procfd, pid_t pid)
{
	char path[32], buf[4096];
	uint64_t swap = 0;

	snprintf(path, sizeof(path), "%d/status", pid);
	if (read_file_at(procfd, path, buf, sizeof(buf)) >= 0)
		proc_status_kb(buf, "VmSwap", &swap);
	return swap;
}

static void signed_size(char *buf, size_t size, int64_t v)
{
	char s[FMT_SIZE_MAX];

	fmt_size(s, sizeof(s), (uint64_t)(v < 0 ? -v : v));
	snprintf(buf, size, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", s);
}

struct jail_view {
	struct jail_state st;
	struct cg_usage use;
	bool alive;
};

static void print_jails_text(const struct jail_view *v, size_t n, const struct cgroup_backend *cg)
{
	if (n == 0) {
		printf("no jailed processes\n\n");
		return;
	}
	printf("jailed (%s):\n", cg_version_name(cg));
	printf("%8s  %-16s %-12s %-19s %10s %10s %10s\n", "PID", "COMM", "POLICY", "SINCE", "LIMIT",
	       "USAGE", "SWAP");
	for (size_t i = 0; i < n; i++) {
		char since[32], lim[FMT_SIZE_MAX], use[FMT_SIZE_MAX], sw[FMT_SIZE_MAX];
		time_t t = (time_t)v[i].st.since;
		struct tm tm;

		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		printf("%8d  %-16.16s %-12.12s %-19s %10s %10s %10s%s\n", v[i].st.pid, v[i].st.comm,
		       v[i].st.policy, since,
		       v[i].st.limits.high == CG_UNLIMITED ? "max"
							    : fmt_size(lim, sizeof(lim), v[i].st.limits.high),
		       fmt_size(use, sizeof(use), v[i].use.memory), fmt_size(sw, sizeof(sw), v[i].use.swap),
		       v[i].alive ? "" : "  (exited)");
		printf("%8s  jail %s/%s (backend %s%s%s); why: %s\n", "", cg->mount, v[i].st.jail, v[i].st.backend,
		       v[i].st.unit[0] ? ", unit " : "", v[i].st.unit, v[i].st.reason);
	}
	printf("\n");
}

static void print_jails_json(const struct jail_view *v, size_t n, const struct cgroup_backend *cg)
{
	printf("\"jails\":[");
	for (size_t i = 0; i < n; i++) {
		char path[1400];

		snprintf(path, sizeof(path), "%s/%s", cg->mount, v[i].st.jail);
		printf("%s{\"pid\":%d,\"comm\":", i ? "," : "", v[i].st.pid);
		json_string(stdout, v[i].st.comm);
		printf(",\"policy\":");
		json_string(stdout, v[i].st.policy);
		printf(",\"jail\":");
		json_string(stdout, path);
		printf(",\"origin\":");
		json_string(stdout, v[i].st.origin);
		printf(",\"backend\":");
		json_string(stdout, v[i].st.backend);
		printf(",\"unit\":");
		json_string(stdout, v[i].st.unit);
		printf(",\"origin_unit\":");
		json_string(stdout, v[i].st.origin_unit);
		printf(",\"since\":%lld,\"limit\":%llu,\"usage\":%llu,\"swap\":%llu,\"alive\":%s,\"reason\":",
		       (long long)v[i].st.since,
		       (unsigned long long)(v[i].st.limits.high == CG_UNLIMITED ? 0 : v[i].st.limits.high),
		       (unsigned long long)v[i].use.memory, (unsigned long long)v[i].use.swap,
		       v[i].alive ? "true" : "false");
		json_string(stdout, v[i].st.reason);
		printf("}");
	}
	printf("],");
}

static void print_text(const struct grower *g, size_t n, uint64_t interval_ms)
{
	printf("top growers over %.1f s:\n", (double)interval_ms / 1000.0);
	printf("%8s  %-16s %10s %11s %11s %10s\n", "PID", "COMM", "RSS", "RGROW", "VGROW", "SWAP");
	for (size_t i = 0; i < n; i++) {
		char rss[FMT_SIZE_MAX], rg[FMT_SIZE_MAX + 1], vg[FMT_SIZE_MAX + 1], sw[FMT_SIZE_MAX];

		signed_size(rg, sizeof(rg), g[i].rgrow);
		signed_size(vg, sizeof(vg), g[i].vgrow);
		printf("%8d  %-16.16s %10s %11s %11s %10s\n", g[i].e->pid, g[i].e->comm,
		       fmt_size(rss, sizeof(rss), g[i].e->last.rss), rg, vg,
		       fmt_size(sw, sizeof(sw), g[i].swap));
	}
}

static void print_json(const struct grower *g, size_t n, uint64_t interval_ms)
{
	printf("\"interval_ms\":%llu,\"growers\":[", (unsigned long long)interval_ms);
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"pid\":%d,\"comm\":", i ? "," : "", g[i].e->pid);
		json_string(stdout, g[i].e->comm);
		printf(",\"rss\":%llu,\"rgrow\":%lld,\"vgrow\":%lld,\"swap\":%llu}",
		       (unsigned long long)g[i].e->last.rss, (long long)g[i].rgrow,
		       (long long)g[i].vgrow, (unsigned long long)g[i].swap);
	}
	printf("]");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "top", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct config cfg = { .daemon = { .interval_ms = 1000, .scope = (char *)"/" } };
	const char *config_path = LJ_DEFAULT_CONFIG;
	bool explicit_config = false;
	struct config dcfg;
	struct diag_list diags = { 0 };
	struct cgroup_backend cg;
	struct jail_state *jails = NULL;
	cleanup_free struct jail_view *views = NULL;
	size_t n_jails = 0;
	struct scanner sc;
	struct timespec ts;
	cleanup_free struct grower *g = NULL;
	bool json = false;
	size_t n = 0, top = 10;
	uint64_t interval_ms = 1000;
	int c, r;

	while ((c = getopt_long(argc, argv, "ji:t:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			explicit_config = true;
			break;
		case 'j':
			json = true;
			break;
		case 'i':
			if (!parse_duration_ms(optarg, &interval_ms) || interval_ms < 100 ||
			    interval_ms > 60000) {
				fprintf(stderr, "leakjail status: invalid --interval '%s' (100ms to 60s)\n",
					optarg);
				return 2;
			}
			break;
		case 't': {
			char *end;

			top = strtoul(optarg, &end, 10);
			if (*end || top == 0 || top > 100000) {
				fprintf(stderr, "leakjail status: invalid --top '%s' (a count from 1)\n", optarg);
				return 2;
			}
			break;
		}
		case 'h':
			printf("usage: leakjail status [--json] [--config FILE] [--interval DURATION] [--top N]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "leakjail status: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (config_load(config_path, explicit_config, NULL, &dcfg, &diags) < 0) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "%s\n", diags.msgs[i]);
		diag_free(&diags);
		return 1;
	}
	if (cg_backend_init(&cg, NULL) == 0) {
		r = jail_load_all(dcfg.daemon.state_dir, &jails);
		n_jails = r > 0 ? (size_t)r : 0;
		views = calloc(n_jails ? n_jails : 1, sizeof(*views));
		for (size_t i = 0; views && i < n_jails; i++) {
			views[i].st = jails[i];
			views[i].alive = jail_alive(&jails[i]);
			cg_usage(&cg, jails[i].jail, &views[i].use);
		}
		free(jails);
	}
	config_free(&dcfg);

	cfg.daemon.interval_ms = interval_ms;
	r = scanner_init(&sc, &cfg);
	if (r < 0) {
		fprintf(stderr, "leakjail status: cannot open /proc: %s\n", strerror(-r));
		return 1;
	}
	scanner_pass(&sc);
	ts.tv_sec = (time_t)(interval_ms / 1000);
	ts.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	scanner_pass(&sc);

	g = calloc(sc.procs.n ? sc.procs.n : 1, sizeof(*g));
	if (!g) {
		scanner_free(&sc);
		return 1;
	}
	track_for_each(&sc.procs, e) {
		if (!e->have_prev || e->kthread)
			continue;
		g[n++] = (struct grower){
			.e = e,
			.rgrow = (int64_t)e->last.rss - (int64_t)e->prev.rss,
			.vgrow = (int64_t)e->last.vsz - (int64_t)e->prev.vsz,
		};
	}
	qsort(g, n, sizeof(*g), by_growth);
	n = MIN(n, top);
	for (size_t i = 0; i < n; i++)
		g[i].swap = read_swap(sc.procfd, g[i].e->pid);
	if (json) {
		printf("{");
		if (views)
			print_jails_json(views, n_jails, &cg);
		print_json(g, n, interval_ms);
		printf("}\n");
	} else {
		if (views)
			print_jails_text(views, n_jails, &cg);
		print_text(g, n, interval_ms);
	}
	scanner_free(&sc);
	return 0;
}
