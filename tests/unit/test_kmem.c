// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel-memory parsers and the meminfo split, on text recorded on a
 * 6.18 kernel (a 24 GiB VM) and on hand-made files for the counters that
 * machine does not have (hugetlb, balloon, CMA).
 */
#include <stdio.h>
#include <string.h>

#include "kmem.h"
#include "sockdiag.h"
#include "tap.h"
#include "util.h"

static const char slabinfo_a[] =
	"slabinfo - version: 2.1\n"
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
	"<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
	"TCPv6                 13     13   2496   13    8 : tunables    0    0    0 : slabdata      1      1      0\n"
	"ext4_inode_cache   40714  40726   1128   14    4 : tunables    0    0    0 : slabdata   2909   2909      0\n"
	"skbuff_head_cache    283    352    256   16    1 : tunables    0    0    0 : slabdata     22     22      0\n"
	"file_lock_cache       42     42    192   21    1 : tunables    0    0    0 : slabdata      2      2      0\n"
	"dentry             50806  50988    192   21    1 : tunables    0    0    0 : slabdata   2428   2428      0\n"
	"kmalloc-rcl-8k         0      0   8192    4    8 : tunables    0    0    0 : slabdata      0      0      0\n"
	"kmalloc-64          2295   2560     64   64    1 : tunables    0    0    0 : slabdata     40     40      0\n";

/* the same, later: kmalloc-64 grew by 30 MiB (7680 one-page slabs), dentry shrank, a new cache */
static const char slabinfo_b[] =
	"slabinfo - version: 2.1\n"
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
	"<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
	"TCPv6                 13     13   2496   13    8 : tunables    0    0    0 : slabdata      1      1      0\n"
	"ext4_inode_cache   40714  40726   1128   14    4 : tunables    0    0    0 : slabdata   2909   2909      0\n"
	"skbuff_head_cache    600    640    256   16    1 : tunables    0    0    0 : slabdata     40     40      0\n"
	"file_lock_cache       42     42    192   21    1 : tunables    0    0    0 : slabdata      2      2      0\n"
	"dentry             40000  40005    192   21    1 : tunables    0    0    0 : slabdata   1905   1905      0\n"
	"nf_conntrack         500    510    320   25    2 : tunables    0    0    0 : slabdata     20     20      0\n"
	"kmalloc-64        493800 493824     64   64    1 : tunables    0    0    0 : slabdata   7720   7720      0\n";

static void test_slabinfo(void)
{
	struct slab_list l;
	const struct slab_cache *top[3];
	const struct slab_cache *d = NULL;

	CHECK(kmem_parse_slabinfo(slabinfo_a, &l) == 0);
	CHECK_EQ_U(l.n, 7);
	/* sorted by name */
	for (size_t i = 1; i < l.n; i++)
		CHECK(strcmp(l.v[i - 1].name, l.v[i].name) < 0);
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, "dentry") == 0)
			d = &l.v[i];
	CHECK(d != NULL);
	if (d) {
		CHECK_EQ_U(d->active_objs, 50806);
		CHECK_EQ_U(d->num_objs, 50988);
		CHECK_EQ_U(d->objsize, 192);
		CHECK_EQ_U(d->objperslab, 21);
		CHECK_EQ_U(d->pagesperslab, 1);
		CHECK_EQ_U(d->num_slabs, 2428);
		CHECK_EQ_U(slab_active_bytes(d), 50806ULL * 192);
		CHECK_EQ_U(slab_total_bytes(d, 4096), 2428ULL * 4096);
	}
	/* largest first: ext4_inode_cache 2909 * 4 pages, dentry 2428, TCPv6 8 */
	CHECK_EQ_U(kmem_slab_top(&l, 4096, top, 3), 3);
	CHECK(strcmp(top[0]->name, "ext4_inode_cache") == 0);
	CHECK(strcmp(top[1]->name, "dentry") == 0);
	CHECK(strcmp(top[2]->name, "kmalloc-64") == 0);
	slab_list_free(&l);
}

static void test_slabinfo_broken(void)
{
	struct slab_list l;

	CHECK(kmem_parse_slabinfo("", &l) == -EINVAL);
	/* version 1.x had other columns */
	CHECK(kmem_parse_slabinfo("slabinfo - version: 1.1\nfoo 1 2 3 4 5\n", &l) == -EINVAL);
	CHECK(kmem_parse_slabinfo("slabinfo - version: 2.1\ndentry 1 2 3\n", &l) == -EINVAL);
	CHECK(l.v == NULL && l.n == 0);
	/* only the header: no caches, no error */
	CHECK(kmem_parse_slabinfo("slabinfo - version: 2.1\n# name\n", &l) == 0);
	CHECK_EQ_U(l.n, 0);
	slab_list_free(&l);
}

