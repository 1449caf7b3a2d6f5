// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail diagnose: where is the memory? MemTotal split into free,
 * application, kernel and unaccounted memory, each part with the counter it
 * comes from, then the suspects for memory no process owns: slab caches,
 * vmalloc callers, tmpfs mounts, socket queues (with their process), the
 * balloon. docs/diagnose.md explains each figure.
 *
 * `--watch N` (not in --help: a test entry point) runs the daemon's system
 * watch for N passes on this machine, findings on stderr.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "json.h"
#include "kmem.h"
#include "log.h"
#include "sockdiag.h"
#include "syswatch.h"
#include "units.h"
#include "util.h"

struct sock_top {
	struct sock_info s;
	uint64_t held;
	struct sock_holder h;
};

struct diagnosis {
	size_t top;
	uint64_t page_size;
	int procfd;

	struct meminfo mi;
	struct mem_split split;
	int mem_err;
	struct pcp_lists pcp;
	int pcp_err;
	uint64_t zswap, tcp_pages, udp_pages;

	struct slab_list slabs;
	struct slab_aliases aliases;
	int slab_err;

	struct vmalloc_list vm;
	int vm_err;

	struct tmpfs_list tmpfs;
	int tmpfs_err;

	struct sock_top *socks;   /* the top ones, most held first */
	size_t n_socks;
	uint64_t sock_count, sock_held;
	int sock_err;

