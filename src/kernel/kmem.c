// SPDX-License-Identifier: GPL-2.0-or-later
#include "kmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "util.h"

/* The lists here are all { v, n }: one way to let go of them. */
#define LIST_FREE(l)            \
	do {                    \
		free((l)->v);   \
		(l)->v = NULL;  \
		(l)->n = 0;     \
	} while (0)

/*
 * The split of /proc/meminfo (kernel 6.18):
 *   MemTotal:       24684084 kB     MemFree:        24505700 kB
 *   Buffers:             788 kB     Cached:            44828 kB
 *   SwapCached:            0 kB     Unevictable:       12468 kB
 *   AnonPages:          9816 kB     Shmem:              8872 kB
 *   KReclaimable:      56496 kB     SReclaimable:      56496 kB
 *   SUnreclaim:        22320 kB     KernelStack:        1372 kB
 *   PageTables:         2092 kB     SecPageTables:         0 kB
 *   VmallocUsed:       14108 kB     Percpu:              688 kB
 *   Balloon:               0 kB     Hugetlb:               0 kB
 *
 * Counters that overlap, and what is done about each:
 * - Cached holds Shmem (tmpfs and shared memory pages are page cache), so
 *   "file cache" is Cached - Shmem. Cached already excludes Buffers and
 *   SwapCached, which are parts of their own.
 * - Unevictable (and Mlocked) pages are also in AnonPages, Cached or Shmem:
 *   not a part. adaptivemm adds Unevictable a second time.
 * - CmaTotal is the size of the CMA area: its free pages are in MemFree and
 *   its movable pages in AnonPages or Cached: not a part (adaptivemm adds it).
 *   What the CMA allocator hands to a driver falls into "unaccounted".
 * - KReclaimable holds SReclaimable; Slab = SReclaimable + SUnreclaim.
 * - VmallocUsed counts every page vmalloc allocated, and kernel stacks are
 *   vmalloc'ed (CONFIG_VMAP_STACK, the default on x86-64 and arm64): vmalloc
 *   is VmallocUsed - KernelStack. Without vmapped stacks this shows vmalloc
 *   too small by up to KernelStack, and that goes to "unaccounted".
 * - Percpu pages come from the page allocator, not vmalloc: no overlap.
 * - Hugetlb is the whole pool; its free pages are not in MemFree. Older
 *   kernels lack the line: HugePages_Total * Hugepagesize (default size only).
 * - AnonHugePages, ShmemHugePages, FileHugePages are inside AnonPages, Shmem,
 *   Cached: not parts.
 * - SwapCached pages that are mapped again (swapped in on a read fault while
 *   swap is less than half full keeps the swap slot) are in AnonPages too,
 *   and meminfo does not say how many. Seen here: the rest came out -238 MiB
 *   after a process had 300 MiB paged out (MADV_PAGEOUT) and read it back
 *   (adaptivemm's formula: -234 MiB). When the rest comes out negative, the
 *   deficit (up to SwapCached) is taken to be that overlap and taken off the
 *   swap cache part: "swap_mapped". Real unaccounted memory hidden behind it
 *   cannot be told apart; the system watch does not trust the figure then.
 * - Balloon: pages a balloon driver took. virtio_balloon with deflate-on-oom
 *   leaves them in MemTotal (a part); otherwise the driver took them out of
 *   MemTotal, and they are shown beside it.
 * - Per-CPU free lists: free pages the allocator keeps per CPU and zone
 *   are not in MemFree (they left NR_FREE_PAGES when a list took them).
 *   /proc/zoneinfo counts them (kmem_parse_zoneinfo): a part of "free".
 *   Seen here: one process allocating and freeing 600 MiB in bursts moved
 *   them between 24 and 390 MiB, and MemTotal minus the meminfo counters
 *   with them; without them the rest stayed between 21 and 41 MiB.
 * What is left, "unaccounted", is memory that no counter names: pages
 * drivers and the network stack take straight from the page allocator (skb
 * page fragments), zsmalloc (zram, zswap), leaks.
 *
 * So: untracked = unaccounted + vmalloc + percpu
 *               = adaptivemm + Unevictable + CmaTotal - (balloon in MemTotal)
 *                 - per-CPU free pages.
 */