static void test_slab_growth(void)
{
	struct slab_list a, b;
	struct slab_growth g[4];
	size_t n;

	CHECK(kmem_parse_slabinfo(slabinfo_a, &a) == 0);
	CHECK(kmem_parse_slabinfo(slabinfo_b, &b) == 0);
	n = kmem_slab_growth(&a, &b, 4096, g, ARRAY_SIZE(g));
	/* kmalloc-64 +7680 pages, nf_conntrack new (40 pages), skbuff_head_cache +18; dentry shrank */
	CHECK_EQ_U(n, 3);
	CHECK(strcmp(g[0].cache->name, "kmalloc-64") == 0);
	CHECK_EQ_U(g[0].growth, 7680ULL * 4096);
	CHECK(strcmp(g[1].cache->name, "nf_conntrack") == 0);
	CHECK_EQ_U(g[1].growth, 40ULL * 4096);
	CHECK(strcmp(g[2].cache->name, "skbuff_head_cache") == 0);
	CHECK_EQ_U(g[2].growth, 18ULL * 4096);
	/* nothing grows against itself */
	CHECK_EQ_U(kmem_slab_growth(&b, &b, 4096, g, ARRAY_SIZE(g)), 0);
	slab_list_free(&a);
	slab_list_free(&b);
}

static void test_slab_aliases(void)
{
	/* the links of /sys/kernel/slab on 6.18 for one merged cache, as the loader stores them */
	struct slab_alias v[] = {
		{ (char *)"aio_kiocb", (char *)":0000192" },
		{ (char *)"file_lock_cache", (char *)":0000192" },
		{ (char *)"inet_peer", (char *)":0000192" },
		{ (char *)"kvm_async_pf", (char *)":0000136" },
		{ (char *)"rtable", (char *)":0000192" },
	};
	struct slab_aliases a = { v, ARRAY_SIZE(v) };
	char buf[128];

	kmem_slab_aliases_of(&a, "file_lock_cache", buf, sizeof(buf));
	CHECK(strcmp(buf, "aio_kiocb,inet_peer,rtable") == 0);
	/* a cache of its own (a directory, no link) */
	kmem_slab_aliases_of(&a, "dentry", buf, sizeof(buf));
	CHECK(strcmp(buf, "") == 0);
	/* cut short rather than overflow */
	kmem_slab_aliases_of(&a, "file_lock_cache", buf, 16);
	CHECK(strcmp(buf, "aio_kiocb") == 0);
}

static const char vmallocinfo[] =
	"0x00000000b535d8ac-0x00000000d9661eed   20480 irq_init_percpu_irqstack+0xca/0x100 vmap\n"
	"0x00000000d9661eed-0x00000000908d484c    8192 acpi_os_map_iomem+0x1bc/0x1e0 phys=0x00000000000a0000 ioremap\n"
	"0x00000000cea25e40-0x0000000096409828   12288 acpi_os_map_iomem+0x1bc/0x1e0 phys=0x000000000009f000 ioremap\n"
	"0x000000002d72dde1-0x0000000083df88f7   20480 kernel_clone+0x94/0x3e0 pages=4 vmalloc N0=4\n"
	"0x000000001668cf1c-0x000000009fc819c5   20480 kernel_clone+0x94/0x3e0 pages=4 vmalloc N0=4\n"
	"0x00000000bd4b614b-0x00000000c0a09547   20480 kernel_clone+0x94/0x3e0 pages=4 vmalloc N0=4\n"
	"0x00000000aa4b614b-0x00000000bba09547 2101248 htab_map_alloc+0x2ba/0x4f0 pages=512 vmalloc vpages N0=512\n"
	"0x00000000d0233216-0x000000007a4cac82   20480 unpurged vm_area\n"
	"0x00000000c0233216-0x000000006a4cac82   16384 nft_set_alloc+0x5f/0x90 [nf_tables] pages=3 vmalloc N0=3\n";

static void test_vmallocinfo(void)
{
	struct vmalloc_list l;

	CHECK(kmem_parse_vmallocinfo(vmallocinfo, 4096, &l) == 0);
	CHECK_EQ_U(l.n, 6);
	CHECK_EQ_U(l.total_bytes, (12 + 512 + 3) * 4096ULL);
	/* most memory first */
	CHECK(strcmp(l.v[0].caller, "htab_map_alloc") == 0);
	CHECK_EQ_U(l.v[0].bytes, 512 * 4096ULL);
	CHECK(strcmp(l.v[1].caller, "kernel_clone") == 0);
	CHECK_EQ_U(l.v[1].bytes, 12 * 4096ULL);
	CHECK_EQ_U(l.v[1].areas, 3);
	CHECK_EQ_U(l.v[1].vsize, 3 * 20480ULL);
	CHECK(strcmp(l.v[2].caller, "nft_set_alloc [nf_tables]") == 0);
	/* ioremaps and unpurged areas take address space, not memory */
	for (size_t i = 3; i < l.n; i++) {
		CHECK_EQ_U(l.v[i].bytes, 0);
		CHECK(strcmp(l.v[i].caller, "acpi_os_map_iomem") == 0 ||
		      strcmp(l.v[i].caller, "irq_init_percpu_irqstack") == 0 ||
		      strcmp(l.v[i].caller, "(unpurged)") == 0);
	}
	vmalloc_list_free(&l);

	CHECK(kmem_parse_vmallocinfo("garbage here\n", 4096, &l) == -EINVAL);
	CHECK(kmem_parse_vmallocinfo("", 4096, &l) == 0 && l.n == 0);
	vmalloc_list_free(&l);
}

