// SPDX-License-Identifier: GPL-2.0-or-later
/* Policy and configuration files: what is accepted, and how what is not is reported. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "detect.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/leakjail-test-config-XXXXXX";

/* Parse text as a policy file; return the diagnostics joined by newlines (caller frees). */
static char *parse(const char *text, struct config *cfg)
{
	struct diag_list d = { 0 };
	size_t len = 1;
	char *out;

	memset(cfg, 0, sizeof(*cfg));
	config_parse_policies_string("p.conf", text, cfg, &d);
	for (size_t i = 0; i < d.n; i++)
		len += strlen(d.msgs[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; i < d.n; i++) {
		strcat(out, d.msgs[i]);
		strcat(out, "\n");
	}
	diag_free(&d);
	return out;
}

static bool has(const char *diags, const char *needle)
{
	if (strstr(diags, needle))
		return true;
	printf("#   expected \"%s\" in:\n#   %s\n", needle, diags);
	return false;
}

static void test_good_policy(void)
{
	struct config cfg;
	char *d = parse("# comment\n"
			"[policy lekker]\n"
			"match_comm = lekker \"my prog\"\n"
			"min_rss = 64M\n"
			"growth = 100M ; inline comment\n"
			"window = 30s\n"
			"steadiness = 90%\n"
			"pressure_swapout = 100/s\n"
			"forecast = 15m\n"
			"action = jail\n"
			"jail_size = 1.2x\n"
			"jail_max = 640M\n"
			"jail_swap = max\n"
			"\n[policy other]\nrss = anon\n",
			&cfg);

	CHECK(strcmp(d, "") == 0);
	CHECK(cfg.n_policies == 2);
	if (cfg.n_policies == 2) {
		const struct policy *p = &cfg.policies[0];

		CHECK(strcmp(p->name, "lekker") == 0 && p->line == 2);
		CHECK(p->match_comm.n == 2 && strcmp(p->match_comm.items[1], "my prog") == 0);
		CHECK(glob_list_match(&p->match_comm, "my prog"));
		CHECK(p->min_rss == 64 * MIB && p->growth == 100 * MIB && p->window_ms == 30000);
		CHECK(p->steadiness > 0.89 && p->pressure_swapout == 100.0);
		CHECK(p->forecast_ms == 15 * 60 * 1000 && cfg.policies[1].forecast_ms == 0);
		CHECK(p->action == ACTION_JAIL && p->jail_size.is_factor && p->jail_max.bytes == 640 * MIB);
		CHECK(p->jail_swap == UINT64_MAX);
		CHECK(cfg.policies[1].rss == RSS_ANON && cfg.policies[1].action == ACTION_LOG);
	}
	free(d);
	config_free(&cfg);
}

static void test_errors_name_line(void)
{
	struct config cfg;
	char *d = parse("[policy a]\n"
			"growth = 10Q\n"
			"colour = blue\n"
			"window = 30s\n"
			"window = 40s\n"
			"[polcy b]\n"
			"growth = 1M\n"
			"[policy a]\n"
			"[policy bad/name]\n"
			"this line has no equals sign\n"
			"[policy c]\n"
			"window = 1s\n"
			"jail_max = 0.5x\n"
			"steadiness = 150%\n"
			"[policy d]\n"
			"pressure_swapout = 0\n"
			"jail_size = 0.05x\n",
			&cfg);

	CHECK(has(d, "p.conf:2: invalid growth '10Q'"));
	CHECK(has(d, "p.conf:3: unknown key 'colour' in [policy]"));
	CHECK(has(d, "p.conf:5: duplicate key 'window'"));
	CHECK(has(d, "p.conf:6: unknown section [polcy b]"));
	CHECK(has(d, "p.conf:8: policy 'a' is already defined at p.conf:1"));
	CHECK(has(d, "p.conf:9: invalid policy name 'bad/name'"));
	CHECK(has(d, "p.conf:10: syntax error"));
	CHECK(has(d, "p.conf:13: jail_max = 0.5x"));
	CHECK(has(d, "p.conf:14: invalid steadiness '150%'"));
	CHECK(has(d, "p.conf:16: pressure_swapout = 0: must be above 0"));
	CHECK(has(d, "p.conf:17: jail_size = 0.05x: a factor below 0.1x"));
	/* keys of a refused section are not reported one by one */
	CHECK(!strstr(d, "p.conf:7:"));
	free(d);
	config_free(&cfg);
}

static void test_window_vs_interval(void)
{
	struct config cfg;
	char *d = parse("[policy a]\nwindow = 3s\n", &cfg);

	/* the default interval is 2 s: a 3 s window holds one step */
	CHECK(has(d, "p.conf:2: policy 'a': window = 3s can never report at interval = 2s: the floor must rise "
		     "from one sample to the next within it: the least window is 4s"));
	free(d);
	config_free(&cfg);
	/* 2 and 3 intervals were accepted with steadiness = 100 %, and could not report */
	d = parse("[policy a]\nwindow = 2s\n\n[policy b]\nsteadiness = 100%\nwindow = 6s\n", &cfg);
	CHECK(has(d, "p.conf:2: policy 'a': window = 2s can never report at interval = 2s"));
	CHECK(has(d, "p.conf:6: policy 'b': window = 6s can never report at interval = 2s: the floor must rise "
		     "in 4 of 4 quarters, one sample each at least: the least window is 8s"));
	free(d);
	config_free(&cfg);
	d = parse("[policy a]\nwindow = 6s\n\n[policy b]\nsteadiness = 100%\nwindow = 8s\n"
		  "[policy c]\nsteadiness = 0\nwindow = 4s\n", &cfg);
	CHECK(strcmp(d, "") == 0);
	free(d);
	config_free(&cfg);
}

/* First sample (index) at which a steady leak is reported, or -1 in 40 samples. */
static int steady_leak_reported(double steadiness, uint64_t window_ms, uint64_t interval_ms)
{
	struct history h = { 0 };
	int found = -1;
	struct policy p = {
		.growth = 10 * MIB,
		.window_ms = window_ms,
		.steadiness = steadiness,
		.pressure_swapout = -1.0,
		.pressure_some = -1.0,
		.pressure_full = -1.0,
		.action = ACTION_LOG,
	};

	history_resize(&h, HISTORY_BUCKETS_MAX);
	history_configure(&h, window_ms, window_ms, HK_TOTAL);
	for (int i = 0; i < 40; i++) {
		struct sample s = { .t_ms = 1000000 + (uint64_t)i * interval_ms, .rss = (uint64_t)i * 20 * MIB };
		struct evidence ev;

		s.anon = s.rss;
		history_push(&h, &s, 64 * 1024);
		/* the slack the daemon gives (watch.c) */
		if (detect(&p, &h, NULL, interval_ms / 2, &ev) == VERDICT_LEAK) {
			found = i;
			break;
		}
	}
	history_free(&h);
	return found;
}

/* The least window the check accepts is the least the detector reports in. */
static void test_least_window_is_the_detectors(void)
{
	static const double steadiness[] = { 0.0, 0.5, 0.75, 0.8, 1.0 };

	for (size_t i = 0; i < sizeof(steadiness) / sizeof(steadiness[0]); i++) {
		struct policy p = { .steadiness = steadiness[i] };
		uint64_t least = policy_least_window_ms(&p, 1000);

		CHECK(policy_quarters_needed(&p) == detect_quarters_needed(&p));
		CHECK(steady_leak_reported(steadiness[i], least, 1000) >= 0);
		/* just below: three intervals for every quarter; one interval for the rest */
		CHECK(steady_leak_reported(steadiness[i], policy_quarters_needed(&p) == 4 ? least - 500 : 1000, 1000) < 0);
	}
}

/*
 * Debian's inih splits a line longer than its buffer, and the tail becomes a
 * line of its own: here it would read "action = jail".
 */
static void test_history_and_policy_limits(void)
{
	struct config cfg;
	char text[64 * 40 + 64];
	char *d;

	/* 12 h at the default 2 s interval is kept in the same bounded history as 20 s */
	d = parse("[policy long]\nwindow = 12h\n", &cfg);
	CHECK(d && d[0] == '\0');
	free(d);
	config_free(&cfg);
	d = parse("[policy long]\nwindow = 200h\n", &cfg);
	CHECK(has(d, "p.conf:2: policy 'long': window is longer than 7 days"));
	free(d);
	config_free(&cfg);

	text[0] = '\0';
	for (int i = 0; i < 65; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "[policy p%d]\n", i);
	d = parse(text, &cfg);
	CHECK(has(d, "p.conf:65: more than 64 policies"));
	free(d);
	config_free(&cfg);
}

static void test_long_line_injection(void)
{
	struct config cfg;
	char text[9000];
	char *d;

	strcpy(text, "[policy a]\nmatch_cmdline = ");
	memset(text + strlen(text), 'x', 5000);
	strcpy(text + 27 + 5000, " action = jail\n");
	d = parse(text, &cfg);
	CHECK(has(d, "p.conf:2: line too long"));
	CHECK(cfg.n_policies == 0 || cfg.policies[0].action == ACTION_LOG);
	free(d);
	config_free(&cfg);

	/* 300 bytes is longer than inih's default buffer, and fine here */
	strcpy(text, "[policy a]\nmatch_cmdline = ");
	memset(text + 27, 'y', 300);
	strcpy(text + 27 + 300, "\naction = log\n");
	d = parse(text, &cfg);
	CHECK(strcmp(d, "") == 0);
	CHECK(cfg.n_policies == 1 && strlen(cfg.policies[0].match_cmdline.items[0]) == 300);
	free(d);
	config_free(&cfg);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			CHECK(0);
		close(fd);
	}
	chmod(path, mode);
}

