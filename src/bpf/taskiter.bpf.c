// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A task iterator that writes, for every process (thread-group leader) but
 * kernel threads, what /proc/PID/stat, statm and status would tell the
 * sampler: start time, comm, resident file/anonymous/shmem pages, swap
 * entries, address space size, and its memory cgroup. One read() of the
 * iterator's fd walks them all in the kernel: no open/read/close per process.
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
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "taskiter.h"

char LICENSE[] SEC("license") = "GPL";

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

/*
 * Fields are read with plain loads through the task's BTF-typed pointers
 * (the verifier makes each a load that cannot fault), not with
 * bpf_probe_read_kernel(): a helper call per field cost more than the walk.
 * percpu_counter_read(&mm->rss_stat[i]); i must be a constant: CO-RE relocates it.
 */
#define RSS_NEW(mm, i) ((mm)->rss_stat[i].count)
#define RSS_OLD(mm, i) (((struct mm_struct___pre62 *)(mm))->rss_stat.count[i].counter)

static __always_inline __u64 positive(__s64 v)
{
	return v > 0 ? (__u64)v : 0;
}

SEC("iter/task")
int lj_taskiter(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct seq_file *seq = ctx->meta->seq;
	struct lj_task_rec r = {};
	struct mm_struct *mm;
	struct cgroup *cg;
	struct pid *tp;
	unsigned int level;
	int memcg;

	if (!task || task->pid != task->tgid || (task->flags & PF_KTHREAD))
		return 0;
	/*
	 * The pid as the reader numbers it: the iterator walks the reader's pid
	 * namespace, but tgid is the pid in the initial one. A leader's
	 * thread_pid is its process's struct pid; numbers[level] is its number
	 * in the namespace at that depth (the reader's, which holds it).
	 */
	level = bpf_get_current_task_btf()->thread_pid->level;
	tp = task->thread_pid;
	if (!tp || level > tp->level)
		return 0;
	if (level == 0) {
		r.pid = (__u32)tp->numbers[0].nr;
	} else {
		struct upid up;

		/* a variable index: only a probe read may take it */
		if (level > 31 || bpf_probe_read_kernel(&up, sizeof(up), &tp->numbers[level & 31]))
			return 0;
		r.pid = (__u32)up.nr;
	}
	r.start_ns = task->start_boottime;
	__builtin_memcpy(r.comm, task->comm, sizeof(r.comm));

	/* v1: the memory hierarchy's cgroup; v2 (hierarchy 0): the one /proc/PID/cgroup names */
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		memcg = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		cg = task->cgroups->subsys[memcg]->cgroup;
		if (cg && cg->root->hierarchy_id != 0) {
			r.cgroup_id = cg->kn->id;
			r.flags |= LJ_TASK_V1_CGROUP;
		}
	}
	if (!(r.flags & LJ_TASK_V1_CGROUP))
		r.cgroup_id = task->cgroups->dfl_cgrp->kn->id;

	mm = task->mm;
	if (!mm) {
		r.flags |= LJ_TASK_NO_MM;
	} else if (bpf_core_type_exists(struct mm_rss_stat___pre62)) {
		r.file_pages = positive(RSS_OLD(mm, MM_FILEPAGES));
		r.anon_pages = positive(RSS_OLD(mm, MM_ANONPAGES));
		r.shmem_pages = positive(RSS_OLD(mm, MM_SHMEMPAGES));
		r.swap_pages = positive(RSS_OLD(mm, MM_SWAPENTS));
		r.vm_pages = mm->total_vm;
	} else {
		r.file_pages = positive(RSS_NEW(mm, MM_FILEPAGES));
		r.anon_pages = positive(RSS_NEW(mm, MM_ANONPAGES));
		r.shmem_pages = positive(RSS_NEW(mm, MM_SHMEMPAGES));
		r.swap_pages = positive(RSS_NEW(mm, MM_SWAPENTS));
		r.vm_pages = mm->total_vm;
	}
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