	struct balloon_info balloon;
	uint64_t elapsed_us;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Keep the `top` sockets holding the most, by insertion into a short sorted array. */
static void sock_keep(const struct sock_info *s, void *userdata)
{
	struct diagnosis *d = userdata;
	uint64_t held = sock_held(s);
	size_t i;

	d->sock_count++;
	d->sock_held += held;
	if (held == 0 || (d->n_socks == d->top && held <= d->socks[d->n_socks - 1].held))
		return;
	if (d->n_socks < d->top)
		d->n_socks++;
	for (i = d->n_socks - 1; i > 0 && d->socks[i - 1].held < held; i--)
		d->socks[i] = d->socks[i - 1];
	d->socks[i] = (struct sock_top){ .s = *s, .held = held };
}

/* The processes holding the top sockets: one pass over /proc/PID/fd for all of them. */
static void find_holders(struct diagnosis *d)
{
	cleanup_free struct sock_holder *h = calloc(d->n_socks + 1, sizeof(*h));

	if (!h)
		return;
	for (size_t i = 0; i < d->n_socks; i++)
		h[i] = (struct sock_holder){ .inode = d->socks[i].s.inode };
	/* on failure every pid stays 0: the table shows "-" */
	sock_find_holders(d->procfd, h, d->n_socks);
	for (size_t i = 0; i < d->n_socks; i++)
		d->socks[i].h = h[i];
}

static void gather(struct diagnosis *d)
{
	cleanup_free char *buf = NULL;
	uint64_t t0 = mono_us();
	char small[4096];
	ssize_t n;

	/* zoneinfo first and meminfo right after: the per-CPU lists move fast */
	n = read_file_alloc(d->procfd, "zoneinfo", &buf);
	d->pcp_err = n < 0 ? (int)n : kmem_parse_zoneinfo(buf, &d->pcp) ? 0 : -EINVAL;
	free(buf);
	buf = NULL;
	if (d->pcp_err)
		memset(&d->pcp, 0, sizeof(d->pcp));
	n = read_file_alloc(d->procfd, "meminfo", &buf);
	d->mem_err = n < 0 ? (int)n : proc_parse_meminfo(buf, &d->mi) ? 0 : -EINVAL;
	kmem_balloon_detect(&d->balloon);
	if (d->mem_err == 0) {
		kmem_split(&d->mi, d->pcp.pages * d->page_size, d->balloon.in_total, &d->split);
		proc_status_kb(buf, "Zswap", &d->zswap);
	}
	if (read_file_at(d->procfd, "net/sockstat", small, sizeof(small)) > 0)
		kmem_parse_sockstat(small, &d->tcp_pages, &d->udp_pages);
	free(buf);
	buf = NULL;

	n = read_file_alloc(d->procfd, "slabinfo", &buf);
	d->slab_err = n < 0 ? (int)n : kmem_parse_slabinfo(buf, &d->slabs);
	if (d->slab_err == 0)
		kmem_slab_aliases_load(&d->aliases);
	free(buf);
	buf = NULL;

	n = read_file_alloc(d->procfd, "vmallocinfo", &buf);
	d->vm_err = n < 0 ? (int)n : kmem_parse_vmallocinfo(buf, d->page_size, &d->vm);
	free(buf);
	buf = NULL;

	d->tmpfs_err = kmem_tmpfs_load(&d->tmpfs);

	d->socks = calloc(d->top, sizeof(*d->socks));
	d->sock_err = d->socks ? sockdiag_walk(SOCKDIAG_ALL, sock_keep, d) : -ENOMEM;
	if (d->sock_err == 0)
		find_holders(d);
	d->elapsed_us = mono_us() - t0;
}

static void diagnosis_free(struct diagnosis *d)
{
	slab_list_free(&d->slabs);
	slab_aliases_free(&d->aliases);
	vmalloc_list_free(&d->vm);
	tmpfs_list_free(&d->tmpfs);
	free(d->socks);
	if (d->procfd >= 0)
		close(d->procfd);
}

static const char *why(int err)
{
	return err == -EACCES || err == -EPERM ? "needs root" : strerror(-err);
}

/* "12.3 MiB", or "-1.0 MiB" for a negative part */
static const char *fmt_signed(char *buf, size_t size, int64_t v)
{
	char s[FMT_SIZE_MAX];

	if (v >= 0)
		return fmt_size(buf, size, (uint64_t)v);
	snprintf(buf, size, "-%s", fmt_size(s, sizeof(s), (uint64_t)-v));
	return buf;
}

/* ---- text ---- */

/* Parts that few systems have: a zero there stays out of the way. */
static bool part_rare(const char *key)
{
	static const char *const rare[] = { "kreclaimable_other", "sec_page_tables", "hugetlb", "balloon" };

	for (size_t i = 0; i < ARRAY_SIZE(rare); i++)
		if (strcmp(key, rare[i]) == 0)
			return true;
	return false;
}

static void text_split(const struct diagnosis *d)
{
	struct mem_part parts[MEM_PARTS_MAX];
	size_t n = kmem_split_parts(&d->split, parts, ARRAY_SIZE(parts));
	int64_t group[MEM_GROUPS] = { 0 };
	char a[FMT_SIZE_MAX + 1], b[FMT_SIZE_MAX];

	if (d->mem_err) {
		printf("/proc/meminfo: %s\n\n", why(d->mem_err));
		return;
	}
	for (size_t i = 0; i < n; i++)
		group[parts[i].group] += parts[i].bytes;
	printf("Where the memory is: MemTotal %s (/proc/meminfo)\n",
	       fmt_size(a, sizeof(a), d->split.total));
	for (enum mem_group g = MEM_FREE; g < MEM_GROUPS; g++) {
		static const char *const title[] = { "free", "application memory", "kernel memory",
						     "unaccounted" };

		if (g == MEM_UNACCOUNTED) {
			/* a group of one part: the part's own line */
			for (size_t i = 0; i < n; i++)
				if (parts[i].group == g)
					printf("  %-26s %10s  %s\n", title[g],
					       fmt_signed(a, sizeof(a), parts[i].bytes), parts[i].source);
		} else {
			printf("  %-26s %10s\n", title[g], fmt_signed(a, sizeof(a), group[g]));
			for (size_t i = 0; i < n; i++) {
				if (parts[i].group != g || (parts[i].bytes == 0 && part_rare(parts[i].key)))
					continue;
				printf("    %-24s %10s  %s\n", parts[i].name,
				       fmt_signed(a, sizeof(a), parts[i].bytes), parts[i].source);
			}
		}
	}
	if (d->zswap)
		printf("    %-24s %10s  Zswap (compressed swap in RAM)\n", "of which zswap pool",
		       fmt_size(a, sizeof(a), d->zswap));
	if (d->tcp_pages || d->udp_pages) {
		char c[FMT_SIZE_MAX];

		printf("    %-24s %10s  /proc/net/sockstat mem: TCP %s, UDP %s (partly in slab)\n",
		       "socket buffers", fmt_size(a, sizeof(a), (d->tcp_pages + d->udp_pages) * d->page_size),
		       fmt_size(b, sizeof(b), d->tcp_pages * d->page_size),
		       fmt_size(c, sizeof(c), d->udp_pages * d->page_size));
	}
	if (d->pcp_err)
		printf("  Per-CPU free lists: /proc/zoneinfo %s: they are inside unaccounted.\n",
		       why(d->pcp_err));
	else
		printf("  Per-CPU free lists: %u (%u zones times the CPUs), may hold up to %s; MemFree\n"
		       "  leaves them out.\n",
		       d->pcp.lists, d->pcp.zones, fmt_size(a, sizeof(a), d->pcp.high_max * d->page_size));
	printf("  Unevictable %s is inside the application parts, not added again.\n",
	       fmt_size(a, sizeof(a), d->split.unevictable));
	if (d->split.swap_mapped)
		printf("  SwapCached: %s of it is mapped again and counted in AnonPages too (taken off the\n"
		       "  swap cache); unaccounted memory behind it cannot be seen.\n",
		       fmt_size(a, sizeof(a), d->split.swap_mapped));
	printf("  adaptivemm's formula gives %s unaccounted (it counts Unevictable and CmaTotal twice,\n"
	       "  vmalloc and percpu as unaccounted, the per-CPU free lists as used): here %s.\n",
	       fmt_signed(a, sizeof(a), d->split.adaptivemm),
	       fmt_signed(b, sizeof(b), kmem_untracked(&d->split)));
	if (d->split.balloon_outside)
		printf("  Balloon %s is outside MemTotal: the driver took it away.\n",
		       fmt_size(a, sizeof(a), d->split.balloon_outside));
	printf("\n");
}

static void text_slabs(const struct diagnosis *d)
{
	cleanup_free const struct slab_cache **top = calloc(d->top, sizeof(*top));
	size_t n;

	if (!top)
		return;
	if (d->slab_err) {
		printf("Slab caches (/proc/slabinfo): %s\n\n", why(d->slab_err));
		return;
	}
	n = kmem_slab_top(&d->slabs, d->page_size, top, d->top);
	printf("Largest slab caches (/proc/slabinfo; merged names from /sys/kernel/slab):\n");
	printf("  %-24s %10s %10s %8s  %s\n", "CACHE", "TOTAL", "ACTIVE", "OBJSIZE", "MERGED WITH");
	for (size_t i = 0; i < n; i++) {
		char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], merged[512];

		kmem_slab_aliases_of(&d->aliases, top[i]->name, merged, sizeof(merged));
		printf("  %-24.24s %10s %10s %8" PRIu64 "  %s\n", top[i]->name,
		       fmt_size(a, sizeof(a), slab_total_bytes(top[i], d->page_size)),
		       fmt_size(b, sizeof(b), slab_active_bytes(top[i])), top[i]->objsize,
		       merged[0] ? merged : "-");
	}
	printf("\n");
}