static void test_files_and_permissions(void)
{
	char conf[256], dir[256], pol[256];
	struct diag_list d = { 0 };
	struct config cfg;

	snprintf(conf, sizeof(conf), "%s/leakjail.conf", tmpdir);
	snprintf(dir, sizeof(dir), "%s/policies.d", tmpdir);
	snprintf(pol, sizeof(pol), "%s/policies.d/10-a.conf", tmpdir);
	mkdir(dir, 0755);
	write_file(conf, "[daemon]\ninterval = 1s\nscope = /leakjail-test\n", 0644);
	write_file(pol, "[policy a]\nwindow = 10s\n", 0644);
	CHECK(config_load(conf, true, dir, &cfg, &d) == 0 && d.n == 0);
	CHECK(cfg.daemon.interval_ms == 1000 && strcmp(cfg.daemon.scope, "/leakjail-test") == 0);
	config_free(&cfg);

	/* group-writable: refused, and the message names the file */
	chmod(pol, 0664);
	CHECK(config_load(conf, true, dir, &cfg, &d) == -EINVAL);
	CHECK(d.n >= 1 && strstr(d.msgs[0], "10-a.conf: writable by group or others"));
	diag_free(&d);
	chmod(pol, 0644);

	/* a policy section in the daemon's file, and a bad scope */
	write_file(conf, "[daemon]\nscope = relative\n[policy x]\n", 0644);
	CHECK(config_load(conf, true, dir, &cfg, &d) == -EINVAL);
	CHECK(d.n == 2);
	CHECK(d.n == 2 && strstr(d.msgs[0], "leakjail.conf:2: invalid scope 'relative'"));
	CHECK(d.n == 2 && strstr(d.msgs[1], "leakjail.conf:3: unknown section [policy x]"));
	diag_free(&d);

	/* a second [daemon] section would silently override the first */
	write_file(conf, "[daemon]\ninterval = 1s\n[daemon]\ninterval = 5s\n", 0644);
	CHECK(config_load(conf, true, dir, &cfg, &d) == -EINVAL);
	CHECK(d.n == 1 && strstr(d.msgs[0], "leakjail.conf:3: a second [daemon] section (the first is at line 1)"));
	diag_free(&d);

	/* interval = 0 is refused, and does not take the window check down with it */
	write_file(conf, "[daemon]\ninterval = 0\n", 0644);
	CHECK(config_load(conf, true, dir, &cfg, &d) == -EINVAL);
	CHECK(d.n >= 1 && strstr(d.msgs[0], "leakjail.conf:2: interval = 0: out of range"));
	diag_free(&d);

	/* a missing file the user named is an error; the default one may be absent */
	unlink(conf);
	CHECK(config_load(conf, true, dir, &cfg, &d) == -EINVAL && d.n == 1);
	diag_free(&d);
	CHECK(config_load(conf, false, dir, &cfg, &d) == 0);
	config_free(&cfg);

	/* an empty policies directory has nothing to do: an error */
	unlink(pol);
	CHECK(config_load(conf, false, dir, &cfg, &d) == -EINVAL && d.n == 1);
	diag_free(&d);
	rmdir(dir);
}

