// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * births N: N short-lived processes, one after another; the soak test's churn.
 * The program is the benchmark's (tests/bench/births.c), built here too so
 * that the test suites, which see only $O/progs, have it; one source.
 */
#include "../bench/births.c"