static void text_vmalloc(const struct diagnosis *d)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX];

	if (d->vm_err) {
		printf("vmalloc (/proc/vmallocinfo): %s\n\n", why(d->vm_err));
		return;
	}
	printf("vmalloc by caller (/proc/vmallocinfo): %s in memory\n",
	       fmt_size(a, sizeof(a), d->vm.total_bytes));
	printf("  %-36s %10s %7s %14s\n", "CALLER", "MEMORY", "AREAS", "ADDRESS SPACE");
	for (size_t i = 0; i < d->vm.n && i < d->top; i++)
		printf("  %-36.36s %10s %7" PRIu64 " %14s\n", d->vm.v[i].caller,
		       fmt_size(a, sizeof(a), d->vm.v[i].bytes), d->vm.v[i].areas,
		       fmt_size(b, sizeof(b), d->vm.v[i].vsize));
	printf("\n");
}

static void text_tmpfs(const struct diagnosis *d)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX];

	if (d->tmpfs_err) {
		printf("tmpfs (/proc/self/mountinfo): %s\n\n", strerror(-d->tmpfs_err));
		return;
	}
	printf("tmpfs mounts (/proc/self/mountinfo, statfs): %s used\n", fmt_size(a, sizeof(a), d->tmpfs.used));
	if (d->mem_err == 0 && d->mi.shmem > d->tmpfs.used)
		printf("  Shmem is %s more: SysV/POSIX shared memory, memfd, shared anonymous mappings,\n"
		       "  tmpfs covered by another mount or in another mount namespace.\n",
		       fmt_size(b, sizeof(b), d->mi.shmem - d->tmpfs.used));
	printf("  %10s %10s  %-8s %s\n", "USED", "SIZE", "DEVICE", "MOUNT POINT");
	for (size_t i = 0; i < d->tmpfs.n && i < d->top; i++) {
		const struct tmpfs_mount *t = &d->tmpfs.v[i];
		char dev[32];

		snprintf(dev, sizeof(dev), "%u:%u", t->major, t->minor);
		if (t->hidden)
			printf("  %10s %10s  %-8s %s (covered by a later mount: use unknown)\n", "?", "?", dev,
			       t->mountpoint);
		else
			printf("  %10s %10s  %-8s %s%s\n", fmt_size(a, sizeof(a), t->used),
			       t->size ? fmt_size(b, sizeof(b), t->size) : "unlimited", dev, t->mountpoint,
			       t->mounts > 1 ? " (and bind mounts)" : "");
	}
	printf("\n");
}

