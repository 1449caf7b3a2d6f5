/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the task iterator (taskiter.bpf.c) writes for each process, and what
 * sample-bpf.c reads: one fixed-size record per thread-group leader, in the
 * order the kernel walks its pid table. Shared by the BPF program (vmlinux.h
 * types) and the daemon (linux/types.h).
 */
#ifndef LJ_BPF_TASKITER_H
#define LJ_BPF_TASKITER_H

#define LJ_TASK_COMM 16

/* flags */
#define LJ_TASK_NO_MM 1u      /* no address space (its main thread exited): its figures are 0 */
#define LJ_TASK_V1_CGROUP 2u  /* cgroup_id names a cgroup v1 memory hierarchy cgroup */
#define LJ_TASK_THREADS_LIVE 4u /* with NO_MM: its main thread exited, other threads run */

struct lj_task_rec {
	__u32 pid;          /* the thread-group id: the process's pid */
	__u32 flags;
	__u64 start_ns;     /* boot-time clock at its start: /proc/PID/stat field 22 is this in clock ticks */
	__u64 cgroup_id;    /* kernfs id of its memory cgroup (v1) or of its cgroup (v2): the inode number */
	__u64 exec_id;      /* self_exec_id: counts its execs, so a change is an exec, not a rename */
	__u64 file_pages;   /* resident, mapped from files (MM_FILEPAGES) */
	__u64 anon_pages;   /* resident anonymous (MM_ANONPAGES) */
	__u64 shmem_pages;  /* resident shared memory (MM_SHMEMPAGES) */
	__u64 swap_pages;   /* swap entries (MM_SWAPENTS) */
	__u64 vm_pages;     /* address space size (total_vm) */
	char comm[LJ_TASK_COMM];
};

#endif
