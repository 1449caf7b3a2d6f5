/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for the values people write in configuration files and on the
 * command line. Each returns true and stores the value, or false for input
 * it does not accept (the caller names the file, line and value).
 *
 *   size      "4096", "64K", "512M", "1.5G", "2T" (binary units; "MiB" too)
 *   factor    "1.2x": a multiple of something known later (the RSS at jail time)
 *   size spec a size, a factor, or "floor" (jail sizes)
 *   duration  "500ms", "2s", "5m", "1h"; a bare number is seconds
 *   rate      "200", "200/s": events per second
 *   fraction  "0.8", "80%"
 *   bool      yes/no, true/false, on/off, 1/0
 */
#ifndef LJ_UNITS_H
#define LJ_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A jail size: absolute bytes, a factor of the RSS at jail time, or "floor":
 * what the process held before its leak, plus a margin (is_floor).
 */
struct size_spec {
	bool is_floor;
	bool is_factor;
	uint64_t bytes;
	double factor;
};

bool parse_size(const char *s, uint64_t *out);
bool parse_size_spec(const char *s, struct size_spec *out);
bool parse_duration_ms(const char *s, uint64_t *out);
bool parse_rate(const char *s, double *out);
bool parse_fraction(const char *s, double *out);
bool parse_bool(const char *s, bool *out);

/* Resolve a size_spec against a base size (the RSS); absolute sizes pass through. */
uint64_t size_spec_resolve(const struct size_spec *spec, uint64_t base);

#endif