/*
 * a - b as a signed figure, held within int64_t: the counters come from the
 * kernel, but a parser must not overflow on whatever text it is given.
 */
static int64_t signed_diff(uint64_t a, uint64_t b)
{
	if (a >= b)
		return (int64_t)MIN(a - b, (uint64_t)INT64_MAX);
	return -(int64_t)MIN(b - a, (uint64_t)INT64_MAX);
}

void kmem_split(const struct meminfo *m, uint64_t pcp_free, bool balloon_in_total,
		struct mem_split *out)
{
	uint64_t hugetlb = m->hugetlb ? m->hugetlb : m->hugepages_total * m->hugepagesize;
	uint64_t kreclaimable = MAX(m->kreclaimable, m->sreclaimable);
	uint64_t sum;

	memset(out, 0, sizeof(*out));
	out->total = m->mem_total;
	out->free = m->mem_free;
	out->pcp_free = pcp_free;
	out->anon = m->anon_pages;
	out->shmem = MIN(m->shmem, m->cached);
	out->file = m->cached - out->shmem;
	out->buffers = m->buffers;
	out->swap_cached = m->swap_cached;
	out->slab_reclaimable = m->sreclaimable;
	out->kreclaimable_other = kreclaimable - m->sreclaimable;
	out->slab_unreclaimable = m->sunreclaim;
	out->kernel_stack = m->kernel_stack;
	out->page_tables = m->page_tables;
	out->sec_page_tables = m->sec_page_tables;
	out->vmalloc = m->vmalloc_used - MIN(m->kernel_stack, m->vmalloc_used);
	out->percpu = m->percpu;
	out->hugetlb = hugetlb;
	if (balloon_in_total)
		out->balloon = m->balloon;
	else
		out->balloon_outside = m->balloon;
	out->unevictable = m->unevictable;

	sum = out->free + out->pcp_free + out->anon + out->file + out->buffers + out->shmem + out->swap_cached +
	      out->slab_reclaimable + out->kreclaimable_other + out->slab_unreclaimable +
	      out->kernel_stack + out->page_tables + out->sec_page_tables + out->vmalloc +
	      out->percpu + out->hugetlb + out->balloon;
	/*
	 * Modulo 2^64, so that the parts add up to MemTotal whatever the text:
	 * a rest beyond +-8 EiB (never seen outside a fuzzer) wraps round
	 * instead of being held at the bound, which would break the sum.
	 */
	out->unaccounted = (int64_t)(m->mem_total - sum);
	if (out->unaccounted < 0) {
		out->swap_mapped = MIN(out->swap_cached, (uint64_t)0 - (uint64_t)out->unaccounted);
		out->swap_cached -= out->swap_mapped;
		/* swap_mapped <= -unaccounted: the sum lies in [unaccounted, 0]; added unsigned, as
		 * a signed add overflows when unaccounted is INT64_MIN (a fuzzer's input) */
		out->unaccounted = (int64_t)((uint64_t)out->unaccounted + out->swap_mapped);
	}

	/* adaptivemm's check_memory_leak(), term by term */
	out->adaptivemm = signed_diff(m->mem_total,
				      m->anon_pages + m->buffers + m->cached + m->cma_total +
					      m->kreclaimable + m->kernel_stack + m->page_tables +
					      m->swap_cached + m->sunreclaim + m->sec_page_tables +
					      m->unevictable + m->mem_free + hugetlb);
}

