// SPDX-License-Identifier: GPL-2.0-or-later
/* leakjail release PID... | --all: undo jails. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "jail.h"

static const struct cli_opt release_opts[] = {
	{ "-a, --all", "release every jail recorded in <state_dir>/jails (the daemon's and leakjail run's)" },
	{ "-c, --config FILE", "the daemon's settings: state_dir, jail_parent, backend (default " LJ_DEFAULT_CONFIG ")" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help release_help = {
	.command = "release",
	.synopsis = "[OPTIONS] PID...\n[OPTIONS] --all",
	.about = "Undo a jail: the process goes back to the cgroup it came from (or its unit's\n"
		 "limits are put back), the jail and its record are removed, and so is the jail\n"
		 "parent once it is empty. A jail in place of leakjail run (PID: the command's or\n"
		 "the run's) is lifted by the run. Exit status 1 when any PID could not be released.",
	.opts = release_opts,
};

static int release_one(struct jail_backend *jb, const struct config *cfg, const char *arg)
{
	struct lj_error err = { 0 };
	char done[700];
	char *end;
	long pid = strtol(arg, &end, 10);

	if (*end || end == arg || pid <= 0 || pid > 0x3fffffff) {
		fprintf(stderr, "leakjail release: '%s' is not a pid\n", arg);
		return -EINVAL;
	}
	if (jail_release(jb, cfg->daemon.state_dir, (pid_t)pid, done, sizeof(done), &err) < 0) {
		fprintf(stderr, "leakjail release: %s\n", err.msg);
		return err.code ? err.code : -EIO;
	}
	/* stdout keeps its one line per pid; what was done goes along on stderr, as systemd-run says its unit */
	printf("released pid %ld\n", pid);
	fflush(stdout);
	if (done[0])
		fprintf(stderr, "leakjail release: pid %ld: %s\n", pid, done);
	return 0;
}

/* every record <state_dir>/jails/PID; "PID.tmp" and the like are no records */
static int release_all(struct jail_backend *jb, const struct config *cfg, int *failed)
{
	char dir[512];
	struct dirent **names = NULL;
	int n, released = 0;

	snprintf(dir, sizeof(dir), "%s/jails", cfg->daemon.state_dir);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "leakjail release: cannot read %s: %s\n", dir, strerror(errno));
		(*failed)++;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (name[0] && strspn(name, "0123456789") == strlen(name)) {
			if (release_one(jb, cfg, name) < 0)
				(*failed)++;
			else
				released++;
		}
		free(names[i]);
	}
	free(names);
	return released;
}

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_files files = CLI_FILES_DEFAULT;
	struct cgroup_backend cg;
	struct jail_backend jb;
	struct lj_error err = { 0 };
	struct config cfg;
	bool all = false;
	int c, r, failed = 0, released = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ac:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		default:
			r = cli_shared_option(&release_help, CLI_USAGE, c, argv, &files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (all && optind < argc)
		return cli_error(&release_help, CLI_USAGE, "--all and a PID ('%s') exclude each other",
				 argv[optind]);
	if (!all && optind >= argc)
		return cli_error(&release_help, CLI_USAGE, "no PID to release (or --all)");
	if (cli_config_load(&files, false, &cfg, NULL) < 0)
		return 1;
	if (cg_backend_init(&cg, &err) < 0) {
		fprintf(stderr, "leakjail release: %s\n", err.msg);
		config_free(&cfg);
		return 1;
	}
	if (jail_backend_open(&jb, &cg, cfg.daemon.backend, &err) < 0) {
		fprintf(stderr, "leakjail release: %s\n", err.msg);
		config_free(&cfg);
		return 1;
	}
	if (all) {
		released = release_all(&jb, &cfg, &failed);
		if (!released && !failed)
			fprintf(stderr, "leakjail release: no jails recorded in %s/jails\n", cfg.daemon.state_dir);
	}
	for (int i = optind; i < argc; i++) {
		if (release_one(&jb, &cfg, argv[i]) < 0)
			failed++;
		else
			released++;
	}
	/*
	 * The last jail gone, its parent is an empty cgroup nobody asked for:
	 * remove it (only when empty: the jails left, and the cgroups of
	 * `leakjail run`, live in it too). The daemon makes it again at need.
	 */
	if (released && jb.ops == &jail_cgroupfs_ops)
		cg_remove(&cg, cfg.daemon.jail_parent, NULL);
	jail_backend_close(&jb);
	config_free(&cfg);
	return failed ? 1 : 0;
}
