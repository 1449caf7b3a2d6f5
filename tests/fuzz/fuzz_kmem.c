// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the parsers of kmem.h, all of them on every input, so
 * that a seed is a real file: /proc/slabinfo (two snapshots in one file,
 * the second starting at its own "slabinfo - version" line, for the growth
 * walk), /proc/vmallocinfo, /proc/self/mountinfo (line by line, as
 * kmem_tmpfs_load() reads it), /proc/net/sockstat, a virtio features file,
 * /proc/zoneinfo (the per-CPU free lists), and /proc/meminfo through the
 * split of MemTotal into its parts, with the lists' pages of the same text.
 */
#include "fuzz.h"

#include "kmem.h"
#include "proc.h"
#include "util.h"

static void check_slabs(const struct slab_list *l)
{
	const struct slab_cache *top[4];
	size_t n;

	for (size_t i = 0; i < l->n; i++) {
		FUZZ_ASSERT(strnlen(l->v[i].name, SLAB_NAME_MAX) < SLAB_NAME_MAX);
		if (i)
			FUZZ_ASSERT(strcmp(l->v[i - 1].name, l->v[i].name) <= 0);
	}
	n = kmem_slab_top(l, 4096, top, ARRAY_SIZE(top));
	FUZZ_ASSERT(n <= ARRAY_SIZE(top) && n <= l->n);
}

/* An alias table made up from the caches: those of equal object size share a target. */
static void check_aliases(const struct slab_list *l)
{
	struct slab_aliases a = { calloc(l->n + 1, sizeof(*a.v)), l->n };
	char (*target)[24] = calloc(l->n + 1, sizeof(*target));
	char buf[24];

	if (!a.v || !target)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		snprintf(target[i], sizeof(target[i]), ":%07llu", (unsigned long long)l->v[i].objsize);
		a.v[i].name = (char *)l->v[i].name;
		a.v[i].target = target[i];
	}
	for (size_t i = 0; i < l->n && i < 8; i++) {
		kmem_slab_aliases_of(&a, l->v[i].name, buf, sizeof(buf));
		FUZZ_ASSERT(strnlen(buf, sizeof(buf)) < sizeof(buf));
	}
	free(target);
	free(a.v);
}

static void fuzz_slabinfo(const char *text)
{
	const char *second = strstr(text, "\nslabinfo - version");
	struct slab_list before, after;

	if (second) {
		char *first = strndup(text, (size_t)(second - text + 1));
		struct slab_growth g[4];

		if (!first)
			abort();
		if (kmem_parse_slabinfo(first, &before) == 0 &&
		    kmem_parse_slabinfo(second + 1, &after) == 0) {
			size_t n = kmem_slab_growth(&before, &after, 4096, g, ARRAY_SIZE(g));

			FUZZ_ASSERT(n <= ARRAY_SIZE(g));
			for (size_t i = 0; i < n; i++)
				FUZZ_ASSERT(g[i].growth > 0);
			check_slabs(&after);
			slab_list_free(&after);
		}
		slab_list_free(&before);
		free(first);
	}
	if (kmem_parse_slabinfo(text, &before) == 0) {
		check_slabs(&before);
		check_aliases(&before);
		slab_list_free(&before);
	} else {
		FUZZ_ASSERT(!before.v && before.n == 0);
	}
}

static void fuzz_vmallocinfo(const char *text)
{
	struct vmalloc_list l;
	uint64_t sum = 0;

	if (kmem_parse_vmallocinfo(text, 4096, &l) != 0) {
		FUZZ_ASSERT(!l.v && l.n == 0);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		FUZZ_ASSERT(strnlen(l.v[i].caller, VMALLOC_CALLER_MAX) < VMALLOC_CALLER_MAX);
		FUZZ_ASSERT(l.v[i].areas > 0);
		if (i)
			FUZZ_ASSERT(l.v[i - 1].bytes >= l.v[i].bytes);
		sum += l.v[i].bytes;
	}
	/* the callers' bytes add up to the total (modulo 2^64 on absurd input) */
	FUZZ_ASSERT(sum == l.total_bytes);
	vmalloc_list_free(&l);
}

static void fuzz_mountinfo(const char *text)
{
	char *copy = strdup(text);

	if (!copy)
		abort();
	for (char *p = copy; p && *p;) {
		char *eol = strchr(p, '\n');
		struct mount_entry m;

		if (eol)
			*eol = '\0';
		if (kmem_parse_mountinfo_line(p, &m)) {
			FUZZ_ASSERT(strlen(m.mountpoint) < sizeof(m.mountpoint) - 1);
			FUZZ_ASSERT(strnlen(m.fstype, sizeof(m.fstype)) < sizeof(m.fstype));
			FUZZ_ASSERT(strnlen(m.source, sizeof(m.source)) < sizeof(m.source));
			kmem_fstype_is_shmem(m.fstype);
		}
		p = eol ? eol + 1 : NULL;
	}
	free(copy);
}

/* The lists' pages in bytes, 0 when the text is not a zoneinfo. */
static uint64_t fuzz_zoneinfo(const char *text)
{
	struct pcp_lists p;
	uint64_t bytes;

	if (!kmem_parse_zoneinfo(text, &p))
		return 0;
	/* counts are read only under a "pagesets" line */
	FUZZ_ASSERT(p.pages == 0 || p.zones > 0);
	if (__builtin_mul_overflow(p.pages, 4096, &bytes))
		bytes = UINT64_MAX;
	return bytes;
}

static void fuzz_meminfo_split(const char *text, uint64_t pcp_free)
{
	struct meminfo mi;
	struct mem_split s;
	struct mem_part parts[MEM_PARTS_MAX];

	if (!proc_parse_meminfo(text, &mi))
		return;
	for (int balloon = 0; balloon < 2; balloon++) {
		uint64_t sum = 0;
		size_t n;

		kmem_split(&mi, pcp_free, balloon == 1, &s);
		n = kmem_split_parts(&s, parts, ARRAY_SIZE(parts));
		FUZZ_ASSERT(n <= ARRAY_SIZE(parts));
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(parts[i].name && parts[i].key && parts[i].source);
			mem_group_name(parts[i].group);
			sum += (uint64_t)parts[i].bytes;
		}
		/* the parts add up to MemTotal (modulo 2^64 on absurd input) */
		FUZZ_ASSERT(sum == s.total);
		FUZZ_ASSERT(kmem_split_parts(&s, parts, 3) == 3);
		(void)kmem_untracked(&s);
	}
}

static void fuzz_kmem_one(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	uint64_t tcp, udp;

	fuzz_slabinfo(text);
	fuzz_vmallocinfo(text);
	fuzz_mountinfo(text);
	kmem_parse_sockstat(text, &tcp, &udp);
	for (unsigned int bit = 0; bit < 4; bit++)
		kmem_virtio_feature(text, bit);
	kmem_virtio_feature(text, 4096);
	fuzz_meminfo_split(text, fuzz_zoneinfo(text));
	free(text);
}

FUZZ_ENTRY(fuzz_kmem_one)