static const struct {
	const char *name, *key;
	enum mem_group group;
	const char *source;
	size_t off;
} split_table[] = {
#define P(name, key, group, source) { name, #key, group, source, offsetof(struct mem_split, key) }
	P("free", free, MEM_FREE, "MemFree"),
	P("per-CPU free lists", pcp_free, MEM_FREE, "/proc/zoneinfo pagesets count"),
	P("anonymous", anon, MEM_APP, "AnonPages"),
	P("file cache", file, MEM_APP, "Cached - Shmem"),
	P("buffers", buffers, MEM_APP, "Buffers"),
	P("shmem and tmpfs", shmem, MEM_APP, "Shmem"),
	P("swap cache", swap_cached, MEM_APP, "SwapCached, not mapped"),
	P("slab, reclaimable", slab_reclaimable, MEM_KERNEL, "SReclaimable"),
	P("other reclaimable", kreclaimable_other, MEM_KERNEL, "KReclaimable - SReclaimable"),
	P("slab, unreclaimable", slab_unreclaimable, MEM_KERNEL, "SUnreclaim"),
	P("kernel stacks", kernel_stack, MEM_KERNEL, "KernelStack"),
	P("page tables", page_tables, MEM_KERNEL, "PageTables"),
	P("secondary page tables", sec_page_tables, MEM_KERNEL, "SecPageTables"),
	P("vmalloc", vmalloc, MEM_KERNEL, "VmallocUsed - KernelStack"),
	P("percpu", percpu, MEM_KERNEL, "Percpu"),
	P("hugetlb pool", hugetlb, MEM_KERNEL, "Hugetlb"),
	P("balloon", balloon, MEM_KERNEL, "Balloon"),
#undef P
};

size_t kmem_split_parts(const struct mem_split *s, struct mem_part *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(split_table) && k < n; i++) {
		uint64_t v = *(const uint64_t *)(const void *)((const char *)s + split_table[i].off);

		out[k++] = (struct mem_part){ split_table[i].name, split_table[i].key,
					      split_table[i].group, split_table[i].source,
					      (int64_t)v };
	}
	if (k < n)
		out[k++] = (struct mem_part){ "unaccounted", "unaccounted", MEM_UNACCOUNTED,
					      "MemTotal - all of the above", s->unaccounted };
	return k;
}

const char *mem_group_name(enum mem_group g)
{
	static const char *const names[] = { "free", "application", "kernel", "unaccounted" };

	return g < MEM_GROUPS ? names[g] : "?";
}

/* ---- /proc/slabinfo ---- */

static int by_slab_name(const void *a, const void *b)
{
	return strcmp(((const struct slab_cache *)a)->name, ((const struct slab_cache *)b)->name);
}

/*
 * /proc/slabinfo (root only), SLUB on 6.18; the tunables are always 0:
 *   slabinfo - version: 2.1
 *   # name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
 *   dentry             39984  39984    192   21    1 : tunables    0    0    0 : slabdata   1904   1904      0
 *   kmalloc-64          2317   2432     64   64    1 : tunables    0    0    0 : slabdata     38     38      0
 * Version 2.1 with statistics appends ": globalstat ..." columns, ignored.
 */
int kmem_parse_slabinfo(const char *buf, struct slab_list *out)
{
	const char *p;
	size_t lines = 0, n = 0;
	struct slab_cache *v;

	out->v = NULL;
	out->n = 0;
	if (!startswith(buf, "slabinfo - version: 2."))
		return -EINVAL;
	for (p = buf; *p; p++)
		if (*p == '\n')
			lines++;
	v = calloc(lines + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (p = strchr(buf, '\n'); p && *++p; p = strchr(p, '\n')) {
		unsigned long long a, no, os, ops, pps, as, ns;
		char name[SLAB_NAME_MAX];

		if (*p == '#' || *p == '\n')
			continue;
		if (sscanf(p, "%63s %llu %llu %llu %llu %llu : tunables %*u %*u %*u : slabdata %llu %llu",
			   name, &a, &no, &os, &ops, &pps, &as, &ns) != 8) {
			free(v);
			return -EINVAL;
		}
		v[n] = (struct slab_cache){ .active_objs = a, .num_objs = no, .objsize = os,
					    .objperslab = ops, .pagesperslab = pps,
					    .active_slabs = as, .num_slabs = ns };
		memcpy(v[n].name, name, sizeof(name));
		n++;
	}
	qsort(v, n, sizeof(*v), by_slab_name);
	out->v = v;
	out->n = n;
	return 0;
}

void slab_list_free(struct slab_list *l)
{
	LIST_FREE(l);
}

struct ranked {
	const void *ptr;
	int64_t key;
	const char *name;
};

static int by_key_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return strcmp(x->name, y->name);
}

