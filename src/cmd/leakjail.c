// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail: contain leaking processes in memory-limited cgroups.
 * main() only dispatches; each subcommand lives in a file of its own.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

#ifndef LJ_VERSION
#define LJ_VERSION "0.1"
#endif

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "daemon", cmd_daemon, "sample, detect and contain leaks (the supervisor)" },
	{ "run", cmd_run, "run a command in a cgroup of its own, jail it in place if it leaks" },
	{ "check", cmd_check, "validate the configuration and policies" },
	{ "status", cmd_status, "jailed processes, and the processes growing fastest right now" },
	{ "explain", cmd_explain, "ask the running daemon why a process is, or is not, a leak" },
	{ "release", cmd_release, "undo a jail: the process goes back where it came from" },
	{ "diagnose", cmd_diagnose, "where the memory is: kernel-side leaks that cannot be jailed" },
	{ "help", cmd_help, "this list, or with a COMMAND that command's options" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: leakjail COMMAND [OPTIONS]\n"
		   "       leakjail help [COMMAND]\n"
		   "       leakjail -V|--version\n\n"
		   "Contain leaking processes: watch how their memory grows and hold a leaker\n"
		   "in a memory-limited cgroup so that it swaps itself, not the others.\n"
		   "\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'leakjail help COMMAND' or 'leakjail COMMAND --help' describes a command's options.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* leakjail help [COMMAND]: the list, or what COMMAND --help says */
static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char *help_argv[] = { NULL, (char *)"--help", NULL };

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "leakjail help: unexpected argument '%s'\nusage: leakjail help [COMMAND]\n",
			argv[2]);
		return 2;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "leakjail help: unknown command '%s'\nusage: leakjail help [COMMAND]\n",
			argv[1]);
		return 2;
	}
	if (c->fn == cmd_help) {
		usage(stdout);
		return 0;
	}
	help_argv[0] = argv[1];
	return c->fn(2, help_argv);
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("leakjail %s\n", LJ_VERSION);
		return 0;
	}
	c = find_command(argv[1]);
	if (c)
		return c->fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		fprintf(stderr, "leakjail: unknown option '%s' (options follow the COMMAND)\n", argv[1]);
	else
		fprintf(stderr, "leakjail: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