/* Many callers: the per-caller table grows several times and loses none. */
static void test_vmallocinfo_many(void)
{
	size_t size = 600 * 128;
	char *buf = malloc(size), *p = buf;
	struct vmalloc_list l;
	uint64_t sum = 0;

	CHECK(buf != NULL);
	if (!buf)
		return;
	for (int i = 0; i < 600; i++)
		p += snprintf(p, size - (size_t)(p - buf),
			      "0x0000000000000001-0x0000000000000002 8192 caller_%d+0x1/0x2 pages=%d vmalloc N0=1\n",
			      i % 300, 1 + i % 300);
	CHECK(kmem_parse_vmallocinfo(buf, 4096, &l) == 0);
	CHECK_EQ_U(l.n, 300);
	for (size_t i = 0; i < l.n; i++)
		sum += l.v[i].areas;
	CHECK_EQ_U(sum, 600);
	CHECK(strcmp(l.v[0].caller, "caller_299") == 0);
	CHECK_EQ_U(l.v[0].bytes, 2 * 300 * 4096ULL);
	vmalloc_list_free(&l);
	free(buf);
}

static void test_mountinfo(void)
{
	struct mount_entry m;

	CHECK(kmem_parse_mountinfo_line("25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k", &m));
	CHECK(m.id == 25 && m.parent == 24 && m.major == 0 && m.minor == 23);
	CHECK(strcmp(m.mountpoint, "/dev/shm") == 0);
	CHECK(strcmp(m.fstype, "tmpfs") == 0 && strcmp(m.source, "tmpfs") == 0);
	CHECK(kmem_fstype_is_shmem(m.fstype));

	/* optional fields before the separator, and an escaped space in the mount point */
	CHECK(kmem_parse_mountinfo_line("61 27 0:41 / /run/user/1000/my\\040files rw,nosuid shared:31 "
					"master:2 - tmpfs tmpfs rw,size=1620404k,mode=700", &m));
	CHECK(strcmp(m.mountpoint, "/run/user/1000/my files") == 0);
	CHECK(strcmp(m.fstype, "tmpfs") == 0);

	CHECK(kmem_parse_mountinfo_line("24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k", &m));
	CHECK(kmem_fstype_is_shmem(m.fstype));
	CHECK(kmem_parse_mountinfo_line("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard", &m));
	CHECK(m.major == 254 && !kmem_fstype_is_shmem(m.fstype));

	CHECK(!kmem_parse_mountinfo_line("", &m));
	CHECK(!kmem_parse_mountinfo_line("25 24 0:23 / /dev/shm rw,relatime tmpfs tmpfs", &m));
	CHECK(!kmem_parse_mountinfo_line("x y z", &m));
}

/* This machine's /proc/meminfo (6.18, 24 GiB), recorded with a socket holding 8 MiB unread. */
static const char meminfo_618[] =
	"MemTotal:       24684084 kB\nMemFree:        24290836 kB\nMemAvailable:   24331492 kB\n"
	"Buffers:             844 kB\nCached:           220652 kB\nSwapCached:            0 kB\n"
	"Active:           127716 kB\nInactive:          89984 kB\nActive(anon):       1348 kB\n"
	"Inactive(anon):     3732 kB\nActive(file):     126368 kB\nInactive(file):    86252 kB\n"
	"Unevictable:       11448 kB\nMlocked:           10456 kB\nSwapTotal:             0 kB\n"
	"SwapFree:              0 kB\nZswap:                 0 kB\nZswapped:              0 kB\n"
	"Dirty:              1076 kB\nWriteback:             0 kB\nAnonPages:          7764 kB\n"
	"Mapped:            10768 kB\nShmem:              8872 kB\nKReclaimable:      72412 kB\n"
	"Slab:              95560 kB\nSReclaimable:      72412 kB\nSUnreclaim:        23148 kB\n"
	"KernelStack:        1376 kB\nPageTables:         1652 kB\nSecPageTables:         0 kB\n"
	"NFS_Unstable:          0 kB\nBounce:                0 kB\nWritebackTmp:          0 kB\n"
	"CommitLimit:    12342040 kB\nCommitted_AS:      52288 kB\nVmallocTotal:   34359738367 kB\n"
	"VmallocUsed:       14172 kB\nVmallocChunk:          0 kB\nPercpu:              688 kB\n"
	"AnonHugePages:         0 kB\nShmemHugePages:        0 kB\nShmemPmdMapped:        0 kB\n"
	"FileHugePages:         0 kB\nFilePmdMapped:         0 kB\nBalloon:               0 kB\n"
	"HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\n"
	"HugePages_Surp:        0\nHugepagesize:       2048 kB\nHugetlb:               0 kB\n"
	"DirectMap4k:       28672 kB\nDirectMap2M:     2068480 kB\nDirectMap1G:    25165824 kB\n";