/* systemd escapes unit names with backslashes: in cgroup globs a backslash is a character */
static void test_cgroup_globs(void)
{
	struct config cfg;
	char *d = parse("[policy units]\n"
			"match_cgroup = /system.slice/system-systemd\\x2dfsck.slice/* /user.slice/user-1000.slice/user@1000.service/*\n"
			"match_comm = a\\*\n"
			"jail_size = floor\n"
			"jail_max = floor\n",
			&cfg);

	CHECK(has(d, "jail_max = floor: floor is for jail_size"));
	free(d);
	config_free(&cfg);
	d = parse("[policy units]\n"
		  "match_cgroup = /system.slice/system-systemd\\x2dfsck.slice/* /user.slice/user-1000.slice/user@1000.service/*\n"
		  "match_comm = a\\*\n"
		  "steadiness = 90%\n",
		  &cfg);
	CHECK(strcmp(d, "") == 0);
	if (cfg.n_policies == 1) {
		const struct policy *p = &cfg.policies[0];

		CHECK(glob_list_match(&p->match_cgroup, "/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-vda.service"));
		CHECK(glob_list_match(&p->match_cgroup, "/user.slice/user-1000.slice/user@1000.service/app.slice"));
		CHECK(!glob_list_match(&p->match_cgroup, "/system.slice/system-systemdx2dfsck.slice/x"));
		/* elsewhere a backslash still escapes: "a\\*" is the name "a*" */
		CHECK(glob_list_match(&p->match_comm, "a*") && !glob_list_match(&p->match_comm, "ab"));
		CHECK(p->jail_size.is_floor);
	}
	free(d);
	config_free(&cfg);
}

