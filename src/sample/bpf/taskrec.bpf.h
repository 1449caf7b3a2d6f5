/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One process's record (taskiter.h), filled from its task_struct: what
 * /proc/PID/stat, statm, status and cgroup would tell the sampler. Shared by
 * the two programs that walk the tasks (taskwalk.bpf.c, taskiter.bpf.c).
 *
 * CO-RE: field offsets are relocated against the running kernel's BTF, so one
 * build runs on kernels whose mm_struct differs:
 *   6.2 and later:  struct percpu_counter rss_stat[NR_MM_COUNTERS]
 *   before 6.2:     struct mm_rss_stat { atomic_long_t count[NR_MM_COUNTERS]; } rss_stat
 * Since 6.2 a counter is a percpu_counter: its shared count lags the per-CPU
 * parts by less than the batch (max(32, 2 x CPUs) pages) per CPU. /proc
 * (task_statm, task_mem) sums the parts since 6.16; this reads the shared
 * count, as get_mm_counter() (OOM badness) does: summing needs each CPU's
 * per-CPU offset, which a BPF program finds only through kallsyms data
 * symbols (typed ksyms), and kernels built without CONFIG_KALLSYMS_ALL have
 * none. The lag is bounded and does not grow: a leak still shows.
 *
 * Fields are read with plain loads through the task's BTF-typed pointers
 * (the verifier makes each a load that cannot fault), not with
 * bpf_probe_read_kernel(): a helper call per field cost more than the walk.
 */
#ifndef LJ_BPF_TASKREC_H
#define LJ_BPF_TASKREC_H

#include "taskiter.h"

/* the kernel's anonymous enum in include/linux/mm_types_task.h, stable since 4.x */
#define MM_FILEPAGES 0
#define MM_ANONPAGES 1
#define MM_SWAPENTS 2
#define MM_SHMEMPAGES 3

#define PF_KTHREAD 0x00200000

struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

/* percpu_counter_read(&mm->rss_stat[i]); i must be a constant: CO-RE relocates it */
#define RSS_NEW(mm, i) ((mm)->rss_stat[i].count)
/* before 6.2, a probe read: the verifier of 6.1 does not walk into atomic_long_t (a typedef) */
#define RSS_OLD(mm, i) BPF_CORE_READ((struct mm_struct___pre62 *)(mm), rss_stat.count[i].counter)

static __always_inline __u64 positive(__s64 v)
{
	return v > 0 ? (__u64)v : 0;
}

/*
 * Fill r for task; false for what is no process of the reader's: a thread
 * that does not lead its group, a kernel thread, a process outside the
 * reader's pid namespace. `level`: the depth of the reader's pid namespace.
 */
static __always_inline bool lj_task_fill(struct task_struct *task, unsigned int level,
					 struct lj_task_rec *r)
{
	struct mm_struct *mm;
	struct cgroup *cg;
	struct pid *tp;
	int memcg;

	if (task->pid != task->tgid || (task->flags & PF_KTHREAD))
		return false;
	__builtin_memset(r, 0, sizeof(*r));
	/*
	 * The pid as the reader numbers it: tgid is the pid in the initial
	 * namespace. A leader's thread_pid is its process's struct pid;
	 * numbers[level] is its number in the namespace at that depth.
	 */
	if (level == 0) {
		r->pid = (__u32)task->tgid;
	} else {
		struct pid *me = bpf_get_current_task_btf()->thread_pid;
		struct upid up, mine;

		/*
		 * Visible to the reader when its number at the reader's depth is
		 * in the reader's namespace. A variable index: only a probe read
		 * may take it (once per process, in a child namespace only).
		 */
		tp = task->thread_pid;
		if (!tp || level > tp->level || level > 31 ||
		    bpf_probe_read_kernel(&up, sizeof(up), &tp->numbers[level & 31]) ||
		    bpf_probe_read_kernel(&mine, sizeof(mine), &me->numbers[level & 31]) ||
		    up.ns != mine.ns)
			return false;
		r->pid = (__u32)up.nr;
	}
	r->start_ns = task->start_boottime;
	/* exec increments it (begin_new_exec); a u32 before 5.7: CO-RE sizes the load */
	r->exec_id = task->self_exec_id;
	__builtin_memcpy(r->comm, task->comm, sizeof(r->comm));

	/* v1: the memory hierarchy's cgroup; v2 (hierarchy 0): the one /proc/PID/cgroup names */
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		memcg = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		cg = task->cgroups->subsys[memcg]->cgroup;
		if (cg && cg->root->hierarchy_id != 0) {
			r->cgroup_id = cg->kn->id;
			r->flags |= LJ_TASK_V1_CGROUP;
		}
	}
	if (!(r->flags & LJ_TASK_V1_CGROUP))
		r->cgroup_id = task->cgroups->dfl_cgrp->kn->id;

	mm = task->mm;
	if (!mm) {
		r->flags |= LJ_TASK_NO_MM;
		/*
		 * The leader counts among the group's threads until it is
		 * reaped: more than one, and others run on without it.
		 */
		if (task->signal->nr_threads > 1)
			r->flags |= LJ_TASK_THREADS_LIVE;
	} else if (bpf_core_type_exists(struct mm_rss_stat___pre62)) {
		r->file_pages = positive(RSS_OLD(mm, MM_FILEPAGES));
		r->anon_pages = positive(RSS_OLD(mm, MM_ANONPAGES));
		r->shmem_pages = positive(RSS_OLD(mm, MM_SHMEMPAGES));
		r->swap_pages = positive(RSS_OLD(mm, MM_SWAPENTS));
		r->vm_pages = mm->total_vm;
	} else {
		r->file_pages = positive(RSS_NEW(mm, MM_FILEPAGES));
		r->anon_pages = positive(RSS_NEW(mm, MM_ANONPAGES));
		r->shmem_pages = positive(RSS_NEW(mm, MM_SHMEMPAGES));
		r->swap_pages = positive(RSS_NEW(mm, MM_SWAPENTS));
		r->vm_pages = mm->total_vm;
	}
	return true;
}

#endif