static int64_t parts_sum(const struct mem_split *s, int64_t *group)
{
	struct mem_part parts[MEM_PARTS_MAX];
	size_t n = kmem_split_parts(s, parts, ARRAY_SIZE(parts));
	int64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		sum += parts[i].bytes;
		if (group)
			group[parts[i].group] += parts[i].bytes;
	}
	return sum;
}

static void test_split_recorded(void)
{
	struct meminfo m;
	struct mem_split s;
	int64_t group[MEM_GROUPS] = { 0 };

	CHECK(proc_parse_meminfo(meminfo_618, &m));
	kmem_split(&m, 0, true, &s);
	CHECK_EQ_U(parts_sum(&s, group), 24684084ULL * 1024);
	CHECK_EQ_U(group[MEM_FREE], 24290836ULL * 1024);
	/* AnonPages + Cached + Buffers + SwapCached */
	CHECK_EQ_U(group[MEM_APP], (7764ULL + 220652 + 844) * 1024);
	CHECK_EQ_U(s.file, (220652ULL - 8872) * 1024);
	CHECK_EQ_U(s.shmem, 8872ULL * 1024);
	/* 72412 + 23148 + 1376 + 1652 + (14172 - 1376) + 688 */
	CHECK_EQ_U(group[MEM_KERNEL], 112072ULL * 1024);
	CHECK_EQ_U(s.vmalloc, 12796ULL * 1024);
	/* the rest: 24684084 - 24290836 - 229260 - 112072 */
	CHECK_EQ_U(s.unaccounted, 51916LL * 1024);
	CHECK_EQ_U(group[MEM_UNACCOUNTED], 51916LL * 1024);
	/* adaptivemm: 24684084 - (7764 + 844 + 220652 + 0 + 72412 + 1376 + 1652 + 0 + 23148 + 0 + 11448 + 24290836 + 0) */
	CHECK_EQ_U(s.adaptivemm, 53952LL * 1024);
	/* what the watch follows = adaptivemm's figure without Unevictable counted twice */
	CHECK_EQ_U(kmem_untracked(&s), s.adaptivemm + 11448LL * 1024);
	CHECK_EQ_U(kmem_untracked(&s), (51916LL + 12796 + 688) * 1024);
	CHECK_EQ_U(s.unevictable, 11448ULL * 1024);
}

/* Counters this machine does not have: hugetlb, a balloon, CMA, KReclaimable beyond slab. */
static void test_split_overlaps(void)
{
	const char *text = "MemTotal:        4000000 kB\nMemFree:         1000000 kB\nBuffers:           10000 kB\n"
			   "Cached:           500000 kB\nSwapCached:         2000 kB\nUnevictable:       50000 kB\n"
			   "AnonPages:        800000 kB\nShmem:             90000 kB\nKReclaimable:      70000 kB\n"
			   "SReclaimable:      60000 kB\nSUnreclaim:        40000 kB\nKernelStack:        8000 kB\n"
			   "PageTables:        12000 kB\nSecPageTables:      1000 kB\nVmallocUsed:        5000 kB\n"
			   "Percpu:             3000 kB\nCmaTotal:         262144 kB\nBalloon:          300000 kB\n"
			   "HugePages_Total:     256\nHugepagesize:       2048 kB\nHugetlb:          524288 kB\n";
	struct meminfo m;
	struct mem_split in, out;

	CHECK(proc_parse_meminfo(text, &m));
	kmem_split(&m, 0, true, &in);
	kmem_split(&m, 0, false, &out);
	CHECK_EQ_U(parts_sum(&in, NULL), 4000000ULL * 1024);
	CHECK_EQ_U(parts_sum(&out, NULL), 4000000ULL * 1024);
	CHECK_EQ_U(in.kreclaimable_other, 10000ULL * 1024);
	CHECK_EQ_U(in.hugetlb, 524288ULL * 1024);
	/* VmallocUsed below KernelStack (stacks not vmapped): vmalloc 0, never negative */
	CHECK_EQ_U(in.vmalloc, 0);
	/* the balloon is a part when it counts in MemTotal, else shown beside it */
	CHECK_EQ_U(in.balloon, 300000ULL * 1024);
	CHECK_EQ_U(in.balloon_outside, 0);
	CHECK_EQ_U(out.balloon, 0);
	CHECK_EQ_U(out.balloon_outside, 300000ULL * 1024);
	CHECK(out.unaccounted - in.unaccounted == 300000LL * 1024);
	/* untracked = adaptivemm + Unevictable + CmaTotal - balloon in MemTotal */
	CHECK(kmem_untracked(&in) == in.adaptivemm + (50000LL + 262144 - 300000) * 1024);
	CHECK(kmem_untracked(&out) == out.adaptivemm + (50000LL + 262144) * 1024);

	/* an older kernel: no Hugetlb line, pages times size; Shmem above Cached is clamped */
	CHECK(proc_parse_meminfo("MemTotal: 1000000 kB\nMemFree: 100000 kB\nCached: 1000 kB\n"
				 "Shmem: 5000 kB\nHugePages_Total: 10\nHugepagesize: 2048 kB\n", &m));
	kmem_split(&m, 0, false, &in);
	CHECK_EQ_U(in.hugetlb, 20480ULL * 1024);
	CHECK_EQ_U(in.shmem, 1000ULL * 1024);
	CHECK_EQ_U(in.file, 0);
	CHECK_EQ_U(parts_sum(&in, NULL), 1000000ULL * 1024);
}

