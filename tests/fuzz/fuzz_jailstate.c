// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the jail records of /run/leakjail/jails/PID, which
 * steer cgroup moves when a jail is released or a restarted daemon takes
 * its jails back.
 *
 * The input's text (up to its first NUL) is a record for jail_state_parse().
 * A record that passes must name a process other than init and a jail and an
 * origin that stay inside the cgroup tree. Then it is written back with
 * jail_state_save() and read with jail_load_all() (files in a private
 * directory under $TMPDIR); when the input holds a NUL, the bytes after it
 * are the comm, and after the next NUL the reason. The comm is whatever the
 * process named itself, newlines included, and must neither lose the record
 * nor change what it says.
 */
#include "fuzz.h"

#include <errno.h>

#include "jail.h"

/* Parts of a cgroup path: none of them "." or "..", and for a jail none empty. */
static bool record_path_ok(const char *path, bool allow_empty)
{
	const char *p = path;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 && !allow_empty)
			return false;
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* The next NUL-terminated field of the tail, as a C string of at most size - 1 bytes. */
static void next_field(const uint8_t **p, const uint8_t *end, char *out, size_t size)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	size_t len = (size_t)((nul ? nul : end) - *p);

	snprintf(out, size, "%.*s", (int)MIN(len, size - 1), (const char *)*p);
	*p = nul ? nul + 1 : end;
}

static void round_trip(struct jail_state *w, const uint8_t *tail, const uint8_t *end)
{
	const char *dir = fuzz_tmpdir();
	struct jail_state *back = NULL;
	int n;

	if (tail) {
		next_field(&tail, end, w->comm, sizeof(w->comm));
		next_field(&tail, end, w->reason, sizeof(w->reason));
	}
	FUZZ_ASSERT(jail_state_save(dir, w) == 0);
	n = jail_load_all(dir, &back);
	/* a record leakjail wrote is read back, and says what was written */
	FUZZ_ASSERT(n == 1);
	FUZZ_ASSERT(back[0].pid == w->pid);
	FUZZ_ASSERT(back[0].starttime == w->starttime);
	FUZZ_ASSERT(strcmp(back[0].origin, w->origin) == 0);
	FUZZ_ASSERT(strcmp(back[0].jail, w->jail) == 0);
	FUZZ_ASSERT(strcmp(back[0].policy, w->policy) == 0);
	FUZZ_ASSERT(back[0].since == w->since);
	FUZZ_ASSERT(memcmp(&back[0].limits, &w->limits, sizeof(w->limits)) == 0);
	FUZZ_ASSERT(strlen(back[0].comm) == strlen(w->comm));
	FUZZ_ASSERT(strlen(back[0].reason) == strlen(w->reason));
	free(back);
	FUZZ_ASSERT(jail_state_remove(dir, w->pid) == 0);
}

static void fuzz_jailstate_one(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	const uint8_t *nul = memchr(data, 0, size);
	struct jail_state j;
	int r;

	r = jail_state_parse(text, &j);
	FUZZ_ASSERT(r == 0 || r == -EINVAL);
	if (r == 0) {
		FUZZ_ASSERT(j.pid > 1);
		FUZZ_ASSERT(j.jail[0] && j.jail[0] != '/' && record_path_ok(j.jail, false));
		FUZZ_ASSERT(j.origin[0] == '/' && record_path_ok(j.origin, true));
		FUZZ_ASSERT(strnlen(j.comm, sizeof(j.comm)) < sizeof(j.comm));
		FUZZ_ASSERT(strnlen(j.reason, sizeof(j.reason)) < sizeof(j.reason));
		round_trip(&j, nul ? nul + 1 : NULL, data + size);
	}
	free(text);
}

FUZZ_ENTRY(fuzz_jailstate_one)
