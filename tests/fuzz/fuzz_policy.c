// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the configuration files, through leakjail's line reader,
 * inih, the key table, the value parsers and the checks across keys.
 * Every input is read twice:
 * - as a policy file's text, by config_parse_policies_string(). A file that
 *   passes must describe a policy the daemon can act on: the limits
 *   jail_limits_for() derives from it are sane for any RSS a process can have.
 * - as leakjail.conf ([daemon]), written to a file (NUL bytes and all) and
 *   loaded by config_load() beside a policies directory holding one policy.
 *   Settings that pass must keep jails inside the cgroup tree.
 *
 * inih keeps its settings in process-wide globals (ini_max_line,
 * ini_allow_multiline, ...): config.c sets the ones it relies on before
 * every parse, and nothing here touches them.
 */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "config.h"
#include "jail.h"

/* No part "", "." or "..": jail_parent is relative, a scope absolute ("/" alone too). */
static bool setting_path_ok(const char *path)
{
	for (const char *p = path;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* A ".." part anywhere: "/run/..", "/../etc" */
static bool has_dotdot_part(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || fchmod(fd, 0644) < 0)
		abort();
	close(fd);
}

static void fuzz_daemon_file(const uint8_t *data, size_t size)
{
	static const char policy[] = "[policy fuzz]\nmatch_comm = fuzz\n";
	const char *dir = fuzz_tmpdir();
	char conf[300], pdir[300], pfile[320];
	struct config cfg;
	struct diag_list diags = { 0 };
	int r;

	snprintf(conf, sizeof(conf), "%s/leakjail.conf", dir);
	snprintf(pdir, sizeof(pdir), "%s/policies.d", dir);
	snprintf(pfile, sizeof(pfile), "%s/fuzz.conf", pdir);
	if (access(pfile, F_OK) < 0) {
		if (mkdir(pdir, 0755) < 0)
			abort();
		write_file(pfile, (const uint8_t *)policy, sizeof(policy) - 1);
	}
	write_file(conf, data, size);
	r = config_load(conf, true, pdir, &cfg, &diags);
	if (r == 0) {
		const struct daemon_config *d = &cfg.daemon;

		FUZZ_ASSERT(diags.n == 0 && cfg.n_policies == 1);
		FUZZ_ASSERT(d->interval_ms >= 100 && d->interval_ms <= 3600 * 1000);
		FUZZ_ASSERT(d->jail_parent[0] != '/' && setting_path_ok(d->jail_parent));
		FUZZ_ASSERT(strcmp(d->scope, "/") == 0 || (d->scope[0] == '/' && setting_path_ok(d->scope + 1)));
		FUZZ_ASSERT(d->state_dir[0] == '/' && !has_dotdot_part(d->state_dir));
		glob_list_match(&d->exempt_comm, "fuzz");
		glob_list_match(&d->exempt_cgroup, "/user.slice/fuzz");
		config_free(&cfg);
	} else {
		FUZZ_ASSERT(r == -EINVAL && diags.n > 0);
	}
	diag_free(&diags);
}

static void check_policy(const struct config *cfg, const struct policy *p)
{
	static const uint64_t rss[] = { 0, 4096, 1ULL << 30, 1ULL << 47 };

	FUZZ_ASSERT(p->name && p->file);
	FUZZ_ASSERT(p->window_ms >= 1000 && p->window_ms >= 2 * cfg->daemon.interval_ms);
	FUZZ_ASSERT(p->growth > 0);
	FUZZ_ASSERT(p->steadiness >= 0.0 && p->steadiness <= 1.0);
	FUZZ_ASSERT(p->jail_size.is_floor ||
			    (p->jail_size.is_factor ? p->jail_size.factor >= 0.1 : p->jail_size.bytes >= 4 * MIB));
	FUZZ_ASSERT(!p->jail_max.is_factor || p->jail_max.factor >= 1.0);
	for (size_t i = 0; i < ARRAY_SIZE(rss); i++) {
		struct cg_limits l = jail_limits_for(p, rss[i], rss[ARRAY_SIZE(rss) - 1 - i]);
		char high[24], max[24];

		FUZZ_ASSERT(l.high >= 4 * MIB && l.high % 4096 == 0);
		/* memory.max is never below memory.high */
		FUZZ_ASSERT(l.max >= l.high);
		FUZZ_ASSERT(l.max == CG_UNLIMITED || l.max % 4096 == 0);
		jail_fmt_limit(high, sizeof(high), l.high);
		jail_fmt_limit(max, sizeof(max), l.max);
	}
	glob_list_match(&p->match_comm, "fuzz");
	glob_list_match(&p->exclude_cmdline, "/usr/bin/fuzz --leak");
}

static void fuzz_policy_one(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct config cfg = { 0 };
	struct diag_list diags = { 0 };
	int r;

	r = config_parse_policies_string("fuzz.conf", text, &cfg, &diags);
	for (size_t i = 0; i < diags.n; i++)
		FUZZ_ASSERT(diags.msgs[i] != NULL);
	if (r == 0) {
		FUZZ_ASSERT(diags.n == 0);
		FUZZ_ASSERT(cfg.n_policies >= 1 && cfg.n_policies <= LJ_POLICIES_MAX);
		for (size_t i = 0; i < cfg.n_policies; i++) {
			check_policy(&cfg, &cfg.policies[i]);
			FUZZ_ASSERT(config_max_window_ms(&cfg) >= cfg.policies[i].window_ms);
		}
		FUZZ_ASSERT(config_keep_policy(&cfg, cfg.policies[cfg.n_policies - 1].name) == 0);
		FUZZ_ASSERT(cfg.n_policies == 1);
	} else {
		FUZZ_ASSERT(diags.n > 0);
	}
	config_free(&cfg);
	diag_free(&diags);
	free(text);
	fuzz_daemon_file(data, size);
}

FUZZ_ENTRY(fuzz_policy_one)
