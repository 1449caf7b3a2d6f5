// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What `leakjail check` needs to say about a mistake in a file: control
 * bytes found and shown escaped, a size without its unit, the key a typo
 * most likely meant. Kept apart from the parser (config.c), which calls them.
 */
#include "config-hints.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * A configuration file, a file name or a value can hold bytes that a
 * terminal acts on (ESC sequences, a carriage return that overwrites the
 * line). diag_add() passes every message through here, so none reaches the
 * screen raw: each control byte is shown as \xNN.
 */
char *escape_controls(char *s)
{
	size_t extra = 0;
	char *out, *o;

	for (const char *p = s; *p; p++)
		if (iscntrl((unsigned char)*p))
			extra += 3;
	if (!extra)
		return s;
	out = malloc(strlen(s) + extra + 1);
	if (out) {
		o = out;
		for (const char *p = s; *p; p++) {
			if (iscntrl((unsigned char)*p))
				o += sprintf(o, "\\x%02x", (unsigned char)*p);
			else
				*o++ = *p;
		}
		*o = '\0';
	}
	free(s);
	return out;
}

/*
 * Whether a line read from a file holds a byte that no setting needs: NUL
 * (inih would see the line end there and take what precedes it as the whole
 * value) or another control byte. A tab is whitespace, and a file saved with
 * CRLF line ends is fine.
 */
bool has_control_bytes(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\t' || (ch == '\n' && i + 1 == len) ||
		    (ch == '\r' && i + 2 == len && line[i + 1] == '\n'))
			continue;
		if (iscntrl(ch))
			return true;
	}
	return false;
}

/* The line without its end, NULs included, for a message: diag_add() escapes the rest. */
void escape_line(const char *line, size_t len, char *out, size_t size)
{
	size_t o = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i < len && o + 8 < size; i++) {
		if (line[i] == '\0') {
			memcpy(out + o, "\\x00", 4);
			o += 4;
		} else {
			out[o++] = line[i];
		}
	}
	out[o] = '\0';
}

/* "512", "1.5": a number and nothing else, so no unit says what it counts. */
bool bare_number(const char *v, double *out)
{
	bool digits = false, dot = false;
	const char *p = v;

	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits = true;
		else if (*p == '.' && !dot)
			dot = true;
		else
			return false;
	}
	if (!digits)
		return false;
	*out = strtod(v, NULL);
	return true;
}

/* Optimal string alignment distance: "grwoth" is one transposition from "growth". */
size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			v = MIN(v, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

bool config_cgroup_missing(const struct config *cfg, const struct cgroup_backend *cg, const char *key,
			   char *path, size_t size)
{
	const struct daemon_config *d = &cfg->daemon;

	if (strcmp(key, "scope") == 0) {
		if (strcmp(d->scope, "/") == 0 || cg_exists(cg, d->scope + 1))
			return false;
		cg_path(cg, d->scope + 1, path, size);
		return true;
	}
	if (!d->jail_parent_line || strcmp(d->jail_parent, "leakjail") == 0 || cg_exists(cg, d->jail_parent))
		return false;
	cg_path(cg, d->jail_parent, path, size);
	return true;
}
