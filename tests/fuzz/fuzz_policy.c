// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a policy file's text through config_parse_policies_string():
 * leakjail's line reader, inih, the key table, the value parsers and the
 * checks across keys. A file that passes must describe a policy the daemon
 * can act on: the limits jail_limits_for() derives from it are sane for any
 * RSS a process can have.
 *
 * inih keeps its settings in process-wide globals (ini_max_line,
 * ini_allow_multiline, ...): config.c sets the ones it relies on before
 * every parse, and nothing here touches them.
 */
#include "fuzz.h"

#include "config.h"
#include "jail.h"

static void check_policy(const struct config *cfg, const struct policy *p)
{
	static const uint64_t rss[] = { 0, 4096, 1ULL << 30, 1ULL << 47 };

	FUZZ_ASSERT(p->name && p->file);
	FUZZ_ASSERT(p->window_ms >= 1000 && p->window_ms >= 2 * cfg->daemon.interval_ms);
	FUZZ_ASSERT(p->growth > 0);
	FUZZ_ASSERT(p->steadiness >= 0.0 && p->steadiness <= 1.0);
	FUZZ_ASSERT(p->jail_size.is_factor ? p->jail_size.factor >= 0.1 : p->jail_size.bytes >= 4 * MIB);
	FUZZ_ASSERT(!p->jail_max.is_factor || p->jail_max.factor >= 1.0);
	for (size_t i = 0; i < ARRAY_SIZE(rss); i++) {
		struct cg_limits l = jail_limits_for(p, rss[i]);
		char high[24], max[24];

		FUZZ_ASSERT(l.high >= 4 * MIB && l.high % 4096 == 0);
		/* memory.max is never below memory.high */
		FUZZ_ASSERT(l.max >= l.high);
		FUZZ_ASSERT(l.max == CG_UNLIMITED || l.max % 4096 == 0);
		jail_fmt_limit(high, sizeof(high), l.high);
		jail_fmt_limit(max, sizeof(max), l.max);
	}
	glob_list_match(&p->match_comm, "fuzz");
	glob_list_match(&p->exclude_cmdline, "/usr/bin/fuzz --leak");
}

static void fuzz_policy_one(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct config cfg = { 0 };
	struct diag_list diags = { 0 };
	int r;

	r = config_parse_policies_string("fuzz.conf", text, &cfg, &diags);
	for (size_t i = 0; i < diags.n; i++)
		FUZZ_ASSERT(diags.msgs[i] != NULL);
	if (r == 0) {
		FUZZ_ASSERT(diags.n == 0);
		FUZZ_ASSERT(cfg.n_policies >= 1 && cfg.n_policies <= LJ_POLICIES_MAX);
		for (size_t i = 0; i < cfg.n_policies; i++) {
			check_policy(&cfg, &cfg.policies[i]);
			FUZZ_ASSERT(config_max_window_ms(&cfg) >= cfg.policies[i].window_ms);
		}
		FUZZ_ASSERT(config_keep_policy(&cfg, cfg.policies[cfg.n_policies - 1].name) == 0);
		FUZZ_ASSERT(cfg.n_policies == 1);
	} else {
		FUZZ_ASSERT(diags.n > 0);
	}
	config_free(&cfg);
	diag_free(&diags);
	free(text);
}

FUZZ_ENTRY(fuzz_policy_one)
