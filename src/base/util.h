/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every file: scope-bound cleanup, ownership hand-off,
 * reading a small file relative to a directory fd, and monotonic time.
 *
 * Error convention for the whole project: a function that can fail returns 0
 * (or a non-negative count) on success and -errno on failure. Pure parsers
 * return bool. Where a message matters, an `struct lj_error` carries it.
 */
#ifndef LJ_UTIL_H
#define LJ_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define KIB (1024ULL)
#define MIB (1024ULL * 1024ULL)
#define GIB (1024ULL * 1024ULL * 1024ULL)

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define cleanup_free __attribute__((cleanup(freep)))
#define cleanup_close __attribute__((cleanup(closep)))
#define cleanup_file __attribute__((cleanup(fclosep)))
#define cleanup_dir __attribute__((cleanup(closedirp)))

/* Hand ownership of a pointer out of a cleanup-scoped variable. */
static inline void *steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_ptr(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

/* A message for the user; code is -errno (or 0 when there is no error). */
struct lj_error {
	int code;
	char msg[512];
};

int lj_error_set(struct lj_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Read a small file at dirfd/path into buf (NUL-terminated) with one read():
 * /proc files are generated on open, so one read gets a consistent snapshot.
 * Returns the length, or -errno. -ENOENT/-ESRCH mean the process is gone.
 */
ssize_t read_file_at(int dirfd, const char *path, char *buf, size_t size);

/* Like read_file_at but reads the whole file into a malloc()ed buffer. */
ssize_t read_file_alloc(int dirfd, const char *path, char **out);

/* Write a string to dirfd/path in one write(); -errno on failure. */
int write_file_at(int dirfd, const char *path, const char *value);

/* Monotonic clock in milliseconds. */
uint64_t now_ms(void);
/* The same in nanoseconds, to time slices of work. */
uint64_t now_ns(void);

/* Wall clock in seconds, for "since" timestamps shown to people. */
int64_t now_wall(void);

/* Trim leading and trailing white space in place; returns s advanced. */
char *strstrip(char *s);

/* Human-readable size: "612 MiB", "1.5 GiB", "980 KiB". */
const char *fmt_size(char *buf, size_t size, uint64_t bytes);

#define FMT_SIZE_MAX 32

/* Does s start with prefix? */
static inline bool startswith(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (*s != *prefix)
			return false;
	return true;
}

#endif