/* Swapped back in on a read fault: 300 MiB both in AnonPages and SwapCached. */
static void test_split_swap_mapped(void)
{
	/* 1000000 = 500000 free + 400000 anon (300000 of it also swap cache) + 50000 cached + 20000 slab + 30000 rest */
	const char *text = "MemTotal: 1000000 kB\nMemFree: 500000 kB\nCached: 50000 kB\nSwapCached: 310000 kB\n"
			   "AnonPages: 400000 kB\nSUnreclaim: 20000 kB\n";
	struct meminfo m;
	struct mem_split s;

	CHECK(proc_parse_meminfo(text, &m));
	kmem_split(&m, 0, false, &s);
	CHECK_EQ_U(parts_sum(&s, NULL), 1000000ULL * 1024);
	/* the raw rest is 30000 - 310000 = -280000: that much of SwapCached is mapped */
	CHECK_EQ_U(s.swap_mapped, 280000ULL * 1024);
	CHECK_EQ_U(s.swap_cached, 30000ULL * 1024);
	CHECK_EQ_U(s.unaccounted, 0);
	/* adaptivemm counts it twice, and goes negative */
	CHECK(s.adaptivemm == -280000LL * 1024);

	/* a deficit larger than the swap cache stays visible */
	CHECK(proc_parse_meminfo("MemTotal: 1000 kB\nMemFree: 900 kB\nAnonPages: 200 kB\nSwapCached: 50 kB\n", &m));
	kmem_split(&m, 0, false, &s);
	CHECK_EQ_U(s.swap_mapped, 50 * 1024);
	CHECK(s.unaccounted == -100 * 1024);
	CHECK_EQ_U(parts_sum(&s, NULL), 1000 * 1024);
}

/*
 * This machine's /proc/zoneinfo (6.18, 2 CPUs, one node), read while other
 * processes were allocating and freeing: DMA, DMA32 and Normal have per-CPU
 * lists; Movable and Device are empty (no pagesets).
 */