size_t kmem_slab_top(const struct slab_list *l, uint64_t page_size, const struct slab_cache **out,
		     size_t n)
{
	cleanup_free struct ranked *r = calloc(l->n + 1, sizeof(*r));

	if (!r)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		r[i] = (struct ranked){ &l->v[i], (int64_t)slab_total_bytes(&l->v[i], page_size),
					l->v[i].name };
	qsort(r, l->n, sizeof(*r), by_key_desc);
	n = MIN(n, l->n);
	for (size_t i = 0; i < n; i++)
		out[i] = r[i].ptr;
	return n;
}

size_t kmem_slab_growth(const struct slab_list *before, const struct slab_list *after,
			uint64_t page_size, struct slab_growth *out, size_t n)
{
	cleanup_free struct ranked *r = calloc(after->n + 1, sizeof(*r));
	size_t i = 0, j = 0, k = 0;

	if (!r)
		return 0;
	/* both lists are sorted by name: one merge walk */
	while (j < after->n) {
		const struct slab_cache *a = &after->v[j];
		int c = i < before->n ? strcmp(before->v[i].name, a->name) : 1;
		int64_t g;

		if (c < 0) {
			i++;
			continue;
		}
		g = (int64_t)slab_total_bytes(a, page_size);
		if (c == 0)
			g -= (int64_t)slab_total_bytes(&before->v[i++], page_size);
		if (g > 0)
			r[k++] = (struct ranked){ a, g, a->name };
		j++;
	}
	qsort(r, k, sizeof(*r), by_key_desc);
	n = MIN(n, k);
	for (i = 0; i < n; i++)
		out[i] = (struct slab_growth){ r[i].ptr, r[i].key };
	return n;
}

static int by_alias_name(const void *a, const void *b)
{
	return strcmp(((const struct slab_alias *)a)->name, ((const struct slab_alias *)b)->name);
}

/*
 * /sys/kernel/slab on 6.18: a cache of its own is a directory; merged
 * caches are symlinks to a directory named after the merged size and flags:
 *   dentry -> (directory)
 *   aio_kiocb -> :0000192
 *   file_lock_cache -> :0000192     <- the name /proc/slabinfo shows
 *   inet_peer -> :0000192
 * and :0000192/aliases counts the others (7 here).
 */
int kmem_slab_aliases_load(struct slab_aliases *a)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;

	a->v = NULL;
	a->n = 0;
	d = opendir("/sys/kernel/slab");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char target[256];
		ssize_t len;

		if (de->d_type != DT_LNK)
			continue;
		len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (a->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct slab_alias *nv = realloc(a->v, ncap * sizeof(*nv));

			if (!nv) {
				slab_aliases_free(a);
				return -ENOMEM;
			}
			a->v = nv;
			cap = ncap;
		}
		a->v[a->n].name = strdup(de->d_name);
		a->v[a->n].target = strdup(target);
		if (!a->v[a->n].name || !a->v[a->n].target) {
			a->n++;
			slab_aliases_free(a);
			return -ENOMEM;
		}
		a->n++;
	}
	qsort(a->v, a->n, sizeof(*a->v), by_alias_name);
	return 0;
}

void slab_aliases_free(struct slab_aliases *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].target);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

void kmem_slab_aliases_of(const struct slab_aliases *a, const char *name, char *buf, size_t size)
{
	struct slab_alias key = { .name = (char *)name };
	const struct slab_alias *self;
	size_t len = 0;

	buf[0] = '\0';
	self = a->n ? bsearch(&key, a->v, a->n, sizeof(*a->v), by_alias_name) : NULL;
	if (!self)
		return;
	for (size_t i = 0; i < a->n; i++) {
		int w;

		if (&a->v[i] == self || strcmp(a->v[i].target, self->target) != 0)
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? "," : "", a->v[i].name);
		if (w < 0 || (size_t)w >= size - len) {
			buf[len] = '\0';
			return;
		}
		len += (size_t)w;
	}
}

/* ---- /proc/vmallocinfo ---- */

/* FNV-1a, for the per-caller table */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int by_vmalloc_bytes(const void *a, const void *b)
{
	const struct vmalloc_caller *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->vsize != y->vsize)
		return x->vsize < y->vsize ? 1 : -1;
	return strcmp(x->caller, y->caller);
}

