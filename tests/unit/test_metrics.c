// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "tap.h"

static char *render(const struct metrics *m, const struct metrics_view *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (metrics_render(f, m, v) < 0) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

static void test_label_escape(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	/* the exposition format escapes exactly these three in label values */
	metrics_label(f, "a\"b\\c\nd) R 1");
	fclose(f);
	CHECK(text && strcmp(text, "a\\\"b\\\\c\\nd) R 1") == 0);
	free(text);
}

static void test_render_jails_and_counters(void)
{
	struct metrics m = { .passes = 7, .reloads_ok = 2, .reloads_refused = 1, .last_ok = 1700000000 };
	struct jail_state j = {
		.pid = 4242,
		.comm = "lek\"ker",
		.policy = "default",
		.jail = "leakjail/lekker-4242",
		.since = 1700000001,
		.limits = { .high = 440401920, .max = CG_UNLIMITED, .swap = CG_UNLIMITED },
	};
	struct cg_usage use = { .memory = 400u << 20, .swap = 123456 };
	struct metrics_view v = {
		.backend = "cgroupfs-v1",
		.mount = "/sys/fs/cgroup/memory",
		.jails = &j,
		.usage = &use,
		.n_jails = 1,
		.rss = 4096,
	};
	char *t;

	struct forecast fc = { 0 };
	struct cg_headroom room = { 100u << 20, 1200u << 20, 1100u << 20 };

	/* two leaks in the last pass: the sooner first; one that runs out never is not shown */
	forecast_compute(&fc, 1 << 20, 1u << 30, 0, NULL);
	forecast_note(m.forecasts, &m.n_forecasts, 77, "slow", "default", &fc);
	forecast_compute(&fc, 10 << 20, 1u << 30, 0, &room);
	forecast_note(m.forecasts, &m.n_forecasts, 4242, "lekker", "default", &fc);
	forecast_compute(&fc, 0, 1u << 30, 0, &room);
	forecast_note(m.forecasts, &m.n_forecasts, 9, "flat", "default", &fc);
	CHECK_EQ_U(m.n_forecasts, 2);
	CHECK_EQ_U(m.forecasts[0].pid, 4242);
	metrics_leak(&m, "default");
	metrics_leak(&m, "default");
	metrics_jail_made(&m, "default");
	metrics_jail_failed(&m, "batch");
	t = render(&m, &v);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK(strstr(t, "leakjail_jails 1\n"));
	CHECK(strstr(t, "leakjail_jail_limit_bytes{pid=\"4242\",comm=\"lek\\\"ker\",policy=\"default\","
			"cgroup=\"/sys/fs/cgroup/memory/leakjail/lekker-4242\",backend=\"cgroupfs-v1\"} 440401920\n"));
	CHECK(strstr(t, "leakjail_jail_usage_bytes{pid=\"4242\"") && strstr(t, "} 419430400\n"));
	CHECK(strstr(t, "} 123456\n"));
	CHECK(strstr(t, "leakjail_jail_start_time_seconds{pid=\"4242\"") && strstr(t, "} 1700000001\n"));
	CHECK(strstr(t, "leakjail_leaks_reported_total{policy=\"default\"} 2\n"));
	CHECK(strstr(t, "leakjail_jails_made_total{policy=\"default\"} 1\n"));
	CHECK(strstr(t, "leakjail_jails_failed_total{policy=\"batch\"} 1\n"));
	CHECK(strstr(t, "leakjail_jails_failed_total{policy=\"default\"} 0\n"));
	CHECK(strstr(t, "leakjail_passes_total 7\n"));
	CHECK(strstr(t, "leakjail_forecast_seconds{pid=\"4242\",comm=\"lekker\",policy=\"default\",what=\"cgroup\"} 10\n"));
	CHECK(strstr(t, "leakjail_forecast_seconds{pid=\"77\",comm=\"slow\",policy=\"default\",what=\"host\"} 1024\n"));
	CHECK(strstr(t, "leakjail_forecast_rate_bytes_per_second{pid=\"4242\",comm=\"lekker\",policy=\"default\"} 10485760\n"));
	CHECK(!strstr(t, "pid=\"9\""));
	CHECK(strstr(t, "leakjail_reloads_total{result=\"ok\"} 2\n"));
	CHECK(strstr(t, "leakjail_reloads_total{result=\"refused\"} 1\n"));
	CHECK(strstr(t, "leakjail_last_successful_pass_timestamp_seconds 1700000000\n"));
	CHECK(strstr(t, "# TYPE leakjail_passes_total counter\n"));
	/* no kernel watch: no split */
	CHECK(!strstr(t, "leakjail_memory_bytes"));
	/* every sample line names a leakjail_ series that has a TYPE line */
	{
		char *copy = strdup(t), *save = NULL;

		for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[128] = "", type[160];

			if (line[0] == '#')
				continue;
			sscanf(line, "%127[a-z_]", name);
			CHECK(strncmp(name, "leakjail_", 9) == 0);
			snprintf(type, sizeof(type), "# TYPE %s ", name);
			CHECK(strstr(t, type) != NULL);
		}
		free(copy);
	}
	free(t);
	metrics_free(&m);
}

