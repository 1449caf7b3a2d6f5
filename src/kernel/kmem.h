/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the kernel's memory is: /proc/meminfo split into parts that add up
 * to MemTotal (with the per-CPU free page lists of /proc/zoneinfo, which
 * MemFree leaves out), and the files that name the suspects behind a part
 * (/proc/slabinfo with /sys/kernel/slab aliases, /proc/vmallocinfo, tmpfs
 * mounts from /proc/self/mountinfo, the balloon driver).
 *
 * Parsers take the file's text and fill a struct, with no I/O, so they are
 * tested on recorded files. Those that only fill a struct return bool; those
 * that allocate return 0, -EINVAL (text they cannot trust) or -ENOMEM.
 * The loaders at the end (kmem_*_load) do the I/O and return 0 or -errno.
 */
#ifndef LJ_KMEM_H
#define LJ_KMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc.h"

/* ---- /proc/meminfo, split ---- */

enum mem_group { MEM_FREE, MEM_APP, MEM_KERNEL, MEM_UNACCOUNTED, MEM_GROUPS };

/*
 * Every byte of MemTotal in exactly one part. Unaccounted may come out
 * negative only if the kernel's counters overlap in a way not handled here;
 * it is kept signed so that the parts still add up.
 */
struct mem_split {
	uint64_t total;
	/* free: the buddy allocator's (MemFree) and the per-CPU lists' (/proc/zoneinfo) */
	uint64_t free, pcp_free;
	/* application memory */
	uint64_t anon, file, buffers, shmem, swap_cached;
	/* kernel memory */
	uint64_t slab_reclaimable, kreclaimable_other, slab_unreclaimable, kernel_stack;
	uint64_t page_tables, sec_page_tables, vmalloc, percpu, hugetlb, balloon;
	/* what no counter shows: MemTotal minus all of the above */
	int64_t unaccounted;

	/* for the reader, not parts */
	uint64_t unevictable;       /* inside anon, file and shmem */
	uint64_t swap_mapped;       /* of SwapCached, found counted in AnonPages too (see kmem_split) */
	uint64_t balloon_outside;   /* balloon pages already taken out of MemTotal */
	int64_t adaptivemm;         /* adaptivemm's formula, unchanged */
};

/* One line of the split, for printing in order. */
struct mem_part {
	const char *name;           /* "slab, unreclaimable" */
	const char *key;            /* "slab_unreclaimable", for JSON */
	enum mem_group group;
	const char *source;         /* "SUnreclaim", "VmallocUsed - KernelStack" */
	int64_t bytes;
};

#define MEM_PARTS_MAX 20

/*
 * Split MemTotal. `pcp_free`: bytes of free pages in the per-CPU lists
 * (kmem_parse_zoneinfo(); 0 when unknown: they then fall into unaccounted).
 * `balloon_in_total`: the balloon's pages still count in MemTotal
 * (virtio_balloon with deflate-on-oom); otherwise the driver took them out
 * of MemTotal and they are no part of it.
 */
void kmem_split(const struct meminfo *m, uint64_t pcp_free, bool balloon_in_total,
		struct mem_split *out);

/* The parts in display order; returns how many. Their bytes add up to MemTotal. */
size_t kmem_split_parts(const struct mem_split *s, struct mem_part *out, size_t n);

const char *mem_group_name(enum mem_group g);

/*
 * The figure the system watch follows: memory that no counter puts in a
 * cache, a process, a free list or a named kernel pool (unaccounted +
 * vmalloc + percpu). It is what adaptivemm calls unaccounted, without
 * counting Unevictable and CmaTotal twice, and without the free pages of
 * the per-CPU lists (when the split was given them).
 */
static inline int64_t kmem_untracked(const struct mem_split *s)
{
	int64_t r;

	/* saturating: the figures come from a parsed file */
	uint64_t more = s->vmalloc + s->percpu;

	if (more > (uint64_t)INT64_MAX ||
	    __builtin_add_overflow(s->unaccounted, (int64_t)more, &r))
		return INT64_MAX;
	return r;
}

/* ---- /proc/zoneinfo: the per-CPU free page lists ---- */

/*
 * Free pages that the page allocator keeps in a list per CPU and zone, to
 * hand out without taking the zone's lock. They left MemFree when the list
 * took them, so MemFree undercounts free memory by this much: from tens to
 * hundreds of MiB, moving with every burst of allocations and frees.
 */
struct pcp_lists {
	uint64_t pages;       /* the "count:" lines, over all zones and CPUs */
	uint64_t high_max;    /* what the lists may hold at most ("high_max:"; "high:" before 6.7) */
	unsigned int zones;   /* zones with a "pagesets" section */
	unsigned int lists;   /* "cpu:" entries: zones times online CPUs */
};

/* Parse /proc/zoneinfo; false for text that is not one (or a count that is not a number). */
bool kmem_parse_zoneinfo(const char *buf, struct pcp_lists *out);

/* ---- /proc/slabinfo ---- */

#define SLAB_NAME_MAX 64