static void test_shipped_files(void)
{
	struct diag_list d = { 0 };
	struct config cfg;

	CHECK(config_load("policies/leakjail.conf", true, "policies/policies.d", &cfg, &d) == 0);
	for (size_t i = 0; i < d.n; i++)
		printf("#   %s\n", d.msgs[i]);
	diag_free(&d);
	/* exempt by what a process cannot claim: its executable and its cgroup */
	CHECK(glob_list_match(&cfg.daemon.exempt_exe, "/usr/sbin/sshd"));
	CHECK(glob_list_match(&cfg.daemon.exempt_exe, "/lib/systemd/systemd-journald"));
	CHECK(glob_list_match(&cfg.daemon.exempt_cgroup, "/system.slice/ssh.service"));
	CHECK(!glob_list_match(&cfg.daemon.exempt_exe, "/tmp/sshd"));
	/* a fast and a slow time scale, both jailing from the floor */
	CHECK(cfg.n_policies == 2 && cfg.policies[0].jail_size.is_floor && cfg.policies[1].jail_size.is_floor);
	CHECK(cfg.n_policies == 2 && cfg.policies[0].window_ms == 120000 && cfg.policies[1].window_ms == 6 * 3600000ULL);
	config_free(&cfg);
	CHECK(config_load("policies/leakjail.conf", true, "policies/examples", &cfg, &d) == 0);
	for (size_t i = 0; i < d.n; i++)
		printf("#   %s\n", d.msgs[i]);
	diag_free(&d);
	config_free(&cfg);
}

