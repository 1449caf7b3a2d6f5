// SPDX-License-Identifier: GPL-2.0-or-later
#include <math.h>
#include <stdint.h>

#include "tap.h"
#include "units.h"

static void test_size(void)
{
	uint64_t v;

	CHECK(parse_size("4096", &v) && v == 4096);
	CHECK(parse_size("64K", &v) && v == 65536);
	CHECK(parse_size("512M", &v) && v == 512ULL << 20);
	CHECK(parse_size("512MiB", &v) && v == 512ULL << 20);
	CHECK(parse_size("1.5G", &v) && v == 3ULL << 29);
	CHECK(parse_size(" 2 g ", &v) && v == 2ULL << 30);
	CHECK(parse_size("2T", &v) && v == 2ULL << 40);
	CHECK(!parse_size("", &v));
	CHECK(!parse_size("M", &v));
	CHECK(!parse_size("-5M", &v));
	CHECK(!parse_size("5X", &v));
	CHECK(!parse_size("5M junk", &v));
	CHECK(!parse_size("inf", &v));
	CHECK(!parse_size("nan", &v));
	CHECK(!parse_size("0x10", &v));
	CHECK(!parse_size("1e3", &v));
	CHECK(!parse_size("99999999999999999999T", &v));
}

static void test_size_spec(void)
{
	struct size_spec s;

	CHECK(parse_size_spec("1.2x", &s) && s.is_factor && fabs(s.factor - 1.2) < 1e-9);
	CHECK(size_spec_resolve(&s, 1000) == 1200);
	CHECK(parse_size_spec("420M", &s) && !s.is_factor && s.bytes == 420ULL << 20);
	CHECK(size_spec_resolve(&s, 1) == 420ULL << 20);
	CHECK(!parse_size_spec("0x", &s));
	CHECK(!parse_size_spec("x", &s));
	CHECK(!parse_size_spec("1.2xx", &s));
}

static void test_duration(void)
{
	uint64_t ms;

	CHECK(parse_duration_ms("500ms", &ms) && ms == 500);
	CHECK(parse_duration_ms("2s", &ms) && ms == 2000);
	CHECK(parse_duration_ms("2", &ms) && ms == 2000);
	CHECK(parse_duration_ms("1.5s", &ms) && ms == 1500);
	CHECK(parse_duration_ms("5m", &ms) && ms == 300000);
	CHECK(parse_duration_ms("1h", &ms) && ms == 3600000);
	CHECK(!parse_duration_ms("1d", &ms));
	CHECK(!parse_duration_ms("s", &ms));
	CHECK(!parse_duration_ms("-1s", &ms));
	CHECK(!parse_duration_ms("100000h", &ms));
}

static void test_rate_fraction_bool(void)
{
	double d;
	bool b;

	CHECK(parse_rate("100/s", &d) && d == 100.0);
	CHECK(parse_rate("2.5", &d) && d == 2.5);
	CHECK(!parse_rate("100/m", &d));
	CHECK(parse_fraction("0.8", &d) && fabs(d - 0.8) < 1e-9);
	CHECK(parse_fraction("80%", &d) && fabs(d - 0.8) < 1e-9);
	CHECK(!parse_fraction("80", &d));
	CHECK(!parse_fraction("120%", &d));
	CHECK(parse_bool("yes", &b) && b);
	CHECK(parse_bool("Off", &b) && !b);
	CHECK(!parse_bool("maybe", &b));
}

int main(void)
{
	RUN_TEST(test_size);
	RUN_TEST(test_size_spec);
	RUN_TEST(test_duration);
	RUN_TEST(test_rate_fraction_bool);
	TAP_DONE();
}