static const char zoneinfo_618[] =
	"Node 0, zone      DMA\n"
	"  per-node stats\n"
	"      nr_inactive_anon 167775\n"
	"      nr_active_anon 422\n"
	"      nr_inactive_file 151008\n"
	"      nr_active_file 105101\n"
	"      nr_unevictable 4274\n"
	"      nr_slab_reclaimable 27837\n"
	"      nr_slab_unreclaimable 7029\n"
	"      nr_isolated_anon 0\n"
	"      nr_isolated_file 0\n"
	"      workingset_nodes 10103\n"
	"      workingset_refault_anon 105197\n"
	"      workingset_refault_file 122232\n"
	"      workingset_activate_anon 7\n"
	"      workingset_activate_file 39035\n"
	"      workingset_restore_anon 0\n"
	"      workingset_restore_file 0\n"
	"      workingset_nodereclaim 0\n"
	"      nr_anon_pages 164749\n"
	"      nr_mapped    4551\n"
	"      nr_file_pages 263573\n"
	"      nr_dirty     709\n"
	"      nr_writeback 0\n"
	"      nr_shmem     2214\n"
	"      nr_shmem_hugepages 0\n"
	"      nr_shmem_pmdmapped 0\n"
	"      nr_file_hugepages 0\n"
	"      nr_file_pmdmapped 0\n"
	"      nr_anon_transparent_hugepages 0\n"
	"      nr_vmscan_write 472838\n"
	"      nr_vmscan_immediate_reclaim 2675\n"
	"      nr_dirtied   851866\n"
	"      nr_written   1082867\n"
	"      nr_throttled_written 315\n"
	"      nr_kernel_misc_reclaimable 0\n"
	"      nr_foll_pin_acquired 0\n"
	"      nr_foll_pin_released 0\n"
	"      nr_kernel_stack 2132\n"
	"      nr_page_table_pages 1319\n"
	"      nr_sec_page_table_pages 0\n"
	"      nr_iommu_pages 0\n"
	"      nr_swapcached 5225\n"
	"      pgpromote_success 0\n"
	"      pgpromote_candidate 0\n"
	"      pgpromote_candidate_nrl 0\n"
	"      pgdemote_kswapd 0\n"
	"      pgdemote_direct 0\n"
	"      pgdemote_khugepaged 0\n"
	"      pgdemote_proactive 0\n"
	"      nr_hugetlb   0\n"
	"      nr_balloon_pages 0\n"
	"      nr_kernel_file_pages 0\n"
	"  pages free     3840\n"
	"        boost    0\n"
	"        min      37\n"
	"        low      46\n"
	"        high     55\n"
	"        promo    64\n"
	"        spanned  4095\n"
	"        present  3998\n"
	"        managed  3840\n"
	"        cma      0\n"
	"        protection: (0, 3019, 6731, 6731, 6731)\n"
	"      nr_free_pages 3840\n"
	"      nr_free_pages_blocks 3584\n"
	"      nr_zone_inactive_anon 0\n"
	"      nr_zone_active_anon 0\n"
	"      nr_zone_inactive_file 0\n"
	"      nr_zone_active_file 0\n"
	"      nr_zone_unevictable 0\n"
	"      nr_zone_write_pending 0\n"
	"      nr_mlock     0\n"
	"      nr_zspages   0\n"
	"      nr_free_cma  0\n"
	"      numa_hit     0\n"
	"      numa_miss    0\n"
	"      numa_foreign 0\n"
	"      numa_interleave 0\n"
	"      numa_local   0\n"
	"      numa_other   0\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count:    0\n"
	"              high:     0\n"
	"              batch:    1\n"
	"              high_min: 23\n"
	"              high_max: 240\n"
	"  vm stats threshold: 4\n"
	"    cpu: 1\n"
	"              count:    0\n"
	"              high:     0\n"
	"              batch:    1\n"
	"              high_min: 23\n"
	"              high_max: 240\n"
	"  vm stats threshold: 4\n"
	"  node_unreclaimable:  0\n"
	"  start_pfn:           1\n"
	"Node 0, zone    DMA32\n"
	"  pages free     772917\n"
	"        boost    0\n"
	"        min      7561\n"
	"        low      9451\n"
	"        high     11341\n"
	"        promo    13231\n"
	"        spanned  1044480\n"
	"        present  782336\n"
	"        managed  772917\n"
	"        cma      0\n"
	"        protection: (0, 0, 3712, 3712, 3712)\n"
	"      nr_free_pages 772917\n"
	"      nr_free_pages_blocks 771072\n"
	"      nr_zone_inactive_anon 0\n"
	"      nr_zone_active_anon 0\n"
	"      nr_zone_inactive_file 0\n"
	"      nr_zone_active_file 0\n"
	"      nr_zone_unevictable 0\n"
	"      nr_zone_write_pending 0\n"
	"      nr_mlock     0\n"
	"      nr_zspages   0\n"
	"      nr_free_cma  0\n"
	"      numa_hit     0\n"
	"      numa_miss    0\n"
	"      numa_foreign 0\n"
	"      numa_interleave 0\n"
	"      numa_local   0\n"
	"      numa_other   0\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count:    0\n"
	"              high:     252\n"
	"              batch:    63\n"
	"              high_min: 4725\n"
	"              high_max: 48307\n"
	"  vm stats threshold: 24\n"
	"    cpu: 1\n"
	"              count:    0\n"
	"              high:     4725\n"
	"              batch:    63\n"
	"              high_min: 4725\n"
	"              high_max: 48307\n"
	"  vm stats threshold: 24\n"
	"  node_unreclaimable:  0\n"
	"  start_pfn:           4096\n"
	"Node 0, zone   Normal\n"
	"  pages free     437847\n"
	"        boost    0\n"
	"        min      9296\n"
	"        low      11620\n"
	"        high     13944\n"
	"        promo    16268\n"
	"        spanned  5505024\n"
	"        present  5505024\n"
	"        managed  950272\n"
	"        cma      0\n"
	"        protection: (0, 0, 0, 0, 0)\n"
	"      nr_free_pages 437847\n"
	"      nr_free_pages_blocks 92160\n"
	"      nr_zone_inactive_anon 167775\n"
	"      nr_zone_active_anon 422\n"
	"      nr_zone_inactive_file 151008\n"
	"      nr_zone_active_file 105101\n"
	"      nr_zone_unevictable 4274\n"
	"      nr_zone_write_pending 709\n"
	"      nr_mlock     4041\n"
	"      nr_zspages   0\n"
	"      nr_free_cma  0\n"
	"      numa_hit     20797531\n"
	"      numa_miss    0\n"
	"      numa_foreign 0\n"
	"      numa_interleave 1112\n"
	"      numa_local   20773865\n"
	"      numa_other   0\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count:    11974\n"
	"              high:     38577\n"
	"              batch:    63\n"
	"              high_min: 5810\n"
	"              high_max: 59392\n"
	"  vm stats threshold: 24\n"
	"    cpu: 1\n"
	"              count:    27831\n"
	"              high:     29563\n"
	"              batch:    63\n"
	"              high_min: 5810\n"
	"              high_max: 59392\n"
	"  vm stats threshold: 24\n"
	"  node_unreclaimable:  0\n"
	"  start_pfn:           1048576\n"
	"Node 0, zone  Movable\n"
	"  pages free     0\n"
	"        boost    0\n"
	"        min      32\n"
	"        low      32\n"
	"        high     32\n"
	"        promo    32\n"
	"        spanned  0\n"
	"        present  0\n"
	"        managed  0\n"
	"        cma      0\n"
	"        protection: (0, 0, 0, 0, 0)\n"
	"Node 0, zone   Device\n"
	"  pages free     0\n"
	"        boost    0\n"
	"        min      0\n"
	"        low      0\n"
	"        high     0\n"
	"        promo    0\n"
	"        spanned  0\n"
	"        present  0\n"
	"        managed  0\n"
	"        cma      0\n"
	"        protection: (0, 0, 0, 0, 0)\n";