/* A size without a unit is refused with the unit it likely lacks; zero needs none. */
static void test_size_needs_unit(void)
{
	struct config cfg;
	char *d = parse("[policy a]\n"
			"growth = 512\n"
			"min_rss = 1024\n"
			"jail_size = 1.5\n"
			"jail_max = 2000000\n"
			"pressure_available = 0\n"
			"jail_swap = 0\n"
			"[policy b]\n"
			"jail_size = 512\n",
			&cfg);

	CHECK(has(d, "p.conf:2: growth = 512: a size needs a unit: 512M?"));
	CHECK(has(d, "p.conf:3: min_rss = 1024: a size needs a unit: 1024M?"));
	CHECK(has(d, "p.conf:4: jail_size = 1.5: a factor needs an x, a size a unit: 1.5x?"));
	CHECK(has(d, "p.conf:5: jail_max = 2000000: a size needs a unit: 2000000B (1.9M)?"));
	CHECK(has(d, "p.conf:9: jail_size = 512: a size needs a unit: 512M?"));
	CHECK(!strstr(d, "p.conf:6:") && !strstr(d, "p.conf:7:"));
	free(d);
	config_free(&cfg);
}

/* A mistyped key gets the key it most likely meant; a key of the other file says where it goes. */
static void test_key_suggestions(void)
{
	struct config cfg;
	char *d = parse("[policy a]\n"
			"grwoth = 5M\n"
			"windo = 30s\n"
			"exempt_comm = sshd\n"
			"colour = blue\n",
			&cfg);

	CHECK(has(d, "p.conf:2: unknown key 'grwoth' in [policy]: did you mean growth?"));
	CHECK(has(d, "p.conf:3: unknown key 'windo' in [policy]: did you mean window?"));
	CHECK(has(d, "p.conf:4: unknown key 'exempt_comm' in [policy]: exempt_comm belongs in [daemon]"));
	CHECK(has(d, "p.conf:5: unknown key 'colour' in [policy]\n"));
	free(d);
	config_free(&cfg);
}

/* NUL and control bytes: refused with the line, and never echoed raw */
static void test_control_bytes(void)
{
	static const char text[] = "[policy a]\nmatch_comm = ok\ngrowth = 5\0G\n"
				   "match_user = \x1b[2Jroot\nmatch_exe = /bin/a\tb\r\n";
	char pol[300], dir[256];
	struct diag_list d = { 0 };
	struct config cfg;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/ctl.d", tmpdir);
	snprintf(pol, sizeof(pol), "%s/10-ctl.conf", dir);
	mkdir(dir, 0755);
	f = fopen(pol, "w");
	CHECK(f && fwrite(text, 1, sizeof(text) - 1, f) == sizeof(text) - 1);
	if (f)
		fclose(f);
	CHECK(config_load("/nonexistent.conf", false, dir, &cfg, &d) == -EINVAL);
	CHECK(d.n == 2);
	CHECK(d.n == 2 && strstr(d.msgs[0], "10-ctl.conf:3: a control byte in line 'growth = 5\\x00G'"));
	CHECK(d.n == 2 && strstr(d.msgs[1], "10-ctl.conf:4: a control byte in line 'match_user = \\x1b[2Jroot'"));
	for (size_t i = 0; i < d.n; i++)
		for (const char *p = d.msgs[i]; *p; p++)
			CHECK(*p != '\x1b');
	diag_free(&d);
	unlink(pol);
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN_TEST(test_good_policy);
	RUN_TEST(test_errors_name_line);
	RUN_TEST(test_window_vs_interval);
	RUN_TEST(test_least_window_is_the_detectors);
	RUN_TEST(test_history_and_policy_limits);
	RUN_TEST(test_long_line_injection);
	RUN_TEST(test_files_and_permissions);
	RUN_TEST(test_cgroup_globs);
	RUN_TEST(test_shipped_files);
	RUN_TEST(test_size_needs_unit);
	RUN_TEST(test_key_suggestions);
	RUN_TEST(test_control_bytes);
	rmdir(tmpdir);
	TAP_DONE();
}
