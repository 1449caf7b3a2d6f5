// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail explain [--json] [--config FILE] PID: why the running daemon
 * judges this process a leak, or not, under each policy that sees it, or
 * why no policy does. The verdicts and histories are the daemon's: this
 * command only asks it (control.h), and draws for the terminal it runs in.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "control.h"
#include "util.h"

static const struct cli_opt explain_opts[] = {
	{ "-j, --json", "the answer as JSON" },
	{ "-c, --config FILE", "the daemon's settings: its state_dir holds the control socket (default " LJ_DEFAULT_CONFIG ")" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help explain_help = {
	.command = "explain",
	.synopsis = "[OPTIONS] PID",
	.about = "Ask the running daemon why process PID is, or is not, a leak under each policy\n"
		 "that sees it (or why none does), with its footprint and floor over the window\n"
		 "drawn in the terminal. Exit status 1 when no daemon answers or it has not seen PID.",
	.opts = explain_opts,
};

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_files files = CLI_FILES_DEFAULT;
	bool json = false, utf8;
	cleanup_free char *reply = NULL;
	char req[96], path[300];
	struct config cfg;
	struct winsize ws;
	unsigned int width = 80;
	char *end;
	long pid;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		default:
			r = cli_shared_option(&explain_help, CLI_USAGE, c, argv, &files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (optind == argc)
		return cli_error(&explain_help, CLI_USAGE, "which PID?");
	if (optind + 1 != argc)
		return cli_error(&explain_help, CLI_USAGE, "unexpected argument '%s' (one PID only)", argv[optind + 1]);
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || end == argv[optind] || *end || pid <= 0 || pid > 4194304)
		return cli_error(&explain_help, CLI_USAGE, "'%s' is not a pid", argv[optind]);
	if (cli_config_load(&files, false, &cfg, NULL) < 0)
		return 1;
	/* the sparklines in the terminal's own characters, across its width */
	setlocale(LC_CTYPE, "");
	utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		width = ws.ws_col;
	snprintf(req, sizeof(req), "explain %ld %s %s width=%u", pid, json ? "json" : "text", utf8 ? "utf8" : "ascii",
		 width);
	control_path(cfg.daemon.state_dir, path, sizeof(path));
	r = control_ask(cfg.daemon.state_dir, req, &reply, 5000);
	config_free(&cfg);
	if (r < 0) {
		fprintf(stderr, "leakjail explain: no daemon answers on %s: %s\n", path,
			r == -ENOENT || r == -ECONNREFUSED ? "none runs (explain asks the running daemon)"
			: r == -EACCES			   ? "not allowed: root or the leakjail group only"
							   : strerror(-r));
		return 1;
	}
	fputs(reply, stdout);
	return strstr(reply, "not seen by the daemon") ? 1 : 0;
}