/* Its /proc/meminfo, read right after. */
static const char meminfo_618_pcp[] =
	"MemTotal:       24684092 kB\nMemFree:        22634340 kB\nMemAvailable:   23498508 kB\n"
	"Buffers:           14580 kB\nCached:          1018812 kB\nSwapCached:        20900 kB\n"
	"Active:           422092 kB\nInactive:        1273832 kB\nActive(anon):       1688 kB\n"
	"Inactive(anon):   669800 kB\nActive(file):     420404 kB\nInactive(file):   604032 kB\n"
	"Unevictable:       17096 kB\nMlocked:           16164 kB\nSwapTotal:        983036 kB\n"
	"SwapFree:         789532 kB\nZswap:                 0 kB\nZswapped:              0 kB\n"
	"Dirty:              2836 kB\nWriteback:             0 kB\nAnonPages:        658996 kB\n"
	"Mapped:            17904 kB\nShmem:              8856 kB\nKReclaimable:     111348 kB\n"
	"Slab:             139464 kB\nSReclaimable:     111348 kB\nSUnreclaim:        28116 kB\n"
	"KernelStack:        2104 kB\nPageTables:         5276 kB\nSecPageTables:         0 kB\n"
	"NFS_Unstable:          0 kB\nBounce:                0 kB\nWritebackTmp:          0 kB\n"
	"CommitLimit:    13325080 kB\nCommitted_AS:     932368 kB\nVmallocTotal:   34359738367 kB\n"
	"VmallocUsed:       15644 kB\nVmallocChunk:          0 kB\nPercpu:              760 kB\n"
	"AnonHugePages:         0 kB\nShmemHugePages:        0 kB\nShmemPmdMapped:        0 kB\n"
	"FileHugePages:         0 kB\nFilePmdMapped:         0 kB\nBalloon:               0 kB\n"
	"HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\n"
	"HugePages_Surp:        0\nHugepagesize:       2048 kB\nHugetlb:               0 kB\n"
	"DirectMap4k:       26624 kB\nDirectMap2M:     2070528 kB\nDirectMap1G:    25165824 kB\n";

static void test_zoneinfo(void)
{
	struct pcp_lists p;

	CHECK(kmem_parse_zoneinfo(zoneinfo_618, &p));
	/* count: 0 + 0 (DMA), 0 + 0 (DMA32), 11974 + 27831 (Normal) */
	CHECK_EQ_U(p.pages, 39805);
	CHECK_EQ_U(p.zones, 3);
	CHECK_EQ_U(p.lists, 6);
	/* high_max: 2 * (240 + 48307 + 59392) */
	CHECK_EQ_U(p.high_max, 2 * (240 + 48307 + 59392));
}

/* Before 6.7: no high_min/high_max, "count: N" with one space; the limit is "high:". */
static void test_zoneinfo_old(void)
{
	const char *text = "Node 0, zone   Normal\n  pages free     1000\n        min      10\n"
			   "        high     30\n        protection: (0, 0, 0)\n      nr_free_pages 1000\n"
			   "  pagesets\n    cpu: 0\n              count: 42\n              high:  378\n"
			   "              batch: 63\n  vm stats threshold: 24\n    cpu: 1\n"
			   "              count: 8\n              high:  378\n              batch: 63\n"
			   "  vm stats threshold: 24\n  node_unreclaimable:  0\n  start_pfn:           4096\n"
			   "Node 0, zone  Movable\n  pages free     0\n        protection: (0, 0, 0)\n";
	struct pcp_lists p;

	CHECK(kmem_parse_zoneinfo(text, &p));
	CHECK_EQ_U(p.pages, 50);
	CHECK_EQ_U(p.lists, 2);
	CHECK_EQ_U(p.zones, 1);
	/* the zone's watermark "high" (8 spaces, outside pagesets) is not a list's */
	CHECK_EQ_U(p.high_max, 756);
}

