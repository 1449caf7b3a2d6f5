// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgusage.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int cgusage_init(struct cgusage_table *t, const struct cgroup_backend *cg)
{
	memset(t, 0, sizeof(*t));
	t->cg = cg;
	t->n_buckets = 256;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -ENOMEM;
}

static size_t hash(const struct cgusage_table *t, const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h & (t->n_buckets - 1);
}

static void open_usage(struct cgusage_table *t, struct cgusage *c)
{
	char path[PATH_MAX];

	c->fd = -1;
	if (t->n_open >= CGUSAGE_MAX_OPEN)
		return;
	/* "/" is the mount itself; v2 has no memory.current there, v1 has */
	snprintf(path, sizeof(path), "%s%s/%s", t->cg->mount, strcmp(c->path, "/") ? c->path : "",
		 t->cg->version == CG_V2 ? "memory.current" : "memory.usage_in_bytes");
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd >= 0) {
		struct stat st;

		t->n_open++;
		c->ino = fstat(c->fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
	}
}

static void close_usage(struct cgusage_table *t, struct cgusage *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		t->n_open--;
	}
	c->fd = -1;
}

struct cgusage *cgusage_get(struct cgusage_table *t, const char *path, uint32_t gen)
{
	size_t k = hash(t, path);
	struct cgusage *c;

	for (c = t->buckets[k]; c; c = c->next) {
		if (strcmp(c->path, path) == 0) {
			c->seen = gen;
			return c;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return NULL;
	}
	open_usage(t, c);
	c->grew = true; /* unknown until two readings: treat as changing */
	c->seen = gen;
	c->next = t->buckets[k];
	t->buckets[k] = c;
	t->n++;
	return c;
}

static bool read_usage(int fd, uint64_t *out)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%" SCNu64, out) == 1;
}

/*
 * A cgroup removed and made again under the same path (a service restart)
 * is a new kernfs node: the fd kept of the old one reads ENODEV for ever.
 * Any failed read (or a usage file that could not be opened before) opens
 * the path again, once per pass; a new inode is a new cgroup, whose first
 * reading is no growth figure yet.
 */
static bool reopen_usage(struct cgusage_table *t, struct cgusage *c)
{
	uint64_t old_ino = c->ino;

	if (t->cg->version == CG_V2 && strcmp(c->path, "/") == 0)
		return false; /* the v2 root has no memory.current: nothing to open again */
	close_usage(t, c);
	open_usage(t, c);
	if (c->fd < 0)
		return false;
	if (c->ino != old_ino) {
		c->usage = 0;
		c->replaced++;
	}
	return true;
}

void cgusage_refresh(struct cgusage_table *t)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		for (struct cgusage *c = t->buckets[i]; c; c = c->next) {
			uint64_t u;

			if ((c->fd < 0 || !read_usage(c->fd, &u)) && (!reopen_usage(t, c) || !read_usage(c->fd, &u))) {
				c->grew = true; /* no figure: every process is sampled */
				continue;
			}
			c->grew = u > c->usage + CGUSAGE_GREW || c->usage == 0;
			c->usage = u;
		}
	}
}

void cgusage_sweep(struct cgusage_table *t, uint32_t gen)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct cgusage **pp = &t->buckets[i];

		while (*pp) {
			struct cgusage *c = *pp;

			if (c->seen != gen) {
				*pp = c->next;
				close_usage(t, c);
				free(c->path);
				free(c);
				t->n--;
			} else {
				pp = &c->next;
			}
		}
	}
}

void cgusage_free(struct cgusage_table *t)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		while (t->buckets[i]) {
			struct cgusage *c = t->buckets[i];

			t->buckets[i] = c->next;
			if (c->fd >= 0)
				close(c->fd);
			free(c->path);
			free(c);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}
