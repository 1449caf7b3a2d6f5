/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for /proc files. They take the file's text (read with one read()
 * into a buffer) and fill a struct; they return false on text they cannot
 * trust. No I/O here, so they are easy to test on recorded files and to fuzz.
 */
#ifndef LJ_PROC_H
#define LJ_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_COMM_MAX 64 /* kernel threads may show "kworker/0:1-events_unbound" */

/* /proc/PID/stat: the fields leakjail uses. */
struct proc_stat {
	char comm[PROC_COMM_MAX];
	char state;
	int ppid;
	unsigned int flags;   /* PF_* flags; PF_KTHREAD marks kernel threads */
	uint64_t minflt;
	uint64_t majflt;
	uint64_t starttime;   /* clock ticks after boot: with the pid, the process's identity */
	uint64_t vsize;       /* bytes */
	uint64_t rss_pages;
	long num_threads;
	/*
	 * Where exec put the program's code and stack (fields 26-28): a new
	 * program image, and with address-space randomisation a new one even
	 * for the same program. 0 where the reader may not see them (no
	 * ptrace access) or the task has no memory (a kernel thread, an
	 * exited thread).
	 */
	uint64_t start_code, end_code, start_stack;
};

#define PF_KTHREAD_FLAG 0x00200000u

/* /proc/PID/statm, in pages. */
struct proc_statm {
	uint64_t size;
	uint64_t resident;
	uint64_t shared; /* file-backed and shmem resident pages */
	uint64_t text;   /* the program's code (end_code - start_code): changes with an exec */
};

bool proc_parse_stat(const char *buf, struct proc_stat *out);

/*
 * The program image a stat shows, as one number: 0 when it cannot be seen.
 * It changes when the process execs (and only then, bar prctl(PR_SET_MM)).
 */
uint64_t proc_stat_image(const struct proc_stat *st);
bool proc_parse_statm(const char *buf, struct proc_statm *out);

/*
 * A "Key:   1234 kB" line from /proc/PID/status or /proc/meminfo: the value
 * in kB (or the bare number when there is no unit). False when absent.
 */
bool proc_status_kb(const char *buf, const char *key, uint64_t *out);

/*
 * VmSwap of a status file below dirfd ("PID/status", or a thread's, below
 * an open /proc), in bytes: what a footprint adds to the RSS. False when the
 * file or its line is gone.
 */
bool proc_vm_swap_at(int dirfd, const char *path, uint64_t *bytes);
/* VmSwap of /proc/PID/status, in bytes; 0 once the process is gone. */
uint64_t proc_vm_swap(pid_t pid);

/* The effective uid from the "Uid:" line of /proc/PID/status. */
bool proc_status_uid(const char *buf, unsigned int *uid);

/*
 * From /proc/PID/cgroup, the path of the cgroup that holds the process's
 * memory: the v1 line that lists "memory", else the v2 line "0::".
 * Returns false when neither is there.
 */
bool proc_parse_cgroup(const char *buf, char *path, size_t size);
/* The same, read from /proc/PID/cgroup: 0, -ESRCH (gone) or -EINVAL. */
int proc_memory_cgroup(pid_t pid, char *path, size_t size);

/* /proc/PID/cmdline: NULs become spaces, trailing NULs dropped. */
void proc_cmdline_to_string(char *buf, size_t len);

/* /proc/meminfo, in bytes. Fields absent on older kernels stay 0. */
struct meminfo {
	uint64_t mem_total, mem_free, mem_available, buffers, cached, swap_cached;
	uint64_t swap_total, swap_free, anon_pages, shmem, mapped;
	uint64_t kreclaimable, slab, sreclaimable, sunreclaim;
	uint64_t kernel_stack, page_tables, sec_page_tables, vmalloc_used, percpu;
	uint64_t unevictable, cma_total, hugetlb, hugepages_total, hugepagesize;
	uint64_t balloon;
};

bool proc_parse_meminfo(const char *buf, struct meminfo *out);

/* /proc/vmstat counters (pages, since boot). */
/*
 * Swap traffic is the sum of what the kernel counts: pages written to and
 * read from a swap device (pswpout/pswpin); since 6.12, pages that are all
 * zeros and are never written (swpout_zero/swpin_zero); and pages zswap
 * compresses in memory (zswpout/zswpin). Counting pswp* alone reads
 * "swap-out 0 pages/s" while a leaker of zero-filled pages swaps 100 MiB/s.
 */
struct vmstat {
	uint64_t pswpin, pswpout;
	uint64_t swpin_zero, swpout_zero; /* 6.12+ */
	uint64_t zswpin, zswpout;         /* with zswap */
	uint64_t pgscan, pgsteal;   /* kswapd + direct (+ khugepaged, proactive) */
	uint64_t pgmajfault;
};

bool proc_parse_vmstat(const char *buf, struct vmstat *out);

/* All pages that went to swap (written, zero, zswap), and all that came back. */
static inline uint64_t vmstat_swapout(const struct vmstat *v)
{
	return v->pswpout + v->swpout_zero + v->zswpout;
}

static inline uint64_t vmstat_swapin(const struct vmstat *v)
{
	return v->pswpin + v->swpin_zero + v->zswpin;
}

/* /proc/pressure/memory (or a cgroup's memory.pressure). */
struct psi {
	double some_avg10, some_avg60, full_avg10, full_avg60;
	uint64_t some_total, full_total; /* microseconds */
};

bool proc_parse_psi(const char *buf, struct psi *out);

#endif