/* The caller's name from "kernel_clone+0x94/0x3e0" and an optional "[module]" after it. */
static void vmalloc_caller_name(const char *sym, size_t symlen, const char *mod, size_t modlen,
				char *out, size_t size)
{
	const char *plus = memchr(sym, '+', symlen);

	if (plus)
		symlen = (size_t)(plus - sym);
	if (mod)
		snprintf(out, size, "%.*s %.*s", (int)symlen, sym, (int)modlen, mod);
	else
		snprintf(out, size, "%.*s", (int)symlen, sym);
}

/*
 * /proc/vmallocinfo (root only; others see no addresses and no callers):
 *   0x00000000b535d8ac-0x00000000d9661eed   20480 irq_init_percpu_irqstack+0xca/0x100 vmap
 *   0x00000000d9661eed-0x00000000908d484c    8192 acpi_os_map_iomem+0x1bc/0x1e0 phys=0x00000000000a0000 ioremap
 *   0x000000002d72dde1-0x0000000083df88f7   20480 kernel_clone+0x94/0x3e0 pages=4 vmalloc N0=4
 *   0x00000000d0233216-0x000000007a4cac82   20480 unpurged vm_area
 * The size includes the guard page and ioremaps use no RAM: the memory is
 * pages=N, and the sum of all pages= is VmallocUsed exactly (seen: 14108 kB).
 */
int kmem_parse_vmallocinfo(const char *buf, uint64_t page_size, struct vmalloc_list *out)
{
	size_t cap = 64, tcap = 128;
	cleanup_free struct vmalloc_caller *v = calloc(cap, sizeof(*v));
	cleanup_free size_t *table = calloc(tcap, sizeof(*table)); /* index + 1; 0 = empty */
	const char *p = buf;
	size_t n = 0;

	out->v = NULL;
	out->n = 0;
	out->total_bytes = 0;
	if (!v || !table)
		return -ENOMEM;
	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *tok[8];
		size_t len[8], nt = 0;
		char name[VMALLOC_CALLER_MAX];
		unsigned long long size, pages = 0;
		const char *q;
		size_t slot;

		if (!eol)
			eol = p + strlen(p);
		for (q = p; q < eol && nt < ARRAY_SIZE(tok);) {
			while (q < eol && *q == ' ')
				q++;
			if (q == eol)
				break;
			tok[nt] = q;
			while (q < eol && *q != ' ')
				q++;
			len[nt] = (size_t)(q - tok[nt]);
			nt++;
		}
		p = *eol ? eol + 1 : eol;
		if (nt == 0)
			continue;
		if (nt < 3 || !startswith(tok[0], "0x") || sscanf(tok[1], "%llu", &size) != 1)
			return -EINVAL;
		if (len[2] == 8 && strncmp(tok[2], "unpurged", 8) == 0)
			snprintf(name, sizeof(name), "(unpurged)");
		else
			vmalloc_caller_name(tok[2], len[2], nt > 3 && tok[3][0] == '[' ? tok[3] : NULL,
					    nt > 3 ? len[3] : 0, name, sizeof(name));
		for (size_t i = 3; i < nt; i++)
			if (len[i] > 6 && strncmp(tok[i], "pages=", 6) == 0)
				pages = strtoull(tok[i] + 6, NULL, 10);

		/* find or add the caller: open addressing, kept at most half full */
		if (n * 2 >= tcap) {
			size_t ncap = tcap * 2;
			size_t *nt2 = calloc(ncap, sizeof(*nt2));

			if (!nt2)
				return -ENOMEM;
			for (size_t i = 0; i < n; i++) {
				size_t s = hash_str(v[i].caller) & (ncap - 1);

				while (nt2[s])
					s = (s + 1) & (ncap - 1);
				nt2[s] = i + 1;
			}
			free(table);
			table = nt2;
			tcap = ncap;
		}
		slot = hash_str(name) & (tcap - 1);
		while (table[slot] && strcmp(v[table[slot] - 1].caller, name) != 0)
			slot = (slot + 1) & (tcap - 1);
		if (!table[slot]) {
			if (n == cap) {
				struct vmalloc_caller *nv = realloc(v, cap * 2 * sizeof(*nv));

				if (!nv)
					return -ENOMEM;
				v = nv;
				cap *= 2;
			}
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].caller, sizeof(v[n].caller), "%s", name);
			table[slot] = ++n;
		}
		v[table[slot] - 1].bytes += pages * page_size;
		v[table[slot] - 1].vsize += size;
		v[table[slot] - 1].areas++;
		out->total_bytes += pages * page_size;
	}
	qsort(v, n, sizeof(*v), by_vmalloc_bytes);
	out->v = steal_pointer(&v);
	out->n = n;
	return 0;
}

