// SPDX-License-Identifier: GPL-2.0-or-later
#include "syswatch.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

/*
 * adaptivemm (check_memory_leak) writes the 10 % line as
 *   unacct_mem > mem_remain * ((100 + MEM_TRIGGER_DELTA) / 100)
 * where (100 + 10) / 100 is 1 in integer arithmetic: any growth at all
 * counts, and its "shrinking" line (100 - 10) / 100 is 0, so the count of
 * growing scans never resets. Here both sides are multiplied instead:
 * value * 100 > floor * (100 + pct), in 128 bits so nothing overflows.
 */
static bool over_line(uint64_t value, uint64_t floor, unsigned int pct)
{
	return (unsigned __int128)value * 100 > (unsigned __int128)floor * (100 + pct);
}

enum floor_verdict floor_feed(struct floor_track *t, const struct floor_rule *r, uint64_t value,
			      struct floor_evidence *ev)
{
	unsigned int hold = MAX(1u, MIN(r->hold_scans, FLOOR_RECENT / 2));
	unsigned int back = MIN(r->sudden_scans, FLOOR_RECENT / 2);
	uint64_t held = UINT64_MAX, high = 0, from = UINT64_MAX;
	enum floor_verdict v = FLOOR_NONE;
	bool over;

	t->recent[t->n % FLOOR_RECENT] = value;
	t->n++;
	/* the last `hold` values, this one included: the least and the most of them */
	for (unsigned int k = 0; k < hold && k < t->n; k++) {
		uint64_t x = t->recent[(t->n - 1 - k) % FLOOR_RECENT];

		held = MIN(held, x);
		high = MAX(high, x);
	}
	/* the `back` values before those */
	for (unsigned int k = hold; k < hold + back && k < t->n; k++)
		from = MIN(from, t->recent[(t->n - 1 - k) % FLOOR_RECENT]);
	/*
	 * The floor is the least "most of `hold` scans in a row". Until `hold`
	 * values are in it is the most of them so far: provisional, and
	 * nothing can be found that early (neither rule has its scans yet).
	 */
	if (t->n <= hold || high < t->floor)
		t->floor = high;
	over = over_line(value, t->floor, r->slow_pct);
	t->above = over ? t->above + 1 : 0;
	t->below = over ? 0 : t->below + 1;

	if (from != UINT64_MAX && held / 2 >= from && held - from >= r->min_growth &&
	    over_line(held, t->floor, r->slow_pct))
		v = FLOOR_SUDDEN;
	else if (t->above >= r->slow_scans && held > t->floor && held - t->floor >= r->min_growth)
		v = FLOOR_SLOW;
	if (ev)
		*ev = (struct floor_evidence){ .value = value, .floor = t->floor, .held = held,
					       .from = from == UINT64_MAX ? 0 : from,
					       .above = t->above };
	return v;
}