static void test_unlimited_and_split(void)
{
	struct metrics m = { 0 };
	struct jail_state j = { .pid = 1, .comm = "x", .policy = "p", .jail = "j",
				.limits = { .high = CG_UNLIMITED } };
	struct cg_usage use = { 0 };
	struct mem_split s = { .total = 1000, .free = 400, .anon = 300, .slab_unreclaimable = 100,
			       .unaccounted = 200 };
	unsigned int found[3] = { 1, 2, 0 };
	static const char *const kinds[3] = { "untracked", "slab", "socket" };
	struct metrics_view v = { .jails = &j, .usage = &use, .n_jails = 1, .split = &s,
				  .findings = found, .finding_kinds = kinds, .n_findings = 3 };
	char *t = render(&m, &v);

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK(strstr(t, "leakjail_jail_limit_bytes{pid=\"1\",comm=\"x\",policy=\"p\",cgroup=\"/j\",backend=\"none\"} +Inf\n"));
	CHECK(strstr(t, "leakjail_memory_bytes{part=\"slab_unreclaimable\",group=\"kernel\"} 100\n"));
	CHECK(strstr(t, "leakjail_memory_bytes{part=\"unaccounted\",group=\"unaccounted\"} 200\n"));
	CHECK(strstr(t, "leakjail_kernel_findings_total{kind=\"slab\"} 2\n"));
	free(t);
}

static void test_write_atomic(void)
{
	char dir[] = "/tmp/leakjail-test-metrics-XXXXXX";
	char path[128], bad[160];
	struct metrics m = { 0 };
	struct metrics_view v = { 0 };
	struct stat st;
	char buf[64];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/leakjail.prom", dir);
	CHECK(metrics_write(&m, path, &v) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	f = fopen(path, "r");
	CHECK(f && fgets(buf, sizeof(buf), f) && strncmp(buf, "# HELP leakjail_jails", 21) == 0);
	if (f)
		fclose(f);
	/* a missing directory fails, is said once, and the next good path works */
	snprintf(bad, sizeof(bad), "%s/missing/leakjail.prom", dir);
	CHECK(metrics_write(&m, bad, &v) == -ENOENT);
	CHECK(m.failing);
	CHECK(metrics_write(&m, bad, &v) == -ENOENT);
	CHECK(metrics_write(&m, path, &v) == 0 && !m.failing);
	/* no temporary file left behind */
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0);
	metrics_free(&m);
}

int main(void)
{
	log_init(LOG_TARGET_STDERR, LOG_ERR);
	RUN_TEST(test_label_escape);
	RUN_TEST(test_render_jails_and_counters);
	RUN_TEST(test_unlimited_and_split);
	RUN_TEST(test_write_atomic);
	TAP_DONE();
}
