// SPDX-License-Identifier: GPL-2.0-or-later
/* leakjail release PID...: undo a jail. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "commands.h"
#include "config.h"
#include "jail.h"

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_path = LJ_DEFAULT_CONFIG;
	struct diag_list diags = { 0 };
	struct cgroup_backend cg;
	struct jail_backend jb;
	char done[700];
	struct lj_error err = { 0 };
	struct config cfg;
	bool explicit_config = false;
	int c, failed = 0;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			explicit_config = true;
			break;
		case 'h':
			printf("usage: leakjail release [--config FILE] PID...\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: leakjail release [--config FILE] PID...\n");
		return 2;
	}
	if (config_load(config_path, explicit_config, NULL, &cfg, &diags) < 0) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "%s\n", diags.msgs[i]);
		diag_free(&diags);
		return 1;
	}
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
	for (int i = optind; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);

		if (*end || pid <= 0 || pid > 0x3fffffff) {
			fprintf(stderr, "leakjail release: '%s' is not a pid\n", argv[i]);
			failed++;
			continue;
		}
		if (jail_release(&jb, cfg.daemon.state_dir, (pid_t)pid, done, sizeof(done), &err) < 0) {
			fprintf(stderr, "leakjail release: %s\n", err.msg);
			failed++;
			continue;
		}
		/* stdout keeps its one line per pid; what was done goes along on stderr, as systemd-run says its unit */
		printf("released pid %ld\n", pid);
		fflush(stdout);
		if (done[0])
			fprintf(stderr, "leakjail release: pid %ld: %s\n", pid, done);
	}
	jail_backend_close(&jb);
	config_free(&cfg);
	return failed ? 1 : 0;
}
