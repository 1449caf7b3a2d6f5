// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the value parsers of units.h, each on the whole input
 * as one NUL-terminated value, and what each promises of what it accepts.
 */
#include "fuzz.h"

#include <math.h>

#include "units.h"

static void fuzz_units_one(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	struct size_spec spec;
	uint64_t u;
	double d;
	bool b;

	if (parse_size(s, &u)) {
		uint64_t again;

		FUZZ_ASSERT(u < (1ULL << 63));
		/* a size is a size spec too, and means the same there */
		FUZZ_ASSERT(parse_size_spec(s, &spec) && !spec.is_factor && spec.bytes == u);
		FUZZ_ASSERT(parse_size(s, &again) && again == u);
	}
	if (parse_size_spec(s, &spec)) {
		if (spec.is_factor) {
			FUZZ_ASSERT(spec.factor > 0.0 && spec.factor <= 1000.0);
			/* any RSS a process can have: up to 2^48, the x86-64 address space */
			FUZZ_ASSERT(size_spec_resolve(&spec, 0) == 0);
			(void)size_spec_resolve(&spec, 1ULL << 48);
		} else {
			FUZZ_ASSERT(spec.bytes < (1ULL << 63));
			FUZZ_ASSERT(size_spec_resolve(&spec, 12345) == spec.bytes);
		}
	}
	if (parse_duration_ms(s, &u))
		FUZZ_ASSERT(u <= 365ULL * 24 * 3600 * 1000);
	if (parse_rate(s, &d))
		FUZZ_ASSERT(isfinite(d) && d >= 0.0);
	if (parse_fraction(s, &d))
		FUZZ_ASSERT(d >= 0.0 && d <= 1.0);
	parse_bool(s, &b);
	free(s);
}

FUZZ_ENTRY(fuzz_units_one)