static void test_zoneinfo_broken(void)
{
	struct pcp_lists p;

	CHECK(!kmem_parse_zoneinfo("", &p));
	CHECK(!kmem_parse_zoneinfo("MemTotal: 1000 kB\n", &p));
	CHECK(!kmem_parse_zoneinfo("Node 0, zone Normal\n  pagesets\n    cpu: 0\n      count: x\n", &p));
	CHECK(!kmem_parse_zoneinfo("Node 0, zone Normal\n  pagesets\n    cpu: 0\n      count: -3\n", &p));
	CHECK(!kmem_parse_zoneinfo("Node 0, zone Normal\n  pagesets\n    cpu: 0\n      count: 3 4\n", &p));
	/* printed %i: more than INT_MAX is not a count */
	CHECK(!kmem_parse_zoneinfo("Node 0, zone Normal\n  pagesets\n    cpu: 0\n      count: 2147483648\n", &p));
	CHECK(kmem_parse_zoneinfo("Node 0, zone Normal\n  pagesets\n    cpu: 0\n      count: 2147483647", &p));
	CHECK_EQ_U(p.pages, 2147483647);
	/* a count outside pagesets is none of the lists' */
	CHECK(kmem_parse_zoneinfo("Node 0, zone Normal\n      count: 5\n", &p));
	CHECK_EQ_U(p.pages, 0);
	CHECK_EQ_U(p.zones, 0);
}

/* The lists are free memory: with them, unaccounted is what no counter names. */
static void test_split_pcp(void)
{
	struct meminfo m;
	struct pcp_lists p;
	struct mem_split with, without;
	int64_t group[MEM_GROUPS] = { 0 };

	CHECK(proc_parse_meminfo(meminfo_618_pcp, &m));
	CHECK(kmem_parse_zoneinfo(zoneinfo_618, &p));
	kmem_split(&m, p.pages * 4096, true, &with);
	kmem_split(&m, 0, true, &without);
	CHECK_EQ_U(with.pcp_free, 39805ULL * 4096);
	CHECK_EQ_U(parts_sum(&with, group), 24684092ULL * 1024);
	CHECK_EQ_U(parts_sum(&without, NULL), 24684092ULL * 1024);
	CHECK_EQ_U(group[MEM_FREE], (22634340ULL + 159220) * 1024);
	/* 155 MiB of "unaccounted" was free pages on the lists; 15.7 MiB is left */
	CHECK(without.unaccounted - with.unaccounted == 159220LL * 1024);
	CHECK(with.unaccounted == 16100LL * 1024);
	CHECK(kmem_untracked(&with) == 30400LL * 1024);
}

static void test_sockstat(void)
{
	uint64_t tcp, udp;

	CHECK(kmem_parse_sockstat("sockets: used 11\nTCP: inuse 3 orphan 0 tw 0 alloc 3 mem 2804\n"
				  "UDP: inuse 0 mem 7\nUDPLITE: inuse 0\nRAW: inuse 0\n"
				  "FRAG: inuse 0 memory 0\n", &tcp, &udp));
	CHECK_EQ_U(tcp, 2804);
	CHECK_EQ_U(udp, 7);
	CHECK(!kmem_parse_sockstat("sockets: used 1\n", &tcp, &udp));
}

static void test_virtio_features(void)
{
	/* this VM's virtio_balloon: STATS_VQ, DEFLATE_ON_OOM, REPORTING, VERSION_1 */
	const char *f = "0110010100000000000000000000000010000000000000000000000000000000\n";

	CHECK(!kmem_virtio_feature(f, 0));
	CHECK(kmem_virtio_feature(f, 2));
	CHECK(!kmem_virtio_feature(f, 3));
	CHECK(kmem_virtio_feature(f, 32));
	CHECK(!kmem_virtio_feature("01", 2));
}

static void test_sock_held(void)
{
	struct sock_info s = { .family = 2, .protocol = 6, .state = 1, .rqueue = 8337051,
			       .rmem = 8369499, .have_mem = true };

	/* the charged memory when it is more than the queue */
	CHECK_EQ_U(sock_held(&s), 8369499);
	s.rmem = 4096;
	CHECK_EQ_U(sock_held(&s), 8337051);
	/* a listener's queues count connections, not bytes */
	s.state = SOCK_STATE_LISTEN;
	CHECK_EQ_U(sock_held(&s), 0);
}

int main(void)
{
	RUN_TEST(test_slabinfo);
	RUN_TEST(test_slabinfo_broken);
	RUN_TEST(test_slab_growth);
	RUN_TEST(test_slab_aliases);
	RUN_TEST(test_vmallocinfo);
	RUN_TEST(test_vmallocinfo_many);
	RUN_TEST(test_mountinfo);
	RUN_TEST(test_split_recorded);
	RUN_TEST(test_split_overlaps);
	RUN_TEST(test_split_swap_mapped);
	RUN_TEST(test_zoneinfo);
	RUN_TEST(test_zoneinfo_old);
	RUN_TEST(test_zoneinfo_broken);
	RUN_TEST(test_split_pcp);
	RUN_TEST(test_sockstat);
	RUN_TEST(test_virtio_features);
	RUN_TEST(test_sock_held);
	TAP_DONE();
}