static void holder_text(const struct sock_holder *h, char *buf, size_t size)
{
	if (!h->pid)
		snprintf(buf, size, "-");
	else if (h->holders > 1)
		snprintf(buf, size, "%d (%s) +%u", h->pid, h->comm, h->holders - 1);
	else
		snprintf(buf, size, "%d (%s)", h->pid, h->comm);
}

static void text_socks(const struct diagnosis *d)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX], c[FMT_SIZE_MAX];

	if (d->sock_err) {
		printf("Sockets (NETLINK_SOCK_DIAG): %s\n\n", strerror(-d->sock_err));
		return;
	}
	printf("Sockets holding the most (NETLINK_SOCK_DIAG: %" PRIu64 " sockets, %s queued or charged;\n"
	       "  holders from /proc/PID/fd):\n", d->sock_count, fmt_size(a, sizeof(a), d->sock_held));
	if (!d->n_socks) {
		printf("  none holds anything\n\n");
		return;
	}
	printf("  %-5s %-10s %10s %10s %10s  %-22s %-22s %s\n", "PROTO", "STATE", "RECV-Q", "SEND-Q",
	       "CHARGED", "LOCAL", "PEER", "PID (COMM)");
	for (size_t i = 0; i < d->n_socks; i++) {
		const struct sock_top *t = &d->socks[i];
		char local[160], peer[160], who[128];

		sock_format_addr(&t->s, false, local, sizeof(local));
		sock_format_addr(&t->s, true, peer, sizeof(peer));
		holder_text(&t->h, who, sizeof(who));
		printf("  %-5s %-10s %10s %10s %10s  %-22s %-22s %s\n", sock_kind(&t->s),
		       sock_state_name(&t->s), fmt_size(a, sizeof(a), t->s.rqueue),
		       fmt_size(b, sizeof(b), t->s.wqueue),
		       t->s.have_mem ? fmt_size(c, sizeof(c), (uint64_t)t->s.rmem + t->s.wmem) : "?",
		       local, peer, who);
	}
	printf("\n");
}

static void text_balloon(const struct diagnosis *d)
{
	char a[FMT_SIZE_MAX];

	if (!d->balloon.driver[0]) {
		printf("Balloon: no balloon driver bound%s%s\n", d->mi.balloon ? "; Balloon in /proc/meminfo: " : "",
		       d->mi.balloon ? fmt_size(a, sizeof(a), d->mi.balloon) : "");
		return;
	}
	printf("Balloon: %s on %s, %s inflated (Balloon in /proc/meminfo), %s\n", d->balloon.driver,
	       d->balloon.device, fmt_size(a, sizeof(a), d->mi.balloon),
	       d->balloon.in_total ? "inside MemTotal (deflate-on-oom)" : "taken out of MemTotal");
}

static void print_text(const struct diagnosis *d)
{
	text_split(d);
	text_slabs(d);
	text_vmalloc(d);
	text_tmpfs(d);
	text_socks(d);
	text_balloon(d);
	printf("(gathered in %.1f ms)\n", (double)d->elapsed_us / 1000.0);
}

/* ---- JSON ---- */

/* Open a section: "key":{"source":"..." (the caller closes it), or "key":{"error":"..."} and false. */
static bool json_section(const char *key, int err, const char *source)
{
	printf("\"%s\":{", key);
	if (err) {
		printf("\"error\":");
		json_string(stdout, why(err));
		printf("}");
		return false;
	}
	printf("\"source\":");
	json_string(stdout, source);
	return true;
}

