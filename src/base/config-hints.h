/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the messages of config.c: see config-hints.c. */
#ifndef LJ_CONFIG_HINTS_H
#define LJ_CONFIG_HINTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "config.h"

/* Each control byte of s as \xNN. Takes a malloc'ed string, returns one (NULL: out of memory). */
char *escape_controls(char *s);

/* A NUL or a control byte other than a tab (and a CRLF line end) in line[0..len). */
bool has_control_bytes(const char *line, size_t len);

/* line[0..len) without its end, a NUL shown as \x00, cut to fit out. */
void escape_line(const char *line, size_t len, char *out, size_t size);

/* "512", "1.5": a number alone; its value in *out. */
bool bare_number(const char *v, double *out);

/* Optimal string alignment distance; SIZE_MAX past 32 characters. */
size_t edit_distance(const char *a, const char *b);

/*
 * Does the key ("scope" or "jail_parent") name a cgroup that does not exist
 * here? Then true, with its path in path. scope / always exists; the
 * default jail_parent, not set in the file, is made at the first jail on
 * every fresh machine: nothing to say of it.
 */
bool config_cgroup_missing(const struct config *cfg, const struct cgroup_backend *cg, const char *key,
			   char *path, size_t size);

#endif
