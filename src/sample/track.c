// SPDX-License-Identifier: GPL-2.0-or-later
#include "track.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t bucket_of(const struct track_table *t, pid_t pid)
{
	/* pids are dense small integers: the low bits spread well enough */
	return (size_t)pid & (t->n_buckets - 1);
}

int track_init(struct track_table *t)
{
	t->n_buckets = 1024;
	t->n = 0;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -ENOMEM;
}

struct proc_entry *track_find(struct track_table *t, pid_t pid)
{
	for (struct proc_entry *e = t->buckets[bucket_of(t, pid)]; e; e = e->next)
		if (e->pid == pid)
			return e;
	return NULL;
}

static void grow(struct track_table *t)
{
	size_t n_buckets = t->n_buckets * 2;
	struct proc_entry **b = calloc(n_buckets, sizeof(*b));
	struct track_table nt = { b, n_buckets, t->n };

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct proc_entry *e = t->buckets[i];

		while (e) {
			struct proc_entry *next = e->next;
			size_t k = bucket_of(&nt, e->pid);

			e->next = b[k];
			b[k] = e;
			e = next;
		}
	}
	free(t->buckets);
	*t = nt;
}

struct proc_entry *track_add(struct track_table *t, pid_t pid, uint64_t starttime)
{
	struct proc_entry *e = calloc(1, sizeof(*e));
	size_t k;

	if (!e)
		return NULL;
	if (t->n >= t->n_buckets * 2)
		grow(t);
	e->pid = pid;
	e->starttime = starttime;
	k = bucket_of(t, pid);
	e->next = t->buckets[k];
	t->buckets[k] = e;
	t->n++;
	return e;
}

static void entry_clear(struct proc_entry *e)
{
	free(e->exe);
	free(e->cmdline);
	free(e->cgroup);
	free(e->container);
	history_free(&e->hist);
}

void track_reset(struct proc_entry *e, uint64_t starttime)
{
	struct proc_entry *next = e->next;
	pid_t pid = e->pid;

	entry_clear(e);
	memset(e, 0, sizeof(*e));
	e->next = next;
	e->pid = pid;
	e->starttime = starttime;
}

enum track_change track_compare(const struct proc_entry *e, const char *comm, uint64_t image,
				bool text_changed)
{
	bool renamed = strcmp(e->comm, comm) != 0;

	if (text_changed || (e->image && image && e->image != image))
		return TRACK_EXECED;
	if (!renamed)
		return TRACK_SAME;
	/* the name alone cannot tell a rename from an exec: as before, an exec */
	return e->image && image ? TRACK_RENAMED : TRACK_EXECED;
}

void track_sweep(struct track_table *t, uint32_t gen)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct proc_entry **pp = &t->buckets[i];

		while (*pp) {
			struct proc_entry *e = *pp;

			if (e->seen != gen) {
				*pp = e->next;
				entry_clear(e);
				free(e);
				t->n--;
			} else {
				pp = &e->next;
			}
		}
	}
}

void track_free(struct track_table *t)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		while (t->buckets[i]) {
			struct proc_entry *e = t->buckets[i];

			t->buckets[i] = e->next;
			entry_clear(e);
			free(e);
		}
	}
	t->n = 0;
	free(t->buckets);
	t->buckets = NULL;
	t->n_buckets = 0;
}