static void json_split(const struct diagnosis *d)
{
	struct mem_part parts[MEM_PARTS_MAX];
	size_t n = kmem_split_parts(&d->split, parts, ARRAY_SIZE(parts));
	int64_t group[MEM_GROUPS] = { 0 };

	if (!json_section("memory", d->mem_err, "/proc/meminfo"))
		return;
	printf(",\"total\":%" PRIu64 ",\"parts\":[", d->split.total);
	for (size_t i = 0; i < n; i++) {
		group[parts[i].group] += parts[i].bytes;
		printf("%s{\"name\":", i ? "," : "");
		json_string(stdout, parts[i].key);
		printf(",\"group\":");
		json_string(stdout, mem_group_name(parts[i].group));
		printf(",\"source\":");
		json_string(stdout, parts[i].source);
		printf(",\"bytes\":%" PRId64 "}", parts[i].bytes);
	}
	printf("],\"pcp_free\":");
	if (d->pcp_err) {
		printf("{\"error\":");
		json_string(stdout, why(d->pcp_err));
		printf("}");
	} else {
		printf("{\"source\":\"/proc/zoneinfo\",\"bytes\":%" PRIu64 ",\"lists\":%u,\"zones\":%u"
		       ",\"high_max_bytes\":%" PRIu64 "}",
		       d->split.pcp_free, d->pcp.lists, d->pcp.zones, d->pcp.high_max * d->page_size);
	}
	printf(",\"groups\":{");
	for (enum mem_group g = MEM_FREE; g < MEM_GROUPS; g++)
		printf("%s\"%s\":%" PRId64, g ? "," : "", mem_group_name(g), group[g]);
	printf("},\"unevictable\":%" PRIu64 ",\"swap_mapped\":%" PRIu64 ",\"adaptivemm_unaccounted\":%" PRId64
	       ",\"untracked\":%" PRId64 ",\"balloon_outside\":%" PRIu64 ",\"zswap\":%" PRIu64
	       ",\"socket_buffers\":{\"source\":\"/proc/net/sockstat\",\"tcp\":%" PRIu64 ",\"udp\":%" PRIu64 "}}",
	       d->split.unevictable, d->split.swap_mapped, d->split.adaptivemm, kmem_untracked(&d->split),
	       d->split.balloon_outside, d->zswap, d->tcp_pages * d->page_size,
	       d->udp_pages * d->page_size);
}

static void json_slabs(const struct diagnosis *d)
{
	cleanup_free const struct slab_cache **top = calloc(d->top, sizeof(*top));
	size_t n;

	if (!json_section("slab", d->slab_err ? d->slab_err : top ? 0 : -ENOMEM, "/proc/slabinfo"))
		return;
	n = kmem_slab_top(&d->slabs, d->page_size, top, d->top);
	printf(",\"caches\":[");
	for (size_t i = 0; i < n; i++) {
		char merged[512];
		const char *p = merged;

		kmem_slab_aliases_of(&d->aliases, top[i]->name, merged, sizeof(merged));
		printf("%s{\"name\":", i ? "," : "");
		json_string(stdout, top[i]->name);
		printf(",\"total_bytes\":%" PRIu64 ",\"active_bytes\":%" PRIu64 ",\"active_objs\":%" PRIu64
		       ",\"objsize\":%" PRIu64 ",\"merged_with\":[",
		       slab_total_bytes(top[i], d->page_size), slab_active_bytes(top[i]),
		       top[i]->active_objs, top[i]->objsize);
		for (bool first = true; *p; first = false) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char name[SLAB_NAME_MAX + 1];

			snprintf(name, sizeof(name), "%.*s", (int)MIN(len, SLAB_NAME_MAX), p);
			printf("%s", first ? "" : ",");
			json_string(stdout, name);
			p += len + (comma ? 1 : 0);
		}
		printf("]}");
	}
	printf("]}");
}

static void json_vmalloc(const struct diagnosis *d)
{
	if (!json_section("vmalloc", d->vm_err, "/proc/vmallocinfo"))
		return;
	printf(",\"total_bytes\":%" PRIu64 ",\"callers\":[", d->vm.total_bytes);
	for (size_t i = 0; i < d->vm.n && i < d->top; i++) {
		printf("%s{\"caller\":", i ? "," : "");
		json_string(stdout, d->vm.v[i].caller);
		printf(",\"bytes\":%" PRIu64 ",\"areas\":%" PRIu64 ",\"address_space\":%" PRIu64 "}",
		       d->vm.v[i].bytes, d->vm.v[i].areas, d->vm.v[i].vsize);
	}
	printf("]}");
}

