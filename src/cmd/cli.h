/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command's command line has in common, as systemd-run, oomctl
 * and earlyoom do it: --help prints what the command does and a line per
 * option; a mistake (an unknown option, a bad value, a stray argument) is
 * one line "leakjail COMMAND: message" and the usage on stderr, exit 2.
 */
#ifndef LJ_CLI_H
#define LJ_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config;

/* the exit status of a command-line mistake */
#define CLI_USAGE 2

struct cli_opt {
	const char *flags; /* "-c, --config FILE" */
	const char *help;  /* one line */
};

/* The options that commands share, as lines of their tables (LJ_DEFAULT_*: config.h). */
#define CLI_OPT_CONFIG { "-c, --config FILE", "the daemon's settings (default " LJ_DEFAULT_CONFIG ")" }
#define CLI_OPT_POLICIES { "-p, --policies DIR", "the policy files, DIR/*.conf (default " LJ_DEFAULT_POLICIES ")" }
#define CLI_OPT_HELP { "-h, --help", "show this help" }

struct cli_help {
	const char *command;        /* "status" */
	const char *synopsis;       /* after "leakjail status ": "[OPTIONS]"; one form a line */
	const char *about;          /* what the command does, a sentence or two */
	const struct cli_opt *opts; /* ends with { NULL, NULL } */
};

/* The files a command may be told of: -c FILE, -p DIR (CLI_FILES_DEFAULT: config.h's defaults). */
struct cli_files {
	const char *config;
	const char *policies;
	bool config_given; /* -c: then the file must exist */
};
#define CLI_FILES_DEFAULT { .config = LJ_DEFAULT_CONFIG, .policies = LJ_DEFAULT_POLICIES }

/* cli_shared_option(): read on */
#define CLI_NEXT (-1)

/*
 * What getopt_long() returned that is not the command's own option: -c and
 * -p (those the option string has) fill f; -h prints the help; anything else
 * is a mistake (cli_bad_option()). Returns CLI_NEXT to read on, else the
 * command's exit status (0 after --help).
 */
int cli_shared_option(const struct cli_help *h, int status, int c, char **argv, struct cli_files *f);

/* --help: the synopsis, what the command does, a line per option; on stdout. */
void cli_help(const struct cli_help *h);

/* "leakjail COMMAND: message" and the synopsis on stderr. Returns status (2, or 125 for run). */
int cli_error(const struct cli_help *h, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * What getopt_long() returned for a mistake ('?' or ':'; the option string
 * must start with ':' so that a missing value is told from an unknown
 * option, and opterr be 0 so that getopt says nothing itself).
 */
int cli_bad_option(const struct cli_help *h, int status, int c, char **argv);

/*
 * config_load() of f->config, and of f->policies when with_policies, for a
 * command: on failure each problem is a line "FILE:LINE: message" on
 * stderr, and *n_errors (when not NULL) says how many. Returns
 * config_load()'s 0 or -errno.
 */
int cli_config_load(const struct cli_files *f, bool with_policies, struct config *out, size_t *n_errors);

#endif
