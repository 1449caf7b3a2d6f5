// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail status: the processes whose memory grows fastest right now, as
 * atop shows RGROW and VGROW: two passes an interval apart, sorted by growth.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "control.h"
#include "forecast.h"
#include "headroom.h"
#include "jail.h"
#include "json.h"
#include "proc.h"
#include "runjail.h"
#include "scan.h"
#include "units.h"
#include "util.h"

struct grower {
	const struct proc_entry *e;
	int64_t rgrow, vgrow;
	uint64_t swap;
	struct forecast fc;  /* at its footprint's growth over the interval */
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

static void print_jails_text(FILE *f, const struct jail_view *v, size_t n, const struct cgroup_backend *cg)
{
	if (n == 0) {
		fprintf(f, "no jailed processes\n\n");
		return;
	}
	fprintf(f, "jailed (%s):\n", cg_version_name(cg));
	fprintf(f, "%8s  %-16s %-12s %-19s %10s %10s %10s\n", "PID", "COMM", "POLICY", "SINCE", "LIMIT",
	       "USAGE", "SWAP");
	for (size_t i = 0; i < n; i++) {
		char since[32], lim[FMT_SIZE_MAX], use[FMT_SIZE_MAX], sw[FMT_SIZE_MAX];
		time_t t = (time_t)v[i].st.since;
		struct tm tm;

		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		fprintf(f, "%8d  %-16.16s %-12.12s %-19s %10s %10s %10s%s\n", v[i].st.pid, v[i].st.comm,
		       v[i].st.policy, since,
		       v[i].st.limits.high == CG_UNLIMITED ? "max"
							    : fmt_size(lim, sizeof(lim), v[i].st.limits.high),
		       fmt_size(use, sizeof(use), v[i].use.memory), fmt_size(sw, sizeof(sw), v[i].use.swap),
		       v[i].alive ? "" : "  (exited)");
		fprintf(f, "%8s  jail %s/%s (backend %s%s%s%s%s); why: %s\n", "", cg->mount, v[i].st.jail,
			v[i].st.backend, v[i].st.unit[0] ? ", unit " : "", v[i].st.unit,
			v[i].st.container[0] ? ", in place: " : "", v[i].st.container, v[i].st.reason);
		/* a run's jail is its own cgroup, limited in place: release lifts the limit */
		if (v[i].st.run_pid)
			fprintf(f, "%8s  in place: leakjail run pid %d, command: %s\n", "", v[i].st.run_pid,
				v[i].st.command);
	}
	fprintf(f, "\n");
}

static void print_jails_json(FILE *f, const struct jail_view *v, size_t n, const struct cgroup_backend *cg)
{
	fprintf(f, "\"jails\":[");
	for (size_t i = 0; i < n; i++) {
		char path[1400];

		snprintf(path, sizeof(path), "%s/%s", cg->mount, v[i].st.jail);
		fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", v[i].st.pid);
		json_string(f, v[i].st.comm);
		fprintf(f, ",\"policy\":");
		json_string(f, v[i].st.policy);
		fprintf(f, ",\"jail\":");
		json_string(f, path);
		fprintf(f, ",\"origin\":");
		json_string(f, v[i].st.origin);
		fprintf(f, ",\"backend\":");
		json_string(f, v[i].st.backend);
		fprintf(f, ",\"unit\":");
		json_string(f, v[i].st.unit);
		fprintf(f, ",\"origin_unit\":");
		json_string(f, v[i].st.origin_unit);
		fprintf(f, ",\"container\":");
		json_string(f, v[i].st.container);
		/* null, or the `leakjail run` whose own cgroup this is */
		if (v[i].st.run_pid) {
			fprintf(f, ",\"run\":{\"pid\":%d,\"command\":", v[i].st.run_pid);
			json_string(f, v[i].st.command);
			fprintf(f, "}");
		} else {
			fprintf(f, ",\"run\":null");
		}
		fprintf(f, ",\"since\":%lld,\"limit\":%llu,\"usage\":%llu,\"swap\":%llu,\"alive\":%s,\"reason\":",
		       (long long)v[i].st.since,
		       (unsigned long long)(v[i].st.limits.high == CG_UNLIMITED ? 0 : v[i].st.limits.high),
		       (unsigned long long)v[i].use.memory, (unsigned long long)v[i].use.swap,
		       v[i].alive ? "true" : "false");
		json_string(f, v[i].st.reason);
		fprintf(f, "}");
	}
	fprintf(f, "],");
}

static void print_text(FILE *f, const struct grower *g, size_t n, uint64_t interval_ms)
{
	fprintf(f, "top growers over %.1f s:\n", (double)interval_ms / 1000.0);
	fprintf(f, "%8s  %-16s %10s %11s %11s %10s  %s\n", "PID", "COMM", "RSS", "RGROW", "VGROW", "SWAP",
		"AT THIS RATE");
	for (size_t i = 0; i < n; i++) {
		char rss[FMT_SIZE_MAX], rg[FMT_SIZE_MAX + 1], vg[FMT_SIZE_MAX + 1], sw[FMT_SIZE_MAX], t[32];
		char when[80] = "-";

		signed_size(rg, sizeof(rg), g[i].rgrow);
		signed_size(vg, sizeof(vg), g[i].vgrow);
		if (g[i].fc.what)
			snprintf(when, sizeof(when), "out of memory in %s (%s)",
				 forecast_duration(t, sizeof(t), g[i].fc.runs_out_s),
				 strcmp(g[i].fc.what, "cgroup") == 0 ? "its cgroup's limit" : "host");
		fprintf(f, "%8d  %-16.16s %10s %11s %11s %10s  %s\n", g[i].e->pid, g[i].e->comm,
		       fmt_size(rss, sizeof(rss), g[i].e->last.rss), rg, vg,
		       fmt_size(sw, sizeof(sw), g[i].swap), when);
	}
}

/* "rate":..,"forecast":{..}: seconds, -1 for never; what and cgroup_limit null when none */
static void print_forecast_json(FILE *f, const struct forecast *fc)
{
	fprintf(f, "\"rate\":%.0f,\"forecast\":{\"runs_out_s\":%lld,\"what\":", fc->rate,
		forecast_seconds(fc->runs_out_s));
	if (fc->what)
		json_string(f, fc->what);
	else
		fputs("null", f);
	fprintf(f, ",\"available_s\":%lld,\"swap_s\":%lld,\"cgroup_s\":%lld,\"cgroup_limit\":",
		forecast_seconds(fc->available_s), forecast_seconds(fc->swap_s), forecast_seconds(fc->cgroup_s));
	if (fc->cg.limit != UINT64_MAX)
		fprintf(f, "%llu}", (unsigned long long)fc->cg.limit);
	else
		fputs("null}", f);
}

static void print_json(FILE *f, const struct grower *g, size_t n, uint64_t interval_ms)
{
	fprintf(f, "\"interval_ms\":%llu,\"growers\":[", (unsigned long long)interval_ms);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", g[i].e->pid);
		json_string(f, g[i].e->comm);
		fprintf(f, ",\"rss\":%llu,\"rgrow\":%lld,\"vgrow\":%lld,\"swap\":%llu,",
		       (unsigned long long)g[i].e->last.rss, (long long)g[i].rgrow,
		       (long long)g[i].vgrow, (unsigned long long)g[i].swap);
		print_forecast_json(f, &g[i].fc);
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

/* What one refresh shows: the jails as recorded now, the growth since the previous pass. */
struct status {
	bool json, watch, tty;
	size_t top;
	uint64_t interval_ms;
	char state_dir[256];
	struct cgroup_backend cg;
	bool have_cg;
	struct scanner sc;
};

/* Version of the JSON of `status --json` and `diagnose --json`: docs/json-schema.md */
#define STATUS_SCHEMA_VERSION 3

/*
 * Two passes an interval apart: the floor over two samples rose by what the
 * footprint (RSS + swap) grew, when it grew. The cgroup's limit is read for
 * the growers shown.
 */
static void grower_forecast(const struct status *st, struct grower *g)
{
	const struct proc_entry *e = g->e;
	int64_t grew = (int64_t)(e->last.rss + e->last.swap) - (int64_t)(e->prev.rss + e->prev.swap);
	uint64_t dt = e->last.t_ms > e->prev.t_ms ? e->last.t_ms - e->prev.t_ms : 0;
	struct headroom_ctx h = { st->have_cg ? &st->cg : NULL, e->cgroup };
	struct cg_headroom room;
	double rate = grew > 0 && dt ? (double)grew * 1000.0 / (double)dt : 0.0;

	forecast_compute(&g->fc, rate, st->sc.sys.mem.mem_available, st->sc.sys.mem.swap_free,
			 rate > 0.0 && headroom_read(&h, &room) ? &room : NULL);
}

static void frame(struct status *st, FILE *f)
{
	struct jail_state *jails = NULL;
	cleanup_free struct jail_view *views = NULL;
	cleanup_free struct grower *g = NULL;
	size_t n_jails = 0, n = 0;
	int r;

	if (st->have_cg) {
		size_t k = 0;

		/* the record of a run killed outright is no jail: removed where this command may */
		run_jails_sweep(st->state_dir);
		r = jail_load_all(st->state_dir, &jails);
		n_jails = r > 0 ? (size_t)r : 0;
		views = calloc(n_jails ? n_jails : 1, sizeof(*views));
		for (size_t i = 0; views && i < n_jails; i++) {
			if (jails[i].run_pid && !run_jail_live(&jails[i]))
				continue;
			views[k].st = jails[i];
			views[k].alive = jail_alive(&jails[i]);
			cg_usage(&st->cg, jails[i].jail, &views[k++].use);
		}
		n_jails = k;
		free(jails);
	}
	g = calloc(st->sc.procs.n ? st->sc.procs.n : 1, sizeof(*g));
	if (g) {
		track_for_each(&st->sc.procs, e) {
			if (!e->have_prev || e->kthread || e->seen != st->sc.gen)
				continue;
			g[n++] = (struct grower){
				.e = e,
				.rgrow = (int64_t)e->last.rss - (int64_t)e->prev.rss,
				.vgrow = (int64_t)e->last.vsz - (int64_t)e->prev.vsz,
			};
		}
		qsort(g, n, sizeof(*g), by_growth);
		n = MIN(n, st->top);
		for (size_t i = 0; i < n; i++) {
			g[i].swap = proc_vm_swap(g[i].e->pid);
			grower_forecast(st, &g[i]);
		}
	}
	/* the running daemon's own view: its configuration, what it watches, its verdicts */
	cleanup_free char *daemon = NULL;
	int asked = control_ask(st->state_dir, st->json ? "status json" : "status text", &daemon, 2000);

	if (st->json) {
		fprintf(f, "{\"schema_version\":%d,\"time\":%lld,\"daemon\":%s,", STATUS_SCHEMA_VERSION,
			(long long)now_wall(), asked == 0 ? strtok(daemon, "\n") : "null");
		if (views)
			print_jails_json(f, views, n_jails, &st->cg);
		print_json(f, g, n, st->interval_ms);
		fprintf(f, "}\n");
	} else {
		if (asked == 0) {
			fputs(daemon, f);
			fputc('\n', f);
		} else {
			char path[300];

			control_path(st->state_dir, path, sizeof(path));
			fprintf(f, "daemon: none answers on %s (%s); what follows is this command's own\n", path,
				asked == -ENOENT || asked == -ECONNREFUSED ? "none runs"
				: asked == -EACCES			 ? "not allowed: root or the leakjail group"
									 : strerror(-asked));
		}
		if (views)
			print_jails_text(f, views, n_jails, &st->cg);
		fprintf(f, "sampler: %s%s%s%s\n", st->sc.src->describe(st->sc.src_state),
			st->sc.src_why[0] ? " (bpf: " : "", st->sc.src_why, st->sc.src_why[0] ? ")" : "");
		print_text(f, g, n, st->interval_ms);
	}
}

/*
 * --watch on a terminal: the alternate screen, like top; each frame drawn
 * from the top-left corner, every line cleared to its end, cut to the
 * window's height. Leaving restores the screen and the cursor.
 */
#define TERM_ENTER "\033[?1049h\033[?25l"
#define TERM_LEAVE "\033[?25h\033[?1049l"

static void draw(struct status *st)
{
	cleanup_free char *text = NULL;
	size_t len = 0, rows = SIZE_MAX;
	struct winsize ws;
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime_r(&t, &tm));
	if (!st->json)
		fprintf(f, "leakjail status, every %.1f s, %s%s\n\n", (double)st->interval_ms / 1000.0, stamp,
			st->tty ? " (Ctrl-C quits)" : "");
	frame(st, f);
	fclose(f);
	if (!text)
		return;
	if (!st->tty) {
		fputs(text, stdout);
		if (!st->json)
			fputc('\n', stdout);
		fflush(stdout);
		return;
	}
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 1)
		rows = ws.ws_row - 1;
	fputs("\033[H", stdout);
	for (const char *p = text; *p && rows-- > 0;) {
		size_t n = strcspn(p, "\n");

		fprintf(stdout, "%.*s\033[K\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

/* Refresh until SIGINT, SIGTERM or SIGHUP; they are taken by sigtimedwait, never by a handler. */
static int watch_loop(struct status *st)
{
	struct timespec ts = {
		.tv_sec = (time_t)(st->interval_ms / 1000),
		.tv_nsec = (long)(st->interval_ms % 1000) * 1000000L,
	};
	sigset_t mask, old;
	int sig = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (st->tty)
		fputs(TERM_ENTER, stdout);
	scanner_pass(&st->sc);
	while (sig < 0) {
		/* the first frame after one interval: growth needs two passes */
		sig = sigtimedwait(&mask, NULL, &ts);
		if (sig < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (sig >= 0)
			break;
		scanner_pass(&st->sc);
		draw(st);
	}
	if (st->tty)
		fputs(TERM_LEAVE, stdout);
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static const struct cli_opt status_opts[] = {
	{ "-j, --json", "print JSON, one object (with --watch: one a line)" },
	{ "-w, --watch", "refresh the screen, as top does, until interrupted" },
	{ "-i, --interval DURATION", "time between the two samples, or the refreshes (default 1s; 2s with --watch)" },
	{ "-t, --top N", "how many of the processes growing fastest to show (default 10)" },
	{ "-c, --config FILE", "the daemon's settings, for its state_dir (default " LJ_DEFAULT_CONFIG ")" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help status_help = {
	.command = "status",
	.synopsis = "[OPTIONS]",
	.about = "Show the jailed processes (limit, usage, swap, since when, why) and the processes\n"
		 "whose memory grows fastest right now, sampled twice an interval apart.",
	.opts = status_opts,
};

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "top", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "watch", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct config cfg = { .daemon = { .interval_ms = 1000, .scope = (char *)"/" } };
	struct cli_files files = CLI_FILES_DEFAULT;
	bool interval_set = false;
	struct status st = { .top = 10, .interval_ms = 1000 };
	struct config dcfg;
	struct timespec ts;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ji:t:c:wh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			st.json = true;
			break;
		case 'w':
			st.watch = true;
			break;
		case 'i':
			if (!parse_duration_ms(optarg, &st.interval_ms) || st.interval_ms < 100 ||
			    st.interval_ms > 60000)
				return cli_error(&status_help, CLI_USAGE,
						 "invalid --interval '%s' (100ms to 60s)", optarg);
			interval_set = true;
			break;
		case 't': {
			char *end;

			st.top = strtoul(optarg, &end, 10);
			if (*end || end == optarg || optarg[0] == '-' || st.top == 0 || st.top > 100000)
				return cli_error(&status_help, CLI_USAGE, "invalid --top '%s' (a count from 1)",
						 optarg);
			break;
		}
		default:
			r = cli_shared_option(&status_help, CLI_USAGE, c, argv, &files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (optind < argc)
		return cli_error(&status_help, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
	if (cli_config_load(&files, false, &dcfg, NULL) < 0)
		return 1;
	snprintf(st.state_dir, sizeof(st.state_dir), "%s", dcfg.daemon.state_dir);
	/* sample as the daemon does; bpf where this command may load it */
	cfg.daemon.sampler = dcfg.daemon.sampler == SAMPLER_PROC ? SAMPLER_PROC : SAMPLER_AUTO;
	config_free(&dcfg);
	st.have_cg = cg_backend_init(&st.cg, NULL) == 0;
	/* a watch refreshes every 2 s unless told otherwise, as top does */
	if (st.watch && !interval_set)
		st.interval_ms = 2000;
	st.tty = st.watch && isatty(STDOUT_FILENO);

	cfg.daemon.interval_ms = st.interval_ms;
	r = scanner_init(&st.sc, &cfg);
	if (r < 0) {
		fprintf(stderr, "leakjail status: cannot open /proc: %s\n", strerror(-r));
		return 1;
	}
	if (st.watch) {
		r = watch_loop(&st);
	} else {
		scanner_pass(&st.sc);
		ts.tv_sec = (time_t)(st.interval_ms / 1000);
		ts.tv_nsec = (long)(st.interval_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		scanner_pass(&st.sc);
		frame(&st, stdout);
	}
	scanner_free(&st.sc);
	return r < 0 ? 1 : 0;
}