static void json_tmpfs(const struct diagnosis *d)
{
	if (!json_section("tmpfs", d->tmpfs_err, "/proc/self/mountinfo"))
		return;
	printf(",\"used\":%" PRIu64 ",\"mounts\":[", d->tmpfs.used);
	for (size_t i = 0; i < d->tmpfs.n && i < d->top; i++) {
		const struct tmpfs_mount *t = &d->tmpfs.v[i];

		printf("%s{\"mountpoint\":", i ? "," : "");
		json_string(stdout, t->mountpoint);
		printf(",\"device\":\"%u:%u\",\"hidden\":%s", t->major, t->minor, t->hidden ? "true" : "false");
		if (!t->hidden)
			printf(",\"used\":%" PRIu64 ",\"size\":%" PRIu64, t->used, t->size);
		printf(",\"mounts\":%u}", t->mounts);
	}
	printf("]}");
}

static void json_socks(const struct diagnosis *d)
{
	if (!json_section("sockets", d->sock_err, "NETLINK_SOCK_DIAG"))
		return;
	printf(",\"count\":%" PRIu64 ",\"held\":%" PRIu64 ",\"top\":[", d->sock_count, d->sock_held);
	for (size_t i = 0; i < d->n_socks; i++) {
		const struct sock_top *t = &d->socks[i];
		char local[160], peer[160];

		sock_format_addr(&t->s, false, local, sizeof(local));
		sock_format_addr(&t->s, true, peer, sizeof(peer));
		printf("%s{\"proto\":\"%s\",\"state\":\"%s\",\"local\":", i ? "," : "", sock_kind(&t->s),
		       sock_state_name(&t->s));
		json_string(stdout, local);
		printf(",\"peer\":");
		json_string(stdout, peer);
		printf(",\"recv_q\":%u,\"send_q\":%u,\"charged\":%" PRIu64 ",\"held\":%" PRIu64
		       ",\"inode\":%" PRIu64,
		       t->s.rqueue, t->s.wqueue, (uint64_t)t->s.rmem + t->s.wmem, t->held, t->s.inode);
		if (t->h.pid) {
			printf(",\"pid\":%d,\"fd\":%d,\"holders\":%u,\"comm\":", t->h.pid, t->h.fd, t->h.holders);
			json_string(stdout, t->h.comm);
		} else {
			printf(",\"pid\":null");
		}
		printf("}");
	}
	printf("]}");
}

/* Version of this JSON: docs/json-schema.md (status --json has the same one) */
#define DIAGNOSE_SCHEMA_VERSION 1

static void print_json(const struct diagnosis *d)
{
	printf("{\"schema_version\":%d,", DIAGNOSE_SCHEMA_VERSION);
	json_split(d);
	printf(",");
	json_slabs(d);
	printf(",");
	json_vmalloc(d);
	printf(",");
	json_tmpfs(d);
	printf(",");
	json_socks(d);
	printf(",\"balloon\":{\"driver\":");
	if (d->balloon.driver[0])
		json_string(stdout, d->balloon.driver);
	else
		printf("null");
	printf(",\"bytes\":%" PRIu64 ",\"in_memtotal\":%s},\"elapsed_us\":%" PRIu64 "}\n",
	       d->mi.balloon, d->balloon.in_total ? "true" : "false", d->elapsed_us);
}

/* ---- --watch: the daemon's system watch, for tests and for measuring its cost ---- */

