// SPDX-License-Identifier: GPL-2.0-or-later
/* leakjail check: validate the configuration and every policy file. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "config-hints.h"
#include "detect.h"
#include "matches.h"

/* "file:line: message" on stderr, through diag_add() so that control bytes are escaped */
static void warn_at(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_at(const char *file, int line, const char *fmt, ...)
{
	struct diag_list d = { 0 };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(&d, file, line, "%s", msg);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	diag_free(&d);
}

/* "daemon interval", one key a line: what the manual and the shell completion must know */
static void list_keys(void)
{
	const char *section, *key;

	for (size_t i = 0; (key = config_key(i, &section)); i++)
		printf("%s %s\n", section, key);
}

/*
 * Settings that are valid but likely wrong on this machine: a scope that
 * does not exist watches nothing, and a jail_parent of another name than
 * the default that does not exist (a typo of one that does?) is made by the
 * daemon where nobody expected it. The files may be meant for
 * another host, so these are warnings and do not fail the check.
 */
static void warn_missing_cgroups(const struct config *cfg)
{
	struct cgroup_backend cg;
	struct lj_error err = { 0 };
	const struct daemon_config *d = &cfg->daemon;
	char path[512];

	if (cg_backend_init(&cg, &err) < 0)
		return;
	if (config_cgroup_missing(cfg, &cg, "scope", path, sizeof(path)))
		warn_at(cfg->config_path, d->scope_line,
			"warning: scope %s does not exist (no %s): the daemon would watch nothing",
			d->scope, path);
	if (config_cgroup_missing(cfg, &cg, "jail_parent", path, sizeof(path)))
		warn_at(cfg->config_path, d->jail_parent_line,
			"warning: jail_parent %s does not exist (no %s): the daemon will create it",
			d->jail_parent, path);
}

static const struct cli_opt check_opts[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_POLICIES,
	{ "-q, --quiet", "say nothing when all is well; errors and warnings still go to stderr" },
	{ "-m, --matches", "then, for each policy, the processes it would watch now and those kept out" },
	{ "-k, --list-keys", "list every key the files may hold, \"SECTION KEY\" a line, and exit" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help check_help = {
	.command = "check",
	.synopsis = "[OPTIONS] [--matches]\n--list-keys",
	.about = "Validate the configuration file and every policy file: each problem is named\n"
		 "as FILE:LINE: message, and any error makes the exit status 1. Settings that\n"
		 "are valid but look wrong on this machine (a scope that does not exist) are\n"
		 "warnings and do not fail the check.",
	.opts = check_opts,
};

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policies", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "list-keys", no_argument, NULL, 'k' },
		{ "matches", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_files files = CLI_FILES_DEFAULT;
	struct config cfg;
	size_t n_errors;
	bool quiet = false, matches = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:p:qkmh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'k':
			list_keys();
			return 0;
		case 'm':
			matches = true;
			break;
		default:
			r = cli_shared_option(&check_help, CLI_USAGE, c, argv, &files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (optind < argc)
		return cli_error(&check_help, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
	if (cli_config_load(&files, true, &cfg, &n_errors) < 0) {
		fprintf(stderr, "%zu error%s\n", n_errors, n_errors == 1 ? "" : "s");
		return 1;
	}
	warn_missing_cgroups(&cfg);
	if (!quiet) {
		printf("%s: %s (interval %llu ms, scope %s, jail_parent %s%s)\n", files.config,
		       access(files.config, F_OK) == 0 ? "ok" : "absent, defaults apply",
		       (unsigned long long)cfg.daemon.interval_ms, cfg.daemon.scope,
		       cfg.daemon.jail_parent, cfg.daemon.dry_run ? ", dry run" : "");
		for (size_t i = 0; i < cfg.n_policies; i++) {
			const struct policy *p = &cfg.policies[i];

			printf("%s:%d: policy %s: %s when growth >= %llu MiB in %llu s, the floor rising in %u of %u quarters\n",
			       p->file, p->line, p->name, p->action == ACTION_JAIL ? "jail" : "log",
			       (unsigned long long)(p->growth >> 20), (unsigned long long)(p->window_ms / 1000),
			       detect_quarters_needed(p), (unsigned int)DETECT_QUARTERS);
		}
	}
	if (matches) {
		r = matches_print(&cfg, stdout);
		if (r < 0) {
			fprintf(stderr, "leakjail check: cannot read /proc: %s\n", strerror(-r));
			config_free(&cfg);
			return 1;
		}
	}
	config_free(&cfg);
	return 0;
}
