/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the sampler finds processes: a source lists them, one pass at a time.
 * - proc (sample-proc.c): the /proc directory. It names each process; the
 *   scanner reads what it needs (stat, statm, status) itself.
 * - bpf (sample-bpf.c): a BPF task iterator. It hands over every process's
 *   identity key, comm, memory figures and cgroup id in one read.
 * The scanner never asks which one it has: it reads files only for a task
 * that comes without figures.
 */
#ifndef LJ_SAMPLE_H
#define LJ_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "history.h"
#include "proc.h"

/* One process, as a source saw it in this pass. */
struct sample_task {
	pid_t pid;
	char name[16];           /* its directory in /proc: the pid in decimal */
	bool full;               /* the fields below are filled in */
	uint64_t starttime;      /* clock ticks since boot, as /proc/PID/stat field 22 */
	char comm[PROC_COMM_MAX];
	uint64_t cgroup_id;      /* changes when it moves to another (memory) cgroup */
	uint64_t exec_id;        /* changes when it execs, not when it renames itself */
	bool no_mm;              /* its main thread has no memory (exited): smp is 0, read a live thread */
	bool threads_live;       /* with no_mm: other threads run (else a zombie) */
	struct sample smp;       /* rss, anon, vsz, swap (bytes); t_ms and faults unset */
};

/* Every function returns 0 or -errno; next() returns 1 while it has a task. */
struct sample_source {
	const char *name;
	bool figures; /* every task comes with its figures: nothing to skip, nothing to read */
	int (*open)(void **state, int procfd);
	int (*begin)(void *state); /* a new pass */
	int (*next)(void *state, struct sample_task *t);
	void (*close)(void *state);
	/* how it samples, for the start-up record and `status`: "bpf (task walk)" */
	const char *(*describe)(void *state);
};

extern const struct sample_source sample_source_proc;
extern const struct sample_source sample_source_bpf;

/* Tests and benchmarks: load the task iterator even where the task walk loads. */
extern bool sample_bpf_iter_only;
/*
 * Tests: the task walk's first array holds this many records (0: twice the
 * tasks there are), and a bigger one is refused with this -errno (0: as
 * the kernel decides), as a kernel short of memory refuses it.
 */
extern uint32_t sample_bpf_walk_cap;
extern int sample_bpf_grow_refused;
/* Tests: the task iterator does not load (-EPERM), as in a sandbox that refuses it. */
extern bool sample_bpf_iter_refused;

/*
 * The source a configuration asks for. SAMPLER_AUTO takes bpf where it loads
 * and proc elsewhere, with the reason bpf did not load in `why` (else "").
 * SAMPLER_BPF fails (with the reason in `why`) where bpf does not load.
 */
int sample_source_choose(enum sampler_kind want, int procfd, const struct sample_source **src,
			 void **state, char *why, size_t why_size);

#endif
