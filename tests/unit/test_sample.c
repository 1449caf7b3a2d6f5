// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The two sampler sources over the same processes: what the BPF task
 * iterator hands over must be what /proc tells (stat field 22 and comm,
 * statm, status VmSwap, the cgroup directory's inode).
 *   test_sample            processes of its own: anonymous, shmem, file-backed
 *   test_sample PID...     those processes too (the swap suite passes swapped ones)
 * Needs root (bpf, other processes' /proc): exits 77 without, saying why.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "proc.h"
#include "sample.h"
#include "scan.h"
#include "tap.h"
#include "util.h"


#define MAX_PIDS 64

static pid_t pids[MAX_PIDS];
static size_t n_pids, n_own;
static uint64_t tol;          /* bytes a counter may lag (percpu_counter batches) */
static struct cgroup_backend cg;
static bool have_cg;
static const struct sample_source *bpf = &sample_source_bpf;
static void *bpf_state;

static void touch(char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)(i / 4096 + 1);
}

/* a child that holds what `kind` says, tells the parent it is ready, then waits */
static pid_t hold(const char *kind)
{
	int fds[2];
	pid_t pid;
	char c = 1;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid != 0) {
		close(fds[1]);
		if (pid > 0 && read(fds[0], &c, 1) != 1)
			pid = -1;
		close(fds[0]);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(fds[0]);
	prctl(PR_SET_NAME, kind);
	if (strcmp(kind, "lj-anon") == 0) {
		char *p = mmap(NULL, 24 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			touch(p, 24 * MIB);
	} else if (strcmp(kind, "lj-shmem") == 0) {
		int fd = memfd_create("lj-shmem", 0);
		char *p = fd >= 0 && ftruncate(fd, (off_t)(16 * MIB)) == 0
				  ? mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
				  : MAP_FAILED;
		char *a = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			touch(p, 16 * MIB);
		if (a != MAP_FAILED)
			touch(a, 8 * MIB);
	} else if (strcmp(kind, "lj-file") == 0) {
		/* its own executable, read through a private mapping: file-backed pages */
		int fd = open("/proc/self/exe", O_RDONLY);
		struct stat st;

		if (fd >= 0 && fstat(fd, &st) == 0) {
			volatile char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			char sum = 0;

			for (off_t i = 0; p != MAP_FAILED && i < st.st_size; i += 4096)
				sum = (char)(sum + p[i]);
			(void)sum;
		}
	}
	if (write(fds[1], &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static bool near(uint64_t a, uint64_t b)
{
	return a > b ? a - b <= tol : b - a <= tol;
}

#define CHECK_NEAR(what, a, b)                                                                      \
	do {                                                                                        \
		if (!near(a, b)) {                                                                  \
			printf("#   pid %d: %s: bpf %llu, /proc %llu (tolerance %llu)\n", pid, what,       \
			       (unsigned long long)(a), (unsigned long long)(b), (unsigned long long)tol); \
			tap_current_failed = 1;                                                     \
		}                                                                                   \
	} while (0)

/* What /proc says of a process, the way the /proc sampler reads it. */
struct proc_view {
	struct proc_stat st;
	struct proc_statm sm;
	uint64_t swap;          /* bytes (proc_status_kb) */
	char cgroup[4096];
};

static bool read_proc(pid_t pid, struct proc_view *v)
{
	char path[64], buf[4096];

	memset(v, 0, sizeof(*v));
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &v->st))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_statm(buf, &v->sm))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_status_kb(buf, "VmSwap", &v->swap))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	return read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0 &&
	       proc_parse_cgroup(buf, v->cgroup, sizeof(v->cgroup));
}

/* One pass of the bpf source; each listed pid's record, and how many records in all. */
static size_t bpf_pass(struct sample_task *out, bool *found)
{
	struct sample_task t;
	size_t n = 0;

	memset(found, 0, sizeof(bool) * n_pids);
	CHECK(bpf->begin(bpf_state) == 0);
	while (bpf->next(bpf_state, &t) > 0) {
		n++;
		for (size_t i = 0; i < n_pids; i++)
			if (t.pid == pids[i]) {
				out[i] = t;
				found[i] = true;
			}
	}
	return n;
}

static void test_same_figures(void)
{
	struct sample_task tasks[MAX_PIDS];
	bool found[MAX_PIDS];
	long page = sysconf(_SC_PAGESIZE);

	bpf_pass(tasks, found);
	for (size_t i = 0; i < n_pids; i++) {
		pid_t pid = pids[i];
		const struct sample_task *t = &tasks[i];
		struct proc_view v;
		char path[4400];
		struct stat st;

		if (!found[i]) {
			printf("#   pid %d: not in the iterator's output\n", pid);
			tap_current_failed = 1;
			continue;
		}
		if (!read_proc(pid, &v)) {
			printf("#   pid %d: its /proc files cannot be read\n", pid);
			tap_current_failed = 1;
			continue;
		}
		printf("# pid %d %s: rss %llu/%llu anon %llu/%llu swap %llu/%llu KiB (bpf/proc)\n", pid,
		       t->comm, (unsigned long long)t->smp.rss >> 10,
		       (unsigned long long)(v.sm.resident * (uint64_t)page) >> 10,
		       (unsigned long long)t->smp.anon >> 10,
		       (unsigned long long)((v.sm.resident - v.sm.shared) * (uint64_t)page) >> 10,
		       (unsigned long long)t->smp.swap >> 10, (unsigned long long)v.swap >> 10);
		CHECK_EQ_U(t->starttime, v.st.starttime);
		CHECK(strcmp(t->comm, v.st.comm) == 0);
		CHECK_NEAR("rss", t->smp.rss, v.sm.resident * (uint64_t)page);
		CHECK_NEAR("anon", t->smp.anon, (v.sm.resident - v.sm.shared) * (uint64_t)page);
		CHECK_NEAR("vsz", t->smp.vsz, v.sm.size * (uint64_t)page);
		CHECK_NEAR("swap", t->smp.swap, v.swap);
		/* the cgroup id is the inode number of the cgroup's directory */
		if (have_cg) {
			snprintf(path, sizeof(path), "%s%s", cg.mount, v.cgroup);
			CHECK(stat(path, &st) == 0);
			CHECK_EQ_U(t->cgroup_id, st.st_ino);
		}
	}
}

/*
 * Figures that must be there: what the children were made to hold, above
 * what an idle child holds (a sanitized build maps tens of MiB of its own).
 */
static void test_known_amounts(void)
{
	struct sample_task tasks[MAX_PIDS];
	bool found[MAX_PIDS];
	const struct sample *idle = NULL;
	uint64_t shared0 = 0;

	bpf_pass(tasks, found);
	for (size_t i = 0; i < n_own; i++)
		if (found[i] && strcmp(tasks[i].comm, "lj-idle") == 0)
			idle = &tasks[i].smp;
	CHECK(idle != NULL);
	if (!idle)
		return;
	shared0 = idle->rss - idle->anon;
	for (size_t i = 0; i < n_own; i++) {
		const struct sample *s = &tasks[i].smp;
		uint64_t anon = s->anon - MIN(s->anon, idle->anon);
		uint64_t shared = s->rss - s->anon - MIN(s->rss - s->anon, shared0);

		CHECK(found[i]);
		if (strcmp(tasks[i].comm, "lj-anon") == 0) {
			CHECK(anon >= 24 * MIB - tol && anon < 25 * MIB + tol);
		} else if (strcmp(tasks[i].comm, "lj-shmem") == 0) {
			/* shmem is resident but not anonymous */
			CHECK(anon >= 8 * MIB - tol && anon < 9 * MIB + tol);
			CHECK(shared >= 16 * MIB - tol && shared < 17 * MIB + tol);
		} else if (strcmp(tasks[i].comm, "lj-file") == 0 && shared0 > 0) {
			/* (a program on the initramfs of the VM suite maps no file pages at all) */
			CHECK(shared > 64 * 1024);
		}
	}
}

/* Every process /proc lists is in the iterator's output, with the same start time and comm. */
static void test_every_process(void)
{
	struct sample_task t;
	size_t n = 0, missing = 0, differ = 0, kthreads = 0;
	struct proc_stat st;
	char path[64], buf[1024];
	const struct sample_source *proc = &sample_source_proc;
	void *ps;
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct {
		pid_t pid;
		uint64_t start;
		char comm[PROC_COMM_MAX];
	} *seen = calloc(65536, sizeof(*seen));
	size_t n_seen = 0;

	CHECK(seen && procfd >= 0);
	if (!seen || procfd < 0)
		return;
	CHECK(bpf->begin(bpf_state) == 0);
	while (bpf->next(bpf_state, &t) > 0 && n_seen < 65536) {
		seen[n_seen].pid = t.pid;
		seen[n_seen].start = t.starttime;
		memcpy(seen[n_seen].comm, t.comm, sizeof(t.comm));
		n_seen++;
	}
	CHECK(proc->open(&ps, procfd) == 0);
	CHECK(proc->begin(ps) == 0);
	while (proc->next(ps, &t) > 0) {
		size_t j;

		snprintf(path, sizeof(path), "%s/stat", t.name);
		if (read_file_at(procfd, path, buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st))
			continue; /* gone */
		if (st.flags & PF_KTHREAD_FLAG) {
			kthreads++;
			continue;
		}
		n++;
		for (j = 0; j < n_seen && seen[j].pid != t.pid; j++)
			;
		/*
		 * Seen on 6.18: in the initial pid namespace the kernel's task
		 * iterator starts after pid 1 (in a child namespace it shows its
		 * pid 1). PID 1 is never acted on: the sampler can do without it.
		 */
		if (j == n_seen && t.pid == 1)
			continue;
		if (j == n_seen) {
			missing++; /* born after the iterator passed (this test's own children are older) */
			printf("# not in the iterator's output: pid %d (%s)\n", t.pid, st.comm);
		}
		else if (seen[j].start != st.starttime || strncmp(seen[j].comm, st.comm, 15) != 0)
			differ++;
	}
	proc->close(ps);
	close(procfd);
	free(seen);
	printf("# /proc: %zu processes and %zu kernel threads; bpf: %zu; missing %zu, differing %zu\n", n,
	       kthreads, n_seen, missing, differ);
	/* what was born, exec'ed or died between the two reads: a handful at most */
	CHECK(n > 0 && missing <= 5 + n / 50 && differ <= 5 + n / 50);
}

/* Is a library whose name holds `lib` mapped in this process? */
static bool mapped(const char *lib)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	CHECK(f != NULL);
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, lib) != NULL;
	if (f)
		fclose(f);
	return found;
}