void vmalloc_list_free(struct vmalloc_list *l)
{
	LIST_FREE(l);
}

/* ---- mountinfo ---- */

/* Undo the kernel's octal escapes of ' ', '\t', '\n', '\\' ("\040"). */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/*
 * /proc/self/mountinfo, one mount per line; optional fields ("shared:1")
 * come before the " - " that separates the file system's own fields:
 *   25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
 *   30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
 *   28 27 0:25 / /mnt/x ro,nosuid,nodev,relatime shared:5 - tmpfs none ro,size=4k,mode=755
 * (the second /dev/shm covers the first: the first's use cannot be seen)
 */
bool kmem_parse_mountinfo_line(const char *line, struct mount_entry *out)
{
	const char *sep;
	int used = 0;

	memset(out, 0, sizeof(*out));
	if (sscanf(line, "%d %d %u:%u %*s %n", &out->id, &out->parent, &out->major, &out->minor,
		   &used) != 4 || used == 0)
		return false;
	if (sscanf(line + used, "%511s", out->mountpoint) != 1)
		return false;
	/* a mount point of 511 bytes or more may have been cut: not trusted */
	if (strlen(out->mountpoint) >= sizeof(out->mountpoint) - 1)
		return false;
	sep = strstr(line + used, " - ");
	if (!sep || sscanf(sep + 3, "%31s %63s", out->fstype, out->source) != 2)
		return false;
	unescape_octal(out->mountpoint);
	unescape_octal(out->source);
	return true;
}

bool kmem_fstype_is_shmem(const char *fstype)
{
	return strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "devtmpfs") == 0;
}

static int by_tmpfs_used(const void *a, const void *b)
{
	const struct tmpfs_mount *x = a, *y = b;

	/* the ones whose use is unknown go last */
	if (x->hidden != y->hidden)
		return x->hidden ? 1 : -1;
	if (x->used != y->used)
		return x->used < y->used ? 1 : -1;
	return strcmp(x->mountpoint, y->mountpoint);
}