static int run_watch(unsigned long passes, uint64_t interval_ms)
{
	struct syswatch w;
	unsigned int found = 0;
	int r;

	log_init(LOG_TARGET_STDERR, LOG_INFO);
	r = syswatch_init(&w);
	if (r < 0) {
		fprintf(stderr, "leakjail diagnose: cannot open /proc: %s\n", strerror(-r));
		return 1;
	}
	/* every pass a scan, and a slow one: N passes are N scans */
	w.slow_every = 1;
	w.scan_ms = 0;
	for (unsigned long i = 0; i < passes; i++) {
		char buf[8192];
		struct meminfo m;

		if (i) {
			struct timespec ts = { (time_t)(interval_ms / 1000),
					       (long)(interval_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (read_file_at(w.procfd, "meminfo", buf, sizeof(buf)) < 0 ||
		    !proc_parse_meminfo(buf, &m)) {
			fprintf(stderr, "leakjail diagnose: cannot read /proc/meminfo\n");
			syswatch_free(&w);
			return 1;
		}
		syswatch_pass(&w, &m, now_ms());
	}
	for (int k = 0; k < SW_KINDS; k++)
		found += w.found[k];
	lj_log(LOG_INFO, "watch: %lu passes, %u finding%s; slabinfo + sockets pass %.2f ms mean, %.2f ms max; "
	       "holder lookup %.2f ms max; zoneinfo + meminfo read on %" PRIu64 " passes, %.0f us mean, "
	       "%.0f us max",
	       passes, found, found == 1 ? "" : "s", w.slow_passes ? (double)w.slow_us_total / (double)w.slow_passes / 1000.0 : 0.0,
	       (double)w.slow_us_max / 1000.0, (double)w.holders_us_max / 1000.0, w.pcp_reads,
	       w.pcp_reads ? (double)w.pcp_us_total / (double)w.pcp_reads : 0.0, (double)w.pcp_us_max);
	syswatch_free(&w);
	return 0;
}

static const struct cli_opt diagnose_opts[] = {
	{ "-j, --json", "print JSON" },
	{ "-t, --top N", "how many of each kind of suspect to list (1 to 1000, default 5)" },
	{ "-w, --watch N", "instead: N passes of the kernel watch, an interval apart, then its verdicts" },
	{ "-i, --interval DURATION", "time between --watch passes (100ms to 10m, default 2s)" },
	{ "-c, --config FILE", "accepted as every command does; the breakdown needs no setting" },
	CLI_OPT_HELP,
	{ NULL, NULL },
};

static const struct cli_help diagnose_help = {
	.command = "diagnose",
	.synopsis = "[OPTIONS]",
	.about = "Where the memory is: MemTotal split into free, application, kernel and\n"
		 "unaccounted memory, then the largest slab caches, vmalloc callers, tmpfs\n"
		 "mounts, the sockets holding the most and their processes, the balloon.\n"
		 "Slab and vmalloc details need root.",
	.opts = diagnose_opts,
};

int cmd_diagnose(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "top", required_argument, NULL, 't' },
		{ "watch", required_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct diagnosis d = { .top = 5, .procfd = -1 };
	struct cli_files files = CLI_FILES_DEFAULT;
	unsigned long watch = 0;
	uint64_t interval_ms = 2000;
	bool json = false;
	long ps = sysconf(_SC_PAGESIZE);
	char *end;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jt:w:i:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 't':
			d.top = strtoul(optarg, &end, 10);
			if (*end || end == optarg || optarg[0] == '-' || d.top < 1 || d.top > 1000)
				return cli_error(&diagnose_help, CLI_USAGE, "invalid --top '%s' (1 to 1000)",
						 optarg);
			break;
		case 'w':
			watch = strtoul(optarg, &end, 10);
			if (*end || end == optarg || optarg[0] == '-' || watch < 1)
				return cli_error(&diagnose_help, CLI_USAGE,
						 "invalid --watch '%s' (a count of passes from 1)", optarg);
			break;
		case 'i':
			if (!parse_duration_ms(optarg, &interval_ms) || interval_ms < 100 ||
			    interval_ms > 600000)
				return cli_error(&diagnose_help, CLI_USAGE,
						 "invalid --interval '%s' (100ms to 10m)", optarg);
			break;
		default:
			r = cli_shared_option(&diagnose_help, CLI_USAGE, c, argv, &files);
			if (r != CLI_NEXT)
				return r;
		}
	}
	if (optind < argc)
		return cli_error(&diagnose_help, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
	/* nothing here depends on the settings, but a file named that is missing or wrong is a mistake */
	if (files.config_given) {
		struct config cfg;

		if (cli_config_load(&files, false, &cfg, NULL) < 0)
			return 1;
		config_free(&cfg);
	}
	if (watch)
		return run_watch(watch, interval_ms);

	d.page_size = ps > 0 ? (uint64_t)ps : 4096;
	d.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.procfd < 0) {
		fprintf(stderr, "leakjail diagnose: cannot open /proc: %s\n", strerror(errno));
		return 1;
	}
	gather(&d);
	if (json)
		print_json(&d);
	else
		print_text(&d);
	diagnosis_free(&d);
	return d.mem_err ? 1 : 0;
}