/*
 * libbpf (and the libelf it links) is needed to load a program, not to run
 * it: once the source is open, and after each pass, neither is mapped.
 */
static void test_libbpf_unloaded(void)
{
	struct sample_task t;

	CHECK(!mapped("/libbpf.so"));
	CHECK(!mapped("/libelf"));
	CHECK(bpf->begin(bpf_state) == 0);
	CHECK(bpf->next(bpf_state, &t) == 1);
	CHECK(!mapped("/libbpf.so"));
}

/* The same with the task iterator, which kernels before 6.7 get instead of the task walk. */
static void reopen_as_iterator(void)
{
	char why[160];

	bpf->close(bpf_state);
	sample_bpf_iter_only = true;
	CHECK(sample_source_choose(SAMPLER_BPF, -1, &bpf, &bpf_state, why, sizeof(why)) == 0);
	CHECK(strcmp(bpf->describe(bpf_state), "bpf (task iterator)") == 0);
}

static void test_same_figures_iterator(void)
{
	test_same_figures();
}

static void test_every_process_iterator(void)
{
	test_every_process();
}

/*
 * The sampler itself, once with each source, with a policy that watches
 * every process (so that the /proc sampler reads swap too): the same
 * processes, the same figures.
 */
static void test_scanner_sources(void)
{
	struct config cfg;
	struct diag_list d = { 0 };
	struct scanner sb, sp;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(config_parse_policies_string("all.conf", "[policy all]\ngrowth = 100M\nwindow = 10s\n", &cfg,
					   &d) == 0);
	diag_free(&d);
	/* config_defaults(): interval 2 s, scope "/" */
	cfg.daemon.sampler = SAMPLER_BPF;
	CHECK(scanner_init(&sb, &cfg) == 0);
	cfg.daemon.sampler = SAMPLER_PROC;
	CHECK(scanner_init(&sp, &cfg) == 0);
	CHECK(strcmp(sb.src->name, "bpf") == 0 && strcmp(sp.src->name, "proc") == 0);
	CHECK(scanner_pass(&sb) == 0 && scanner_pass(&sp) == 0);
	for (size_t i = 0; i < n_pids; i++) {
		pid_t pid = pids[i];
		struct proc_entry *b = track_find(&sb.procs, pid), *p = track_find(&sp.procs, pid);

		CHECK(b && p);
		if (!b || !p)
			continue;
		CHECK_EQ_U(b->starttime, p->starttime);
		CHECK(strcmp(b->comm, p->comm) == 0);
		CHECK(b->cgroup && p->cgroup && strcmp(b->cgroup, p->cgroup) == 0);
		CHECK(b->policies == 1 && p->policies == 1);
		/* a first pass reads stat on /proc: its RSS is statm's, without the anonymous split */
		CHECK_NEAR("rss", b->last.rss, p->last.rss);
		CHECK_NEAR("vsz", b->last.vsz, p->last.vsz);
		CHECK_NEAR("swap", b->last.swap, p->last.swap);
		CHECK_NEAR("footprint", sample_footprint(&b->last, false), sample_footprint(&p->last, false));
	}
	scanner_free(&sb);
	scanner_free(&sp);
	config_free(&cfg);
}