int kmem_tmpfs_load(struct tmpfs_list *out)
{
	cleanup_free char *buf = NULL;
	cleanup_free struct mount_entry *m = NULL;
	size_t nm = 0, lines = 0;
	ssize_t r;

	memset(out, 0, sizeof(*out));
	r = read_file_alloc(AT_FDCWD, "/proc/self/mountinfo", &buf);
	if (r < 0)
		return (int)r;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	m = calloc(lines + 1, sizeof(*m));
	out->v = calloc(lines + 1, sizeof(*out->v));
	if (!m || !out->v)
		return -ENOMEM;
	for (char *p = buf; p && *p;) {
		char *eol = strchr(p, '\n');

		if (eol)
			*eol = '\0';
		if (kmem_parse_mountinfo_line(p, &m[nm]))
			nm++;
		p = eol ? eol + 1 : NULL;
	}
	for (size_t i = 0; i < nm; i++) {
		struct tmpfs_mount *t = NULL;
		bool covered = false;
		struct statfs sf;

		if (!kmem_fstype_is_shmem(m[i].fstype))
			continue;
		/* a later mount on the same path covers this one */
		for (size_t j = i + 1; j < nm && !covered; j++)
			covered = strcmp(m[j].mountpoint, m[i].mountpoint) == 0;
		for (size_t k = 0; k < out->n && !t; k++)
			if (out->v[k].major == m[i].major && out->v[k].minor == m[i].minor)
				t = &out->v[k];
		if (!t) {
			t = &out->v[out->n++];
			snprintf(t->mountpoint, sizeof(t->mountpoint), "%s", m[i].mountpoint);
			t->major = m[i].major;
			t->minor = m[i].minor;
			t->hidden = true;
		}
		t->mounts++;
		if (covered || !t->hidden || statfs(m[i].mountpoint, &sf) < 0)
			continue;
		t->hidden = false;
		snprintf(t->mountpoint, sizeof(t->mountpoint), "%s", m[i].mountpoint);
		/* an unlimited tmpfs (size=0) reports no blocks: its use is unknown here */
		t->size = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize;
		t->used = (uint64_t)(sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize;
		out->used += t->used;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_tmpfs_used);
	return 0;
}

void tmpfs_list_free(struct tmpfs_list *l)
{
	LIST_FREE(l);
}

/*
 * /proc/net/sockstat:
 *   sockets: used 11
 *   TCP: inuse 3 orphan 0 tw 0 alloc 3 mem 2804
 *   UDP: inuse 0 mem 0
 */
bool kmem_parse_sockstat(const char *buf, uint64_t *tcp_pages, uint64_t *udp_pages)
{
	bool seen = false;

	*tcp_pages = *udp_pages = 0;
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		uint64_t *out = startswith(p, "TCP: ") ? tcp_pages : startswith(p, "UDP: ") ? udp_pages : NULL;
		const char *mem = out ? strstr(p, " mem ") : NULL;
		const char *eol = strchr(p, '\n');

		if (!mem || (eol && mem > eol))
			continue;
		*out = strtoull(mem + 5, NULL, 10);
		seen = true;
	}
	return seen;
}

/* ---- balloon ---- */

bool kmem_virtio_feature(const char *features, unsigned int bit)
{
	return strlen(features) > bit && features[bit] == '1';
}

/*
 * /sys/bus/virtio/drivers/virtio_balloon exists whenever the driver is built
 * in; a balloon is there only when a device is bound to it:
 *   /sys/bus/virtio/drivers/virtio_balloon/virtio0 -> ../../../../devices/pci0000:00/0000:00:01.0/virtio0
 *   /sys/bus/virtio/devices/virtio0/features: 0110010100000000000000000000000010000000...
 * Other drivers (Hyper-V, Xen) adjust MemTotal as they inflate.
 */
void kmem_balloon_detect(struct balloon_info *b)
{
	static const struct {
		const char *dir, *driver, *prefix;
	} others[] = {
		{ "/sys/bus/vmbus/drivers/hv_balloon", "hv_balloon", "" },
		{ "/sys/devices/system/xen_memory", "xen-balloon", "xen_memory" },
		{ "/sys/bus/platform/drivers/vmw_balloon", "vmw_balloon", "" },
	};
	cleanup_dir DIR *d = NULL;
	struct dirent *de;

	memset(b, 0, sizeof(*b));
	d = opendir("/sys/bus/virtio/drivers/virtio_balloon");
	while (d && (de = readdir(d))) {
		char path[128], features[256];

		if (!startswith(de->d_name, "virtio"))
			continue;
		snprintf(b->driver, sizeof(b->driver), "virtio_balloon");
		snprintf(b->device, sizeof(b->device), "%.31s", de->d_name);
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%.64s/features", de->d_name);
		b->in_total = read_file_at(AT_FDCWD, path, features, sizeof(features)) > 0 &&
			      kmem_virtio_feature(features, 2);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		cleanup_dir DIR *od = opendir(others[i].dir);

		while (od && (de = readdir(od))) {
			if (de->d_name[0] == '.' || (de->d_type != DT_LNK && de->d_type != DT_DIR))
				continue;
			if (*others[i].prefix && !startswith(de->d_name, others[i].prefix))
				continue;
			if (!*others[i].prefix && de->d_type != DT_LNK)
				continue; /* a bound device is a link in the driver's directory */
			snprintf(b->driver, sizeof(b->driver), "%s", others[i].driver);
			snprintf(b->device, sizeof(b->device), "%.31s", de->d_name);
			return;
		}
	}
}
