/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Just enough JSON output for `status --json` and `diagnose --json`. */
#ifndef LJ_JSON_H
#define LJ_JSON_H

#include <stdio.h>

/* Write s as a JSON string, quotes included; control bytes escaped. */
void json_string(FILE *f, const char *s);

#endif
