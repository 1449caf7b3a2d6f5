/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny TAP harness: RUN_TEST(fn) runs fn, CHECK(cond) records a failure
 * with its line. Output is TAP ("ok 1 - name"), the exit status the count
 * of failed tests.
 */
#ifndef LJ_TAP_H
#define LJ_TAP_H

#include <stdio.h>

static int tap_run, tap_failed, tap_current_failed;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			tap_current_failed = 1;                                       \
		}                                                                     \
	} while (0)

#define CHECK_EQ_U(a, b)                                                              \
	do {                                                                          \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
		if (_a != _b) {                                                       \
			printf("#   %s:%d: %s == %llu, expected %s == %llu\n", __FILE__,  \
			       __LINE__, #a, _a, #b, _b);                             \
			tap_current_failed = 1;                                       \
		}                                                                     \
	} while (0)

#define RUN_TEST(fn)                                                                  \
	do {                                                                          \
		tap_current_failed = 0;                                               \
		fn();                                                                 \
		tap_run++;                                                            \
		if (tap_current_failed)                                               \
			tap_failed++;                                                 \
		printf("%s %d - %s\n", tap_current_failed ? "not ok" : "ok", tap_run, #fn); \
	} while (0)

#define TAP_DONE()                                    \
	do {                                          \
		printf("1..%d\n", tap_run);           \
		return tap_failed ? 1 : 0;            \
	} while (0)

#endif
