/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the fuzz targets share. Each tests/fuzz/fuzz_NAME.c defines
 * `static void fuzz_NAME_one(const uint8_t *data, size_t size)`, the whole
 * of what one input does, and LLVMFuzzerTestOneInput() on top of it.
 * tests/unit/test_replay.c includes the same files with LJ_FUZZ_REPLAY
 * defined: no libFuzzer entry point then, and the saved corpus and crash
 * inputs go through exactly the code the fuzzer ran, in the unit-test build.
 *
 * A target checks more than "no crash": FUZZ_ASSERT states what a parser
 * promises (a path stays inside its buffer, a record that passed cannot
 * steer a move out of the cgroup tree). A broken promise aborts, which
 * libFuzzer reports like any crash.
 */
#ifndef LJ_FUZZ_H
#define LJ_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_ASSERT(cond)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", __FILE__, \
				__LINE__, #cond);                                  \
			abort();                                                   \
		}                                                                  \
	} while (0)

/*
 * The input as a C string in a buffer of exactly size + 1 bytes, so that
 * ASan sees a read past the terminating NUL. Text after an embedded NUL is
 * invisible to the parsers, as it is to anyone reading a file into a string.
 */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A directory of this process's own under $TMPDIR, for the targets that
 * go through files (configuration files, jail records). Removed at exit.
 */
static char fuzz_tmpdir_path[256];

static inline int fuzz_tmpdir_unlink(const char *path, const struct stat *st, int type,
				     struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path); /* what cannot go stays behind in $TMPDIR, and the walk goes on */
	return 0;
}

static inline void fuzz_tmpdir_remove(void)
{
	nftw(fuzz_tmpdir_path, fuzz_tmpdir_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

static inline const char *fuzz_tmpdir(void)
{
	if (!fuzz_tmpdir_path[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(fuzz_tmpdir_path, sizeof(fuzz_tmpdir_path), "%s/leakjail-fuzz-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(fuzz_tmpdir_path))
			abort();
		atexit(fuzz_tmpdir_remove);
	}
	return fuzz_tmpdir_path;
}

#ifndef LJ_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ENTRY(fn)                                                 \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)   \
	{                                                              \
		fn(data, size);                                        \
		return 0;                                              \
	}
#else
#define FUZZ_ENTRY(fn)
#endif

#endif