struct slab_cache {
	char name[SLAB_NAME_MAX];
	uint64_t active_objs, num_objs, objsize;
	uint64_t objperslab, pagesperslab;
	uint64_t active_slabs, num_slabs;
};

/* Sorted by name, so that two snapshots are compared by a merge walk. */
struct slab_list {
	struct slab_cache *v;
	size_t n;
};

int kmem_parse_slabinfo(const char *buf, struct slab_list *out);
void slab_list_free(struct slab_list *l);

static inline uint64_t slab_active_bytes(const struct slab_cache *c)
{
	return c->active_objs * c->objsize;
}

static inline uint64_t slab_total_bytes(const struct slab_cache *c, uint64_t page_size)
{
	return c->num_slabs * c->pagesperslab * page_size;
}

/* Caches largest first (by total bytes); fills up to n pointers into l; returns how many. */
size_t kmem_slab_top(const struct slab_list *l, uint64_t page_size, const struct slab_cache **out,
		     size_t n);

struct slab_growth {
	const struct slab_cache *cache;  /* in `after` */
	int64_t growth;                  /* total bytes, after - before; a new cache counts whole */
};

/* The caches that grew most from `before` to `after`, largest growth first; returns how many. */
size_t kmem_slab_growth(const struct slab_list *before, const struct slab_list *after,
			uint64_t page_size, struct slab_growth *out, size_t n);

/*
 * Merged caches: /sys/kernel/slab/NAME is a symlink to a shared directory
 * (":0000192") when the allocator merged NAME into another cache, and
 * /proc/slabinfo shows only one of the names. The table holds every link.
 */
struct slab_aliases {
	struct slab_alias {
		char *name, *target;
	} *v;
	size_t n;
};

int kmem_slab_aliases_load(struct slab_aliases *a);
void slab_aliases_free(struct slab_aliases *a);

/* "aio_kiocb,inet_peer,rtable": the other names sharing NAME's cache; "" when none. */
void kmem_slab_aliases_of(const struct slab_aliases *a, const char *name, char *buf, size_t size);

/* ---- /proc/vmallocinfo ---- */

#define VMALLOC_CALLER_MAX 80

struct vmalloc_caller {
	char caller[VMALLOC_CALLER_MAX];  /* "kernel_clone", "load_module [nf_tables]" */
	uint64_t bytes;                   /* pages=N * page size: memory */
	uint64_t vsize;                   /* address space, guard pages and ioremaps included */
	uint64_t areas;
};

/* Per caller, most memory first. bytes over all callers add up to VmallocUsed. */
struct vmalloc_list {
	struct vmalloc_caller *v;
	size_t n;
	uint64_t total_bytes;
};

int kmem_parse_vmallocinfo(const char *buf, uint64_t page_size, struct vmalloc_list *out);
void vmalloc_list_free(struct vmalloc_list *l);

/* ---- /proc/self/mountinfo: tmpfs ---- */

#define MOUNT_PATH_MAX 512

struct mount_entry {
	int id, parent;
	unsigned int major, minor;
	char mountpoint[MOUNT_PATH_MAX];  /* octal escapes (\040) undone */
	char fstype[32];
	char source[64];
};

/* One line of mountinfo; false for a line that is not one (or a mount point too long). */
bool kmem_parse_mountinfo_line(const char *line, struct mount_entry *out);

/* Is this file system's memory in Shmem (tmpfs, devtmpfs)? */
bool kmem_fstype_is_shmem(const char *fstype);

struct tmpfs_mount {
	char mountpoint[MOUNT_PATH_MAX];  /* the first visible one */
	unsigned int major, minor;
	uint64_t used, size;
	unsigned int mounts;              /* bind mounts of the same file system */
	bool hidden;                      /* every mount point is covered by a later mount: unknown use */
};

struct tmpfs_list {
	struct tmpfs_mount *v;            /* most used first */
	size_t n;
	uint64_t used;                    /* over the visible ones */
};

/* tmpfs/devtmpfs mounts of this mount namespace, one per file system, with statfs() use. */
int kmem_tmpfs_load(struct tmpfs_list *out);
void tmpfs_list_free(struct tmpfs_list *l);

/*
 * /proc/net/sockstat: the pages charged to TCP and UDP sockets ("mem"),
 * counted over every network namespace. False when neither line is there.
 */
bool kmem_parse_sockstat(const char *buf, uint64_t *tcp_pages, uint64_t *udp_pages);

/* ---- balloon ---- */

struct balloon_info {
	char driver[32];        /* "virtio_balloon", "" when none is bound */
	char device[32];        /* "virtio0" */
	bool in_total;          /* its pages are still part of MemTotal */
};

/* Look for a bound balloon driver in sysfs; never fails (no driver: driver[0] == 0). */
void kmem_balloon_detect(struct balloon_info *b);

/*
 * The virtio "features" file: one '0'/'1' per bit, bit 0 first. Bit 2 is
 * VIRTIO_BALLOON_F_DEFLATE_ON_OOM: then the driver leaves MemTotal alone.
 */
bool kmem_virtio_feature(const char *features, unsigned int bit);

#endif
