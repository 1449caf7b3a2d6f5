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
};

static void usage(FILE *f)
{
	fprintf(f, "usage: leakjail COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'leakjail COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("leakjail %s\n", LJ_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "leakjail: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