const char *floor_verdict_name(enum floor_verdict v)
{
	return v == FLOOR_SUDDEN ? "sudden" : v == FLOOR_SLOW ? "slow" : "none";
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int syswatch_init(struct syswatch *w)
{
	struct balloon_info b;
	long ps = sysconf(_SC_PAGESIZE);

	memset(w, 0, sizeof(*w));
	w->rule = (struct floor_rule){ .slow_pct = 10, .slow_scans = 10, .sudden_scans = 3,
				       .hold_scans = 3, .min_growth = 8 * MIB };
	w->slow_every = 5;
	w->scan_ms = 10000;
	w->task_kib = 64;
	w->pcp_every = 5;
	w->sock_follow = 256 * KIB;
	w->sock_min = 1 * MIB;
	w->sock_scans = 3;
	w->page_size = ps > 0 ? (uint64_t)ps : 4096;
	kmem_balloon_detect(&b);
	w->balloon_in_total = b.in_total;
	w->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return w->procfd < 0 ? -errno : 0;
}

void syswatch_free(struct syswatch *w)
{
	/* what the watch could see, for whoever reads the log at exit */
	if (w->scans)
		lj_log(LOG_INFO,
		       "kernel watch: %" PRIu64 " scans; untracked memory not judged on %" PRIu64
		       " of them (swap cache); /proc/zoneinfo read on %" PRIu64 " (%.0f us mean)",
		       w->scans, w->untracked_skipped, w->pcp_reads,
		       w->pcp_reads ? (double)w->pcp_us_total / (double)w->pcp_reads : 0.0);
	w->scans = 0;
	if (w->procfd >= 0)
		close(w->procfd);
	w->procfd = -1;
	slab_list_free(&w->slab_base);
	slab_list_free(&w->slab_now);
	free(w->socks);
	w->socks = NULL;
	w->n_socks = w->cap_socks = 0;
}

/*
 * Should a finding be logged (again)? A first one, one that turned sudden,
 * or another step up of what the figure holds (not of one burst).
 */
static bool report_due(const struct sw_report *r, const struct floor_rule *rule,
		       enum floor_verdict v, uint64_t held)
{
	uint64_t step;

	if (r->verdict == FLOOR_NONE || v > r->verdict)
		return true;
	step = MAX(rule->min_growth, r->value / 100 * rule->slow_pct);
	return held >= r->value + step;
}

static void fmt_evidence(char *buf, size_t size, enum floor_verdict v, const struct floor_evidence *ev,
			 const struct floor_rule *rule, uint64_t floor_age_ms)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX];

	if (v == FLOOR_SUDDEN)
		snprintf(buf, size, "doubled within %u scans and held %u: %s -> %s",
			 rule->sudden_scans, rule->hold_scans, fmt_size(a, sizeof(a), ev->from),
			 fmt_size(b, sizeof(b), ev->held));
	else
		snprintf(buf, size, "%s, more than %u %% over its floor of %s (seen %.0f s ago) for %u scans",
			 fmt_size(a, sizeof(a), ev->held), rule->slow_pct,
			 fmt_size(b, sizeof(b), ev->floor), (double)floor_age_ms / 1000.0, ev->above);
}

#define FIELD_MAX 16

struct fields {
	char f[FIELD_MAX][192];
	const char *p[FIELD_MAX];
	size_t n;
};

