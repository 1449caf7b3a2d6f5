// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * scanbench: CPU time of leakjail's sampling pass (sampler + detector, as
 * the daemon runs them) against the floor (floor.h), taken in one run,
 * interleaved pass by pass so that the machine's noise hits both alike.
 *   scanbench PASSES CONFIG POLICIES_DIR [cgroups] [swap] [bpf|proc]
 * With "cgroups", the sampler uses the memory controller (what the daemon
 * does); without, it reads every process every pass. With "swap", it reads
 * the swap of every watched process every pass, as it does while swap moves.
 * "bpf" or "proc" chooses the sampler's source (default: the configuration's);
 * the bpf source hands over every figure, swap included, every pass;
 * "bpf-iter" takes its task iterator, which kernels before 6.7 get.
 * Prints: floor_us leakjail_us ratio processes watched worst_wall_us (the
 * longest pass of leakjail's, in wall-clock time: what waiting costs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "config.h"
#include "floor.h"
#include "scan.h"
#include "watch.h"

static double wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct diag_list d = { 0 };
	struct cgroup_backend cg;
	struct config cfg;
	struct scanner sc;
	struct watch w = { 0 };
	double t_floor = 0, t_lj = 0, worst = 0;
	int passes;

	if (argc < 4) {
		fprintf(stderr, "usage: scanbench PASSES CONFIG POLICIES_DIR [cgroups] [swap] [bpf|bpf-iter|proc]\n");
		return 2;
	}
	passes = atoi(argv[1]);
	if (config_load(argv[2], true, argv[3], &cfg, &d) < 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		return 1;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "bpf") == 0) {
			cfg.daemon.sampler = SAMPLER_BPF;
		} else if (strcmp(argv[i], "proc") == 0) {
			cfg.daemon.sampler = SAMPLER_PROC;
		} else if (strcmp(argv[i], "bpf-iter") == 0) { /* what kernels before 6.7 get */
			cfg.daemon.sampler = SAMPLER_BPF;
			sample_bpf_iter_only = true;
		}
	}
	if (scanner_init(&sc, &cfg) < 0) {
		fprintf(stderr, "scanbench: the sampler does not start%s%s\n", sc.src_why[0] ? ": " : "",
			sc.src_why);
		return 1;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "cgroups") == 0 && cg_backend_init(&cg, NULL) == 0)
			scanner_use_cgroups(&sc, &cg);
		else if (strcmp(argv[i], "swap") == 0)
			sc.swap_always = true;
	}
	w.sc = &sc;
	w.dry_run = true;
	/* warm up: identities are read once; steady state is what counts */
	for (int i = 0; i < 3; i++) {
		scanner_pass(&sc);
		floor_pass();
	}
	for (int i = 0; i < passes; i++) {
		double t0 = cpu_us(), t1, t2, w0;

		floor_pass();
		t1 = cpu_us();
		w0 = wall_us();
		scanner_pass(&sc);
		watch_evaluate(&w);
		t2 = cpu_us();
		if (wall_us() - w0 > worst)
			worst = wall_us() - w0;
		t_floor += t1 - t0;
		t_lj += t2 - t1;
	}
	printf("%.1f %.1f %.3f %u %u %.0f\n", t_floor / passes, t_lj / passes, t_lj / t_floor, sc.n_seen,
	       sc.n_watched, worst);
	scanner_free(&sc);
	config_free(&cfg);
	return 0;
}
