// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every process's record (taskrec.bpf.h) in one run of a program: the
 * open-coded task iterator (kernels 6.7+) follows the kernel's list of
 * processes under RCU, without looking tasks up by pid or taking references,
 * and the records go to an array the daemon maps (no copy). The daemon runs
 * it with BPF_PROG_TEST_RUN once a pass; n_procs tells how many records
 * there are, or, when it exceeds the array, how big the array must be.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "taskrec.bpf.h"

char LICENSE[] SEC("license") = "GPL";

extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

/* its size is set before load (bpf_map__set_max_entries) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lj_task_rec);
	__uint(max_entries, 1);
} lj_recs SEC(".maps");

__u32 n_procs;

SEC("syscall")
int lj_taskwalk(void *ctx)
{
	unsigned int level = bpf_get_current_task_btf()->thread_pid->level;
	struct bpf_iter_task it;
	struct task_struct *task;
	struct lj_task_rec *r;
	__u32 n = 0;

	(void)ctx;
	bpf_rcu_read_lock();
	bpf_iter_task_new(&it, NULL, BPF_TASK_ITER_ALL_PROCS);
	while ((task = bpf_iter_task_next(&it))) {
		r = bpf_map_lookup_elem(&lj_recs, &n);
		if (!r) {
			/* the array is full: count what it would need */
			if (task->pid == task->tgid)
				n++;
			continue;
		}
		if (lj_task_fill(task, level, r))
			n++;
	}
	bpf_iter_task_destroy(&it);
	bpf_rcu_read_unlock();
	n_procs = n;
	return 0;
}
