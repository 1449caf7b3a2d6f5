/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's settings (/etc/leakjail/leakjail.conf, section [daemon]) and
 * the leak policies (/etc/leakjail/policies.d/NAME.conf, sections [policy NAME]).
 * docs/leakjail.conf.5.md describes every key; the table in config.c is the
 * code's single list of them.
 */
#ifndef LJ_CONFIG_H
#define LJ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "units.h"

#define LJ_DEFAULT_CONFIG "/etc/leakjail/leakjail.conf"
#define LJ_DEFAULT_POLICIES "/etc/leakjail/policies.d"
#define LJ_DEFAULT_STATE_DIR "/run/leakjail"
#define LJ_POLICIES_MAX 64    /* a process's policies are a 64-bit mask */
#define LJ_WINDOW_MAX_MS (7ULL * 24 * 3600 * 1000) /* the longest window a policy may have */
#define LJ_DEFAULT_MEMORY_BUDGET (32ULL << 20)

/* Problems found while loading, each "file:line: message". */
struct diag_list {
	char **msgs;
	size_t n;
};

void diag_add(struct diag_list *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_free(struct diag_list *d);

/*
 * Whitespace-separated fnmatch() globs; a glob in double quotes may hold
 * spaces. In cgroup path globs a backslash is itself (systemd escapes unit
 * names: "system-systemd\x2dfsck.slice"), not an escape.
 */
struct glob_list {
	char **items;
	size_t n;
	bool noescape;
};

bool glob_list_match(const struct glob_list *g, const char *s);

enum lj_action { ACTION_LOG, ACTION_JAIL };
/* What to do with a jail whose process cannot make progress (src/jail/stall.h). */
enum lj_stalled { STALLED_LOG, STALLED_GROW, STALLED_KILL };
/* What to do with a jail whose process was not leaking what it holds (src/jail/jailcheck.h). */
enum lj_thrash { THRASH_GROW, THRASH_RELEASE, THRASH_KEEP };
enum rss_kind { RSS_TOTAL, RSS_ANON };
enum log_target { LOG_TARGET_BOTH, LOG_TARGET_STDERR, LOG_TARGET_JOURNAL };
/* where the sampler finds processes (sample.h): auto is bpf where it loads, else proc */
enum sampler_kind { SAMPLER_AUTO, SAMPLER_BPF, SAMPLER_PROC };

struct policy {
	char *name;
	char *file;
	int line;        /* of the [policy NAME] header */
	int window_line; /* of the window key, for the cross-file check */

	/* which processes */
	struct glob_list match_comm, match_exe, match_cmdline, match_user, match_cgroup;
	/* "RUNTIME:ID" and "RUNTIME:NAME" of a container's process (src/base/container.h); nothing else matches */
	struct glob_list match_container, exclude_container;
	struct glob_list exclude_comm, exclude_exe, exclude_cmdline, exclude_user, exclude_cgroup;
	uint64_t min_rss;

	/* what growth */
	enum rss_kind rss;
	uint64_t growth;
	uint64_t window_ms;
	double steadiness;

	/* when: any condition that is set must hold one of; none set = always */
	double pressure_swapout;      /* pages/s; < 0: not set */
	double pressure_some;         /* PSI some avg10, fraction; < 0: not set */
	double pressure_full;         /* PSI full avg10, fraction; < 0: not set */
	uint64_t pressure_available;  /* MemAvailable below this; 0: not set */
	uint64_t forecast_ms;         /* memory runs out within this at the floor's rate (judge.h); 0: not set */

	/* what to do */
	enum lj_action action;
	struct size_spec jail_size;   /* absolute, or a factor of the RSS at jail time */
	struct size_spec jail_max;    /* absolute, or a factor of jail_size (v2 memory.max) */
	uint64_t jail_swap;           /* UINT64_MAX: no swap limit */
	bool jail_pageout;
	bool jail_descendants;
	enum lj_stalled jail_stalled;
	enum lj_thrash jail_thrash;
};

/* Who makes jails: systemd where it is PID 1 on cgroup v2 (auto), or cgroupfs. */
enum jail_backend_kind { BACKEND_AUTO, BACKEND_SYSTEMD, BACKEND_CGROUPFS };

struct daemon_config {
	uint64_t interval_ms;
	char *jail_parent;
	char *scope;
	int jail_parent_line, scope_line; /* where they were set (0: the default), for warnings */
	char *state_dir;      /* where jails are recorded, so a restarted daemon finds them */
	bool dry_run;
	bool kernel_watch;    /* report memory no process owns (slab, sockets, untracked) */
	uint64_t memory_budget; /* what the daemon's knowledge of processes may take (scan.h) */
	enum log_target log;
	enum sampler_kind sampler;
	enum jail_backend_kind backend;
	struct glob_list exempt_comm, exempt_cgroup, exempt_exe, exempt_user;
	char *metrics_file;   /* Prometheus textfile; NULL: none */
};

struct config {
	struct daemon_config daemon;
	struct policy *policies;
	size_t n_policies;
	char *config_path;
	char *policies_dir;
};

/*
 * Load the configuration file and every *.conf in the policies directory.
 * A missing configuration file is fine when `config_required` is false (the
 * defaults apply). A NULL policies_dir reads the [daemon] settings only.
 * Returns 0 when everything is valid, -EINVAL (with every
 * problem in diags) otherwise; on failure *out is left untouched.
 */
int config_load(const char *config_path, bool config_required, const char *policies_dir,
		struct config *out, struct diag_list *diags);

/* The same checks on a single policy file's text, for tests and fuzzing. */
int config_parse_policies_string(const char *name, const char *text, struct config *cfg,
				 struct diag_list *diags);

void config_free(struct config *cfg);

/* Drop every policy but the one named; -ENOENT when there is none by that name. */
int config_keep_policy(struct config *cfg, const char *name);

/* The policy of that name (names are unique), or NULL; cfg may be NULL. */
const struct policy *config_policy(const struct config *cfg, const char *name);

/* The i-th key the files may hold, and its section ("daemon" or "policy"); NULL past the last. */
const char *config_key(size_t i, const char **section);

/* The longest window of all policies: how much history the tracker keeps. */
uint64_t config_max_window_ms(const struct config *cfg);
/*
 * The least window a policy can report in at this interval: the floor must
 * rise in policy_quarters_needed() of the window's 4 quarters, and a quarter
 * without a sample cannot rise. Shorter windows are refused.
 */
unsigned int policy_quarters_needed(const struct policy *p);
uint64_t policy_least_window_ms(const struct policy *p, uint64_t interval_ms);

#endif
