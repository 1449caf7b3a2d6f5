// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"

/* each line of the synopsis is a form of the command: "usage: leakjail CMD LINE" */
static void synopsis(FILE *f, const struct cli_help *h)
{
	const char *s = h->synopsis;

	fprintf(f, "usage: leakjail %s ", h->command);
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n')
			fprintf(f, "       leakjail %s ", h->command);
	}
	fputc('\n', f);
}

void cli_help(const struct cli_help *h)
{
	synopsis(stdout, h);
	printf("\n%s\n", h->about);
	if (h->opts && h->opts[0].flags) {
		printf("\noptions:\n");
		for (const struct cli_opt *o = h->opts; o->flags; o++)
			printf("  %-24s %s\n", o->flags, o->help);
	}
}

int cli_error(const struct cli_help *h, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "leakjail %s: ", h->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	synopsis(stderr, h);
	fprintf(stderr, "('leakjail %s --help' describes each option)\n", h->command);
	return status;
}

int cli_bad_option(const struct cli_help *h, int status, int c, char **argv)
{
	/*
	 * A long option is the word getopt just passed (optopt is 0, or the
	 * option's own letter for "--json=1"); a short one may sit in a cluster
	 * ("-qx"), so it is named by optopt.
	 */
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	bool is_long = strncmp(word, "--", 2) == 0 || !optopt;

	if (c == ':') {
		if (is_long)
			return cli_error(h, status, "option '%s' needs a value", word);
		return cli_error(h, status, "option '-%c' needs a value", optopt);
	}
	if (is_long) {
		if (strchr(word, '='))
			return cli_error(h, status, "unknown option, or one that takes no value: '%s'", word);
		return cli_error(h, status, "unknown option '%s'", word);
	}
	return cli_error(h, status, "unknown option '-%c'", optopt);
}

int cli_shared_option(const struct cli_help *h, int status, int c, char **argv, struct cli_files *f)
{
	switch (c) {
	case 'c':
		f->config = optarg;
		f->config_given = true;
		return CLI_NEXT;
	case 'p':
		f->policies = optarg;
		return CLI_NEXT;
	case 'h':
		cli_help(h);
		return 0;
	default:
		return cli_bad_option(h, status, c, argv);
	}
}

int cli_config_load(const struct cli_files *f, bool with_policies, struct config *out, size_t *n_errors)
{
	struct diag_list diags = { 0 };
	int r = config_load(f->config, f->config_given, with_policies ? f->policies : NULL, out, &diags);

	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "%s\n", diags.msgs[i]);
	if (n_errors)
		*n_errors = diags.n;
	diag_free(&diags);
	return r;
}