/* Children that sleep until killed: processes the walk's array has no room for. */
static size_t add_sleepers(pid_t *kids, size_t n)
{
	size_t made = 0;

	for (size_t i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		if (pid > 0)
			kids[made++] = pid;
	}
	return made;
}

static void end_sleepers(pid_t *kids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (size_t i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
}

/* How many records a pass of the bpf source has now: processes, kernel threads left out. */
static size_t count_processes(void)
{
	const struct sample_source *src;
	struct sample_task t;
	char why[160];
	size_t n = 0;
	void *st;

	if (sample_source_choose(SAMPLER_BPF, -1, &src, &st, why, sizeof(why)) < 0)
		return 0;
	if (src->begin(st) == 0)
		while (src->next(st, &t) > 0)
			n++;
	src->close(st);
	return n;
}

/*
 * The task walk's array is full and the kernel refuses a bigger one: the
 * task iterator takes over, and the pass still lists every process (it
 * used to stop sampling for good, the daemon logging an error each pass).
 */
static void test_walk_cannot_grow(void)
{
	const struct sample_source *src;
	struct sample_task t;
	pid_t kids[48];
	size_t made, found = 0;
	char why[160];
	void *st;

	sample_bpf_iter_only = false;
	sample_bpf_walk_cap = (uint32_t)count_processes() + 16;
	CHECK(sample_source_choose(SAMPLER_BPF, -1, &src, &st, why, sizeof(why)) == 0);
	if (strcmp(src->describe(st), "bpf (task walk)") != 0) {
		printf("# no task walk here (%s): nothing to grow\n", src->describe(st));
		src->close(st);
		sample_bpf_walk_cap = 0;
		return;
	}
	made = add_sleepers(kids, 48);
	CHECK(made == 48);
	sample_bpf_grow_refused = -ENOMEM;
	CHECK(src->begin(st) == 0);
	CHECK(strcmp(src->describe(st), "bpf (task iterator)") == 0);
	while (src->next(st, &t) > 0)
		for (size_t i = 0; i < made; i++)
			found += t.pid == kids[i];
	CHECK_EQ_U(found, made);
	src->close(st);
	end_sleepers(kids, made);
	sample_bpf_grow_refused = 0;
	sample_bpf_walk_cap = 0;
}

/* Neither bpf program can sample any more: the scanner goes on through /proc, and says so. */
static void test_scanner_falls_back_to_proc(void)
{
	struct config cfg;
	struct diag_list d = { 0 };
	struct scanner sc;
	pid_t kids[48];
	size_t made, found = 0;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(config_parse_policies_string("all.conf", "[policy all]\ngrowth = 100M\nwindow = 10s\n", &cfg,
					   &d) == 0);
	diag_free(&d);
	cfg.daemon.sampler = SAMPLER_BPF;
	sample_bpf_iter_only = false;
	sample_bpf_walk_cap = (uint32_t)count_processes() + 16;
	CHECK(scanner_init(&sc, &cfg) == 0);
	CHECK(scanner_pass(&sc) == 0);
	if (strcmp(sc.src->describe(sc.src_state), "bpf (task walk)") != 0) {
		printf("# no task walk here: nothing to grow\n");
	} else {
		uint64_t first[8] = { 0 };

		/* when each of the test's own histories began, before the switch */
		for (size_t i = 0; i < n_own && i < 8; i++) {
			struct proc_entry *e = track_find(&sc.procs, pids[i]);
			struct hpoint pt[HISTORY_POINTS_MAX];

			if (e && history_points(&e->hist, false, pt))
				first[i] = pt[0].t_ms;
		}
		made = add_sleepers(kids, 48);
		sample_bpf_grow_refused = -ENOMEM;
		sample_bpf_iter_refused = true;
		CHECK(scanner_pass(&sc) == 0);
		CHECK(strcmp(sc.src->name, "proc") == 0);
		CHECK(strstr(sc.src_why, "failed") != NULL);
		CHECK(scanner_pass(&sc) == 0);
		for (size_t i = 0; i < made; i++) {
			struct proc_entry *e = track_find(&sc.procs, kids[i]);

			found += e && e->seen == sc.gen && e->last.rss > 0;
		}
		CHECK_EQ_U(found, made);
		/* the test's own processes keep their histories across the switch */
		for (size_t i = 0; i < n_own; i++) {
			struct proc_entry *e = track_find(&sc.procs, pids[i]);
			struct hpoint pt[HISTORY_POINTS_MAX];
			uint32_t n = e ? history_points(&e->hist, false, pt) : 0;

			/* from before the switch to the pass after it: one history, not a fresh one */
			CHECK(e && n >= 2 && i < 8 && first[i] && pt[0].t_ms == first[i] && pt[0].t_ms < pt[n - 1].t_ms);
		}
		end_sleepers(kids, made);
	}
	sample_bpf_grow_refused = 0;
	sample_bpf_iter_refused = false;
	sample_bpf_walk_cap = 0;
	scanner_free(&sc);
	config_free(&cfg);
}

int main(int argc, char **argv)
{
	char why[160];
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int r;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (bpf, other processes' /proc)\n");
		return 77;
	}
	r = sample_source_choose(SAMPLER_BPF, -1, &bpf, &bpf_state, why, sizeof(why));
	if (r < 0) {
		printf("1..0 # SKIP the bpf source does not load: %s\n", why);
		return 77;
	}
	/* each of file, anon, shmem may lag by a batch, max(32, 2 x CPUs) pages, per CPU */
	tol = 3 * (uint64_t)ncpu * (uint64_t)MAX(32, 2 * ncpu) * (uint64_t)sysconf(_SC_PAGESIZE) + 64 * 1024;
	have_cg = cg_backend_init(&cg, NULL) == 0;
	for (const char *k = "lj-idle\0lj-anon\0lj-shmem\0lj-file\0"; *k; k += strlen(k) + 1) {
		pid_t pid = hold(k);

		if (pid > 0)
			pids[n_pids++] = pid;
	}
	n_own = n_pids;
	for (int i = 1; i < argc && n_pids < MAX_PIDS; i++)
		pids[n_pids++] = (pid_t)atoi(argv[i]);

	RUN_TEST(test_same_figures);
	RUN_TEST(test_libbpf_unloaded);
	RUN_TEST(test_known_amounts);
	RUN_TEST(test_every_process);
	RUN_TEST(test_scanner_sources);
	RUN_TEST(test_walk_cannot_grow);
	RUN_TEST(test_libbpf_unloaded);
	RUN_TEST(test_scanner_falls_back_to_proc);
	printf("# first: %s\n", bpf->describe(bpf_state));
	reopen_as_iterator();
	RUN_TEST(test_same_figures_iterator);
	RUN_TEST(test_every_process_iterator);
	RUN_TEST(test_libbpf_unloaded);
	printf("1..%d\n", tap_run);

	for (size_t i = 0; i < n_own; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	bpf->close(bpf_state);
	return tap_failed;
}