static void field(struct fields *fl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void field(struct fields *fl, const char *fmt, ...)
{
	va_list ap;

	if (fl->n >= FIELD_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(fl->f[fl->n], sizeof(fl->f[0]), fmt, ap);
	va_end(ap);
	fl->p[fl->n] = fl->f[fl->n];
	fl->n++;
}

static void floor_fields(struct fields *fl, const char *kind, enum floor_verdict v,
			 const struct floor_evidence *ev)
{
	field(fl, "LEAKJAIL_KIND=%s", kind);
	field(fl, "LEAKJAIL_RULE=%s", floor_verdict_name(v));
	field(fl, "LEAKJAIL_VALUE=%" PRIu64, ev->value);
	field(fl, "LEAKJAIL_HELD=%" PRIu64, ev->held);
	field(fl, "LEAKJAIL_FLOOR=%" PRIu64, ev->floor);
	field(fl, "LEAKJAIL_FROM=%" PRIu64, ev->from);
	field(fl, "LEAKJAIL_SCANS_ABOVE=%u", ev->above);
}

void syswatch_threads(struct syswatch *w, uint64_t threads)
{
	w->threads = threads;
	w->threads_fed = true;
}

int syswatch_zoneinfo(struct syswatch *w, const char *text)
{
	struct pcp_lists p;

	if (!kmem_parse_zoneinfo(text, &p))
		return -EINVAL;
	w->pcp = p;
	w->pcp_known = w->pcp_fed = true;
	w->pcp_scan = w->scans;
	return 0;
}

uint64_t syswatch_pcp_free(const struct syswatch *w)
{
	uint64_t b;

	if (!w->pcp_known || __builtin_mul_overflow(w->pcp.pages, w->page_size, &b))
		return 0;
	return b;
}

static uint64_t untracked_of(const struct syswatch *w, const struct meminfo *m, struct mem_split *s)
{
	int64_t u;

	kmem_split(m, syswatch_pcp_free(w), w->balloon_in_total, s);
	u = kmem_untracked(s);
	return u > 0 ? (uint64_t)u : 0;
}

/*
 * Does this pass need the per-CPU free pages as they are now? With the
 * last reading, the figure is an estimate: right while the lists hold what
 * they held then. Only a value over the floor's line counts toward a
 * finding and only one under the floor can lower it: an estimate in
 * between can do neither, so the pass goes without. The lists empty and
 * fill by hundreds of MiB within seconds, so an estimate near either edge,
 * or a run of scans over the line, or a finding still open, asks for the
 * file; and every pcp_every passes it is read anyway, so that a stale
 * reading cannot hide a leak for long.
 */
static bool pcp_wanted(const struct syswatch *w, uint64_t estimate)
{
	const struct floor_track *t = &w->untracked;

	if (!w->pcp_known || t->n < w->rule.hold_scans || w->scans - w->pcp_scan >= w->pcp_every)
		return true;
	if (t->above || w->rep[SW_UNTRACKED].verdict != FLOOR_NONE)
		return true;
	return estimate < t->floor || over_line(estimate, t->floor, w->rule.slow_pct);
}

/*
 * /proc/zoneinfo, then /proc/meminfo again at once: the two must describe
 * the same moment, or pages moving between a list and MemFree during a
 * burst count twice or not at all (seen: 137 MiB off when two commands
 * read them one after the other).
 */
static int read_pcp(struct syswatch *w, struct meminfo *fresh)
{
	cleanup_free char *buf = NULL;
	char mbuf[8192];
	uint64_t t0 = now_us(), dt;
	struct pcp_lists p;
	ssize_t n;

	n = read_file_alloc(w->procfd, "zoneinfo", &buf);
	if (n >= 0 && !kmem_parse_zoneinfo(buf, &p))
		n = -EINVAL;
	if (n >= 0 && (read_file_at(w->procfd, "meminfo", mbuf, sizeof(mbuf)) < 0 ||
		       !proc_parse_meminfo(mbuf, fresh)))
		return -EIO; /* the pass goes on with the daemon's sample */
	if (n < 0) {
		/* not there (a kernel without it): the lists stay inside unaccounted */
		w->pcp_unreadable = true;
		lj_log(LOG_DEBUG, "cannot read /proc/zoneinfo: %s", strerror((int)-n));
		return (int)n;
	}
	w->pcp = p;
	w->pcp_known = true;
	w->pcp_scan = w->scans;
	dt = now_us() - t0;
	w->pcp_reads++;
	w->pcp_us_total += dt;
	w->pcp_us_max = MAX(w->pcp_us_max, dt);
	return 0;
}

static void check_untracked(struct syswatch *w, const struct meminfo *m)
{
	struct sw_report *rep = &w->rep[SW_UNTRACKED];
	struct meminfo fresh;
	struct mem_split s;
	struct floor_evidence ev;
	enum floor_verdict v;
	struct fields fl = { .n = 0 };
	char evs[160], u[FMT_SIZE_MAX], vm[FMT_SIZE_MAX], pc[FMT_SIZE_MAX], fr[FMT_SIZE_MAX],
		pf[FMT_SIZE_MAX];
	uint64_t untracked;

	/*
	 * Swap cache pages mapped again are counted twice (see kmem_split), so
	 * the figure reads up to SwapCached too low. Under half of min_growth
	 * that cannot make a finding; above it the scan is not counted at all:
	 * a floor pulled down by it would make the next scans look like growth.
	 */
	if (m->swap_cached * 2 > w->rule.min_growth) {
		w->untracked_skipped++;
		return;
	}
	untracked = untracked_of(w, m, &s);
	if (!w->pcp_fed && w->pcp_every && !w->pcp_unreadable && pcp_wanted(w, untracked) &&
	    read_pcp(w, &fresh) == 0) {
		if (fresh.swap_cached * 2 > w->rule.min_growth) {
			w->untracked_skipped++;
			return;
		}
		untracked = untracked_of(w, &fresh, &s);
	}
	v = floor_feed(&w->untracked, &w->rule, untracked, &ev);
	if (ev.value <= ev.floor)
		w->floor_ms[SW_UNTRACKED] = w->now_ms;
	if (v == FLOOR_NONE) {
		/* back under the line for a while: a new episode logs again */
		if (w->untracked.below >= w->rule.hold_scans)
			rep->verdict = FLOOR_NONE;
		return;
	}
	if (!report_due(rep, &w->rule, v, ev.held))
		return;
	rep->verdict = MAX(rep->verdict, v);
	rep->value = ev.held;
	w->found[SW_UNTRACKED]++;
	fmt_evidence(evs, sizeof(evs), v, &ev, &w->rule, w->now_ms - w->floor_ms[SW_UNTRACKED]);
	floor_fields(&fl, "untracked", v, &ev);
	field(&fl, "LEAKJAIL_UNACCOUNTED=%" PRId64, s.unaccounted);
	field(&fl, "LEAKJAIL_VMALLOC=%" PRIu64, s.vmalloc);
	field(&fl, "LEAKJAIL_PERCPU=%" PRIu64, s.percpu);
	field(&fl, "LEAKJAIL_MEMFREE=%" PRIu64, s.free);
	field(&fl, "LEAKJAIL_PCP_FREE=%" PRIu64, s.pcp_free);
	field(&fl, "LEAKJAIL_MEMTOTAL=%" PRIu64, s.total);
	lj_log_record(LOG_WARNING, LJ_MSGID_KMEM_UNTRACKED, fl.p, fl.n,
		      "kernel memory no counter explains, %s leak? %s (no counter %s, vmalloc %s, "
		      "percpu %s; MemFree %s, per-CPU free lists %s%s); see leakjail diagnose",
		      floor_verdict_name(v), evs,
		      fmt_size(u, sizeof(u), s.unaccounted > 0 ? (uint64_t)s.unaccounted : 0),
		      fmt_size(vm, sizeof(vm), s.vmalloc), fmt_size(pc, sizeof(pc), s.percpu),
		      fmt_size(fr, sizeof(fr), s.free), fmt_size(pf, sizeof(pf), s.pcp_free),
		      w->pcp_known ? "" : " (unknown)");
}

int syswatch_slabinfo(struct syswatch *w, const char *text)
{
	struct slab_list l;
	int r = kmem_parse_slabinfo(text, &l);

	if (r < 0)
		return r;
	slab_list_free(&w->slab_now);
	w->slab_now = l;
	w->slab_fresh = true;
	return 0;
}

static int read_slabinfo(struct syswatch *w)
{
	cleanup_free char *buf = NULL;
	ssize_t n;

	if (w->slab_unreadable)
		return -EACCES;
	n = read_file_alloc(w->procfd, "slabinfo", &buf);
	if (n < 0) {
		/* not root, or no SLUB statistics: SUnreclaim is still watched, without names */
		w->slab_unreadable = true;
		lj_log(LOG_DEBUG, "cannot read /proc/slabinfo: %s", strerror((int)-n));
		return (int)n;
	}
	return syswatch_slabinfo(w, buf);
}

static int copy_slab_list(struct slab_list *dst, const struct slab_list *src)
{
	struct slab_cache *v = malloc((src->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v, src->v, src->n * sizeof(*v));
	slab_list_free(dst);
	dst->v = v;
	dst->n = src->n;
	return 0;
}

/*
 * /proc/loadavg: "0.52 0.58 0.59 3/211 12345", the 211 is every thread of
 * the system. 0 when unreadable (nothing is then put down to tasks).
 */
static uint64_t read_threads(const struct syswatch *w)
{
	char buf[128];
	unsigned long long running, threads;

	if (read_file_at(w->procfd, "loadavg", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%*s %*s %*s %llu/%llu", &running, &threads) != 2)
		return 0;
	return threads;
}

/*
 * Is the slab growth that of the tasks alive now? Each thread holds its
 * task_struct and a share of mm, files, signal, pid, cred and their /proc
 * inodes: 20 KiB of slab per thread here (10,000 threads of
 * hardening_soak.sh held SUnreclaim at 240 MiB against 43 MiB, for 40 s).
 * That memory goes when they exit: a storm of processes is not a kernel
 * leak, and the process watch is what looks at processes. While the
 * threads beyond those at the floor could hold all of the growth, at
 * task_kib each, nothing is logged; a leak that stays once they are gone
 * (the Debian VPS: each run's processes exit, the slab stays) is found.
 */
static bool slab_of_tasks(const struct syswatch *w, const struct floor_evidence *ev)
{
	uint64_t extra = w->threads > w->threads_floor ? w->threads - w->threads_floor : 0;

	return extra && w->task_kib &&
	       ev->held - MIN(ev->held, ev->floor) <= extra * w->task_kib * KIB;
}

static void check_slab(struct syswatch *w, const struct meminfo *m)
{
	struct sw_report *rep = &w->rep[SW_SLAB];
	struct floor_evidence ev;
	enum floor_verdict v;
	struct slab_growth g[3];
	struct slab_aliases al = { 0 };
	struct fields fl = { .n = 0 };
	char evs[160], names[3 * (SLAB_NAME_MAX + 200)] = "", list[256] = "";
	size_t ng = 0, len = 0;
	bool other_cache = false;

	v = floor_feed(&w->sunreclaim, &w->rule, m->sunreclaim, &ev);
	if (ev.value <= ev.floor) {
		w->floor_ms[SW_SLAB] = w->now_ms;
		w->threads_floor = w->threads;
	}
	/* the snapshot to compare with is the one taken nearest the floor */
	if (m->sunreclaim <= w->sunreclaim.floor || !w->slab_base.v) {
		if (!w->slab_fresh && w->slow_every && read_slabinfo(w) == 0)
			w->slab_fresh = true;
		if (w->slab_fresh)
			copy_slab_list(&w->slab_base, &w->slab_now);
	}
	if (v == FLOOR_NONE) {
		if (w->sunreclaim.below >= w->rule.hold_scans)
			rep->verdict = FLOOR_NONE;
		return;
	}
	if (slab_of_tasks(w, &ev))
		return;
	if (!w->slab_fresh && w->slow_every && read_slabinfo(w) == 0)
		w->slab_fresh = true;
	if (w->slab_fresh && w->slab_base.v)
		ng = kmem_slab_growth(&w->slab_base, &w->slab_now, w->page_size, g, ARRAY_SIZE(g));
	if (ng && rep->verdict != FLOOR_NONE) {
		other_cache = true;
		for (size_t i = 0; i < ARRAY_SIZE(rep->caches); i++)
			if (strcmp(rep->caches[i], g[0].cache->name) == 0)
				other_cache = false;
	}
	if (!report_due(rep, &w->rule, v, ev.held) && !other_cache)
		return;
	rep->verdict = MAX(rep->verdict, v);
	rep->value = ev.held;
	memset(rep->caches, 0, sizeof(rep->caches));
	w->found[SW_SLAB]++;

	if (ng && w->slow_every)
		kmem_slab_aliases_load(&al);
	for (size_t i = 0; i < ng; i++) {
		char sz[FMT_SIZE_MAX], merged[160];
		int k;

		snprintf(rep->caches[i], sizeof(rep->caches[i]), "%s", g[i].cache->name);
		kmem_slab_aliases_of(&al, g[i].cache->name, merged, sizeof(merged));
		k = snprintf(names + len, sizeof(names) - len, "%s%s +%s%s%s%s", i ? ", " : "",
			     g[i].cache->name, fmt_size(sz, sizeof(sz), (uint64_t)g[i].growth),
			     merged[0] ? " (merged with " : "", merged, merged[0] ? ")" : "");
		if (k > 0 && (size_t)k < sizeof(names) - len)
			len += (size_t)k;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s:%" PRId64,
			 i ? "," : "", g[i].cache->name, g[i].growth);
	}
	slab_aliases_free(&al);
	fmt_evidence(evs, sizeof(evs), v, &ev, &w->rule, w->now_ms - w->floor_ms[SW_SLAB]);
	floor_fields(&fl, "slab", v, &ev);
	field(&fl, "LEAKJAIL_SUNRECLAIM=%" PRIu64, m->sunreclaim);
	if (ng) {
		field(&fl, "LEAKJAIL_SLAB_CACHE=%s", g[0].cache->name);
		field(&fl, "LEAKJAIL_SLAB_GROWTH=%" PRId64, g[0].growth);
		field(&fl, "LEAKJAIL_SLAB_CACHES=%s", list);
	}
	lj_log_record(LOG_WARNING, LJ_MSGID_KMEM_SLAB, fl.p, fl.n,
		      "unreclaimable slab, %s leak? SUnreclaim %s; %s%s", floor_verdict_name(v), evs,
		      ng ? "grown since the floor: " : "growing caches unknown",
		      ng ? names : w->slab_unreadable ? " (/proc/slabinfo unreadable)" : "");
}

/* ---- sockets ---- */

static struct sw_sock *sock_lookup(struct syswatch *w, const struct sock_info *s)
{
	for (size_t i = 0; i < w->n_socks; i++)
		if (w->socks[i].s.inode == s->inode && w->socks[i].s.cookie == s->cookie)
			return &w->socks[i];
	return NULL;
}

#define SOCKS_MAX 512

void syswatch_sock_seen(struct syswatch *w, const struct sock_info *s)
{
	uint64_t held = sock_held(s);
	struct sw_sock *t = sock_lookup(w, s);

	if (!t) {
		if (held < w->sock_follow)
			return;
		if (w->n_socks == w->cap_socks) {
			size_t ncap = w->cap_socks ? w->cap_socks * 2 : 16;
			struct sw_sock *nv;

			if (ncap > SOCKS_MAX || !(nv = realloc(w->socks, ncap * sizeof(*nv)))) {
				w->socks_dropped++;
				return;
			}
			w->socks = nv;
			w->cap_socks = ncap;
		}
		t = &w->socks[w->n_socks++];
		*t = (struct sw_sock){ .s = *s, .start = held, .start_ms = w->now_ms, .last = held };
	} else if (held > t->last) {
		t->grow_scans++;
	} else if (held < t->last) {
		/* read from: a new run of growth starts here */
		t->grow_scans = 0;
		t->start = held;
		t->start_ms = w->now_ms;
		if (held < t->logged / 2)
			t->logged = 0;
	}
	t->s = *s;
	t->last = held;
	t->gen = w->sock_gen + 1;
}

static void sock_report(struct syswatch *w, struct sw_sock *t)
{
	struct sock_holder h = { .inode = t->s.inode };
	struct fields fl = { .n = 0 };
	char local[160], peer[160], rq[FMT_SIZE_MAX], wq[FMT_SIZE_MAX], mem[FMT_SIZE_MAX],
		from[FMT_SIZE_MAX], who[128];
	uint64_t t0 = now_us();

	sock_find_holders(w->procfd, &h, 1);
	w->holders_us_max = MAX(w->holders_us_max, now_us() - t0);
	sock_format_addr(&t->s, false, local, sizeof(local));
	sock_format_addr(&t->s, true, peer, sizeof(peer));
	if (h.pid)
		snprintf(who, sizeof(who), "held by pid %d (%s) fd %d%s", h.pid, h.comm, h.fd,
			 h.holders > 1 ? " and others" : "");
	else
		snprintf(who, sizeof(who), "no process holds it (closed, or in the kernel)");
	field(&fl, "LEAKJAIL_KIND=socket");
	field(&fl, "LEAKJAIL_PID=%d", h.pid);
	field(&fl, "LEAKJAIL_COMM=%s", h.comm);
	field(&fl, "LEAKJAIL_FD=%d", h.fd);
	field(&fl, "LEAKJAIL_SOCKET_INODE=%" PRIu64, t->s.inode);
	field(&fl, "LEAKJAIL_PROTO=%s", sock_kind(&t->s));
	field(&fl, "LEAKJAIL_LOCAL=%s", local);
	field(&fl, "LEAKJAIL_PEER=%s", peer);
	field(&fl, "LEAKJAIL_RECV_Q=%u", t->s.rqueue);
	field(&fl, "LEAKJAIL_SEND_Q=%u", t->s.wqueue);
	field(&fl, "LEAKJAIL_MEM=%u", t->s.rmem + t->s.wmem);
	field(&fl, "LEAKJAIL_VALUE=%" PRIu64, t->last);
	field(&fl, "LEAKJAIL_FROM=%" PRIu64, t->start);
	field(&fl, "LEAKJAIL_SCANS=%u", t->grow_scans);
	lj_log_record(LOG_WARNING, LJ_MSGID_KMEM_SOCKET, fl.p, fl.n,
		      "socket queue keeps growing: %s %s %s peer %s, Recv-Q %s Send-Q %s (charged %s), "
		      "grew %u scans in a row (%.0f s) from %s; %s",
		      sock_kind(&t->s), sock_state_name(&t->s), local, peer,
		      fmt_size(rq, sizeof(rq), t->s.rqueue), fmt_size(wq, sizeof(wq), t->s.wqueue),
		      fmt_size(mem, sizeof(mem), (uint64_t)t->s.rmem + t->s.wmem), t->grow_scans,
		      (double)(w->now_ms - t->start_ms) / 1000.0, fmt_size(from, sizeof(from), t->start),
		      who);
	w->found[SW_SOCKET]++;
}

void syswatch_sock_done(struct syswatch *w)
{
	size_t k = 0;

	w->sock_gen++;
	/* sweep the sockets that are gone, then judge the others */
	for (size_t i = 0; i < w->n_socks; i++)
		if (w->socks[i].gen == w->sock_gen)
			w->socks[k++] = w->socks[i];
	w->n_socks = k;
	for (size_t i = 0; i < w->n_socks; i++) {
		struct sw_sock *t = &w->socks[i];

		if (t->grow_scans < w->sock_scans || t->last < w->sock_min)
			continue;
		if (t->logged && t->last < 2 * t->logged)
			continue;
		sock_report(w, t);
		t->logged = t->last;
	}
}

static void sock_visit(const struct sock_info *s, void *userdata)
{
	syswatch_sock_seen(userdata, s);
}

void syswatch_pass(struct syswatch *w, const struct meminfo *m, uint64_t now_ms)
{
	uint64_t t0 = now_us(), t1;
	bool slow = w->slow_every && w->passes % w->slow_every == 0;

	/*
	 * The floor rules see one scan every scan_ms: their "10 scans" and
	 * "3 scans" then mean 100 s and 30 s, whatever the daemon's interval.
	 * Kernel memory that a burst of work takes and gives back within a
	 * minute or so (100,000 processes born in 10 s raised SUnreclaim by
	 * 20 MiB for about 40 s here) is no leak.
	 */
	bool scan = w->scan_ms == 0 || w->scans == 0 || now_ms - w->last_scan_ms >= w->scan_ms;

	w->now_ms = now_ms;
	if (slow) {
		read_slabinfo(w);
		if (sockdiag_walk(SOCKDIAG_ALL, sock_visit, w) == 0)
			syswatch_sock_done(w);
		w->slow_passes++;
	}
	if (scan) {
		if (!w->threads_fed && w->task_kib)
			w->threads = read_threads(w);
		check_untracked(w, m);
		check_slab(w, m);
		w->scans++;
		w->last_scan_ms = now_ms;
	}
	w->pcp_fed = w->threads_fed = false;
	w->slab_fresh = false;
	w->passes++;
	t1 = now_us();
	w->last_pass_us = t1 - t0;
	if (slow) {
		w->slow_us_total += t1 - t0;
		w->slow_us_max = MAX(w->slow_us_max, t1 - t0);
	} else {
		w->fast_us_total += t1 - t0;
	}
}
