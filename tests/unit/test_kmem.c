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
	kmem_split(&m, true, &s);
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
	kmem_split(&m, true, &in);
	kmem_split(&m, false, &out);
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
	kmem_split(&m, false, &in);
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
	kmem_split(&m, false, &s);
	CHECK_EQ_U(parts_sum(&s, NULL), 1000000ULL * 1024);
	/* the raw rest is 30000 - 310000 = -280000: that much of SwapCached is mapped */
	CHECK_EQ_U(s.swap_mapped, 280000ULL * 1024);
	CHECK_EQ_U(s.swap_cached, 30000ULL * 1024);
	CHECK_EQ_U(s.unaccounted, 0);
	/* adaptivemm counts it twice, and goes negative */
	CHECK(s.adaptivemm == -280000LL * 1024);

	/* a deficit larger than the swap cache stays visible */
	CHECK(proc_parse_meminfo("MemTotal: 1000 kB\nMemFree: 900 kB\nAnonPages: 200 kB\nSwapCached: 50 kB\n", &m));
	kmem_split(&m, false, &s);
	CHECK_EQ_U(s.swap_mapped, 50 * 1024);
	CHECK(s.unaccounted == -100 * 1024);
	CHECK_EQ_U(parts_sum(&s, NULL), 1000 * 1024);
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
	RUN_TEST(test_sockstat);
	RUN_TEST(test_virtio_features);
	RUN_TEST(test_sock_held);
	TAP_DONE();
}
