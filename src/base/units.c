// SPDX-License-Identifier: GPL-2.0-or-later
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/*
 * Parse a non-negative decimal number ("12", "1.5") and return where it
 * stopped. strtod() alone would also take "inf", "nan", hex and exponents,
 * none of which belong in a configuration file.
 */
static bool parse_number(const char *s, double *out, const char **end)
{
	const char *p = s;
	bool digits = false;

	while (isspace((unsigned char)*p))
		p++;
	s = p;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	errno = 0;
	*out = strtod(s, NULL);
	if (errno || !isfinite(*out))
		return false;
	*end = p;
	return true;
}

static bool only_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return *p == '\0';
}

struct unit {
	const char *suffix;
	double mult;
};

/* A number with an optional unit suffix (case-insensitive) from the table: value * multiplier. */
static bool parse_scaled(const char *s, const struct unit *units, size_t n_units, double *out)
{
	const char *p;
	char suffix[8];
	size_t n = 0;
	double v;

	if (!parse_number(s, &v, &p))
		return false;
	while (isspace((unsigned char)*p))
		p++;
	while (isalpha((unsigned char)*p) && n + 1 < sizeof(suffix))
		suffix[n++] = (char)tolower((unsigned char)*p++);
	suffix[n] = '\0';
	if (!only_space(p))
		return false;
	for (size_t i = 0; i < n_units; i++) {
		if (strcmp(units[i].suffix, suffix) == 0) {
			*out = v * units[i].mult;
			return true;
		}
	}
	return false;
}

bool parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 },	   { "b", 1 },
		{ "k", 1024.0 },   { "kb", 1024.0 },   { "kib", 1024.0 },
		{ "m", 1048576.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
		{ "t", 1099511627776.0 }, { "tb", 1099511627776.0 }, { "tib", 1099511627776.0 },
	};
	double bytes;

	/* 2^63: far beyond any machine, and still exact in a double. */
	if (!parse_scaled(s, units, ARRAY_SIZE(units), &bytes) || bytes >= 9223372036854775808.0)
		return false;
	*out = (uint64_t)bytes;
	return true;
}

bool parse_size_spec(const char *s, struct size_spec *out)
{
	const char *p;
	double v;

	if (strcmp(s, "floor") == 0) {
		*out = (struct size_spec){ .is_floor = true };
		return true;
	}
	if (parse_number(s, &v, &p) && (*p == 'x' || *p == 'X') && only_space(p + 1)) {
		if (v <= 0.0 || v > 1000.0)
			return false;
		out->is_floor = false;
		out->is_factor = true;
		out->factor = v;
		out->bytes = 0;
		return true;
	}
	if (!parse_size(s, &out->bytes))
		return false;
	out->is_floor = false;
	out->is_factor = false;
	out->factor = 0.0;
	return true;
}

uint64_t size_spec_resolve(const struct size_spec *spec, uint64_t base)
{
	if (!spec->is_factor)
		return spec->bytes;
	return (uint64_t)(spec->factor * (double)base);
}

bool parse_duration_ms(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1000.0 }, { "ms", 1.0 }, { "s", 1000.0 }, { "sec", 1000.0 },
		{ "m", 60000.0 }, { "min", 60000.0 }, { "h", 3600000.0 },
	};
	double ms;

	/* A year is far more than any window or interval needs. */
	if (!parse_scaled(s, units, ARRAY_SIZE(units), &ms) || ms > 365.0 * 24 * 3600 * 1000)
		return false;
	*out = (uint64_t)ms;
	return true;
}

/* A number, then (after spaces) `suffix` or not, then nothing; *had_suffix says which. */
static bool parse_number_suffix(const char *s, const char *suffix, double *out, bool *had_suffix)
{
	size_t n = strlen(suffix);
	const char *p;

	if (!parse_number(s, out, &p))
		return false;
	while (isspace((unsigned char)*p))
		p++;
	*had_suffix = strncmp(p, suffix, n) == 0;
	return only_space(*had_suffix ? p + n : p);
}

bool parse_rate(const char *s, double *out)
{
	double v;
	bool per_s;

	if (!parse_number_suffix(s, "/s", &v, &per_s))
		return false;
	*out = v;
	return true;
}

bool parse_fraction(const char *s, double *out)
{
	double v;
	bool percent;

	if (!parse_number_suffix(s, "%", &v, &percent))
		return false;
	if (percent)
		v /= 100.0;
	else if (v > 1.0)
		return false; /* "80" alone is ambiguous: ask for "80%" or "0.8". */
	if (v > 1.0)
		return false;
	*out = v;
	return true;
}

bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}
