// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Configuration and policy files, parsed with inih.
 *
 * Debian's inih (55) has three traps, each handled here:
 * - a line longer than its buffer (199 bytes by default) is split silently,
 *   and the tail is parsed as a line of its own: "match_cmdline = <200 x's>
 *   action = jail" would inject a key. We raise ini_max_line and feed inih
 *   through our own reader, which refuses any line that still does not fit.
 * - the handler gets no line number in Debian's build (INI_HANDLER_LINENO=0):
 *   the reader counts lines, and with multi-line values off the handler runs
 *   while the line it reports on is the last one read.
 * - the handler is called for every duplicate key: we refuse the second one.
 * Sections are recognised in the reader too, so an empty or repeated
 * section is seen even though inih calls the handler only for keys.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "config-hints.h"
#include "util.h"

#define INI_LINE_MAX 4096

void diag_add(struct diag_list *d, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	char *full = NULL;
	char **n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0) {
		if (asprintf(&full, "%s:%d: %s", file, line, msg) < 0)
			full = NULL;
	} else if (asprintf(&full, "%s: %s", file, msg) < 0) {
		full = NULL;
	}
	if (!full)
		return;
	full = escape_controls(full);
	if (!full)
		return;
	n = realloc(d->msgs, (d->n + 1) * sizeof(*n));
	if (!n) {
		free(full);
		return;
	}
	d->msgs = n;
	d->msgs[d->n++] = full;
}

void diag_free(struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

static void glob_list_free(struct glob_list *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->items[i]);
	free(g->items);
	g->items = NULL;
	g->n = 0;
}

bool glob_list_match(const struct glob_list *g, const char *s)
{
	for (size_t i = 0; i < g->n; i++)
		if (fnmatch(g->items[i], s, g->noescape ? FNM_NOESCAPE : 0) == 0)
			return true;
	return false;
}

/* Split "a b \"c d\"" into globs. Returns false on an unclosed quote. */
static bool glob_list_parse(const char *value, struct glob_list *out)
{
	struct glob_list g = { 0 };
	const char *p = value;

	for (;;) {
		const char *start, *end;
		char **n;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (*p == '"') {
			start = ++p;
			end = strchr(p, '"');
			if (!end) {
				glob_list_free(&g);
				return false;
			}
			p = end + 1;
		} else {
			start = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			end = p;
		}
		n = realloc(g.items, (g.n + 1) * sizeof(*n));
		if (!n) {
			glob_list_free(&g);
			return false;
		}
		g.items = n;
		g.items[g.n] = strndup(start, (size_t)(end - start));
		if (!g.items[g.n]) {
			glob_list_free(&g);
			return false;
		}
		g.n++;
	}
	glob_list_free(out);
	*out = g;
	return true;
}

enum section_kind { SEC_NONE, SEC_DAEMON, SEC_POLICY, SEC_INVALID };

enum value_type {
	V_GLOBS,
	V_PATH_GLOBS, /* cgroup paths: a backslash is a character */
	V_SIZE,
	V_SIZE_SPEC,
	V_SWAP,
	V_DURATION,
	V_FRACTION,
	V_RATE,
	V_BOOL,
	V_ACTION,
	V_STALLED,
	V_THRASH,
	V_RSS,
	V_LOG,
	V_SAMPLER,
	V_BACKEND,
	V_CGROUP_PATH,
	V_NAME_PATH,
	V_ABS_PATH,
};

struct key_def {
	const char *name;
	enum section_kind section;
	enum value_type type;
	size_t offset;
	const char *expect; /* what a valid value looks like, for messages */
};

#define P(key, type, field, expect) { key, SEC_POLICY, type, offsetof(struct policy, field), expect }
#define D(key, type, field, expect) \
	{ key, SEC_DAEMON, type, offsetof(struct daemon_config, field), expect }

static const struct key_def keys[] = {
	D("interval", V_DURATION, interval_ms, "a duration from 100ms to 1h, like 2s"),
	D("jail_parent", V_NAME_PATH, jail_parent, "a relative cgroup name, like leakjail"),
	D("scope", V_CGROUP_PATH, scope, "an absolute cgroup path, like / or /user.slice"),
	D("state_dir", V_ABS_PATH, state_dir, "an absolute directory path, like /run/leakjail"),
	D("dry_run", V_BOOL, dry_run, "yes or no"),
	D("kernel_watch", V_BOOL, kernel_watch, "yes or no"),
	D("memory_budget", V_SIZE, memory_budget, "a size, like 32M"),
	D("log", V_LOG, log, "both, stderr or journal"),
	D("sampler", V_SAMPLER, sampler, "auto, bpf or proc"),
	D("backend", V_BACKEND, backend, "auto, systemd or cgroupfs"),
	D("exempt_comm", V_GLOBS, exempt_comm, "command-name globs"),
	D("exempt_cgroup", V_PATH_GLOBS, exempt_cgroup, "cgroup path globs"),
	D("exempt_exe", V_GLOBS, exempt_exe, "executable path globs"),
	D("exempt_user", V_GLOBS, exempt_user, "user name or uid globs"),
	D("metrics_file", V_ABS_PATH, metrics_file, "an absolute file path, like /var/lib/prometheus/node-exporter/leakjail.prom"),

	P("match_comm", V_GLOBS, match_comm, "command-name globs"),
	P("match_exe", V_GLOBS, match_exe, "executable path globs"),
	P("match_cmdline", V_GLOBS, match_cmdline, "command-line globs"),
	P("match_user", V_GLOBS, match_user, "user name or uid globs"),
	P("match_cgroup", V_PATH_GLOBS, match_cgroup, "cgroup path globs"),
	P("match_container", V_GLOBS, match_container, "container globs, RUNTIME:ID or RUNTIME:NAME, like podman:web-*"),
	P("exclude_comm", V_GLOBS, exclude_comm, "command-name globs"),
	P("exclude_exe", V_GLOBS, exclude_exe, "executable path globs"),
	P("exclude_cmdline", V_GLOBS, exclude_cmdline, "command-line globs"),
	P("exclude_user", V_GLOBS, exclude_user, "user name or uid globs"),
	P("exclude_cgroup", V_PATH_GLOBS, exclude_cgroup, "cgroup path globs"),
	P("exclude_container", V_GLOBS, exclude_container, "container globs, RUNTIME:ID or RUNTIME:NAME, like *:*"),
	P("min_rss", V_SIZE, min_rss, "a size, like 64M"),
	P("rss", V_RSS, rss, "total or anon"),
	P("growth", V_SIZE, growth, "a size above 0, like 100M"),
	P("window", V_DURATION, window_ms, "a duration, like 60s"),
	P("steadiness", V_FRACTION, steadiness, "a fraction, like 0.8 or 80%"),
	P("pressure_swapout", V_RATE, pressure_swapout, "pages per second, like 100/s"),
	P("pressure_some", V_FRACTION, pressure_some, "a PSI share, like 10%"),
	P("pressure_full", V_FRACTION, pressure_full, "a PSI share, like 5%"),
	P("pressure_available", V_SIZE, pressure_available, "a size, like 1G"),
	P("forecast", V_DURATION, forecast_ms, "a duration, like 15m"),
	P("action", V_ACTION, action, "log or jail"),
	P("jail_size", V_SIZE_SPEC, jail_size, "floor, a size like 512M, or a factor of the RSS like 1.2x"),
	P("jail_max", V_SIZE_SPEC, jail_max, "a size like 600M, or a factor of jail_size like 1.1x"),
	P("jail_swap", V_SWAP, jail_swap, "a size like 2G, or max"),
	P("jail_pageout", V_BOOL, jail_pageout, "yes or no"),
	P("jail_descendants", V_BOOL, jail_descendants, "yes or no"),
	P("jail_stalled", V_STALLED, jail_stalled, "log, grow or kill"),
	P("jail_thrash", V_THRASH, jail_thrash, "grow, release or keep"),
};
#undef P
#undef D

const char *config_key(size_t i, const char **section)
{
	if (i >= ARRAY_SIZE(keys))
		return NULL;
	*section = keys[i].section == SEC_DAEMON ? "daemon" : "policy";
	return keys[i].name;
}

_Static_assert(ARRAY_SIZE(keys) <= 64, "duplicate-key tracking uses a 64-bit mask");

struct parse_ctx {
	const char *file;
	int line;
	FILE *f;
	char *buf;
	size_t cap;
	bool policies_file;

	enum section_kind section;
	int section_line;
	int daemon_line;
	uint64_t seen_keys;
	struct policy *policy; /* the section being filled, when SEC_POLICY */

	struct config *cfg;
	struct diag_list *diags;
};

static void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->rss = RSS_TOTAL;
	p->growth = 100 * MIB;
	p->window_ms = 60 * 1000;
	p->steadiness = 0.8;
	p->pressure_swapout = -1.0;
	p->pressure_some = -1.0;
	p->pressure_full = -1.0;
	p->action = ACTION_LOG;
	p->jail_size = (struct size_spec){ .is_floor = true };
	p->jail_max = (struct size_spec){ .is_factor = true, .factor = 1.1 };
	p->jail_swap = UINT64_MAX;
	p->jail_pageout = true;
	p->jail_thrash = THRASH_GROW;
}

static void policy_free(struct policy *p)
{
	struct glob_list *lists[] = {
		&p->match_comm,   &p->match_exe,	&p->match_cmdline,   &p->match_user,
		&p->match_cgroup, &p->exclude_comm, &p->exclude_exe,	  &p->exclude_cmdline,
		&p->exclude_user, &p->exclude_cgroup, &p->match_container, &p->exclude_container,
	};

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		glob_list_free(lists[i]);
	free(p->name);
	free(p->file);
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* A relative cgroup path of valid names, no "." or ".." parts. */
static bool valid_name_path(const char *s)
{
	cleanup_free char *copy = strdup(s);
	char *save = NULL;
	size_t parts = 0, len = strlen(s);

	/*
	 * strtok_r() skips empty parts, but "leakjail/" is no name to join:
	 * jail_enter() makes "leakjail//app-4242", the kernel shows the process
	 * in "/leakjail/app-4242", the two differ, and every move is undone as
	 * one that "did not take".
	 */
	if (!copy || *s == '/' || len > 200 || (len && s[len - 1] == '/') || strstr(s, "//"))
		return false;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!valid_name(t) || strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
			return false;
		parts++;
	}
	return parts > 0;
}

static bool valid_cgroup_path(const char *s)
{
	if (*s != '/')
		return false;
	return strcmp(s, "/") == 0 || valid_name_path(s + 1);
}

static void open_section(struct parse_ctx *c, const char *name)
{
	const struct policy *old;
	const char *p;

	c->section_line = c->line;
	c->seen_keys = 0;
	c->policy = NULL;
	c->section = SEC_INVALID;

	if (!c->policies_file) {
		if (strcmp(name, "daemon") == 0 && c->daemon_line)
			diag_add(c->diags, c->file, c->line, "a second [daemon] section (the first is at line %d)",
				 c->daemon_line);
		else if (strcmp(name, "daemon") == 0) {
			c->section = SEC_DAEMON;
			c->daemon_line = c->line;
		} else
			diag_add(c->diags, c->file, c->line,
				 "unknown section [%s] (this file takes [daemon]; policies go in the policies directory)",
				 name);
		return;
	}
	if (strncmp(name, "policy", 6) != 0 || !isspace((unsigned char)name[6])) {
		diag_add(c->diags, c->file, c->line,
			 "unknown section [%s] (expected [policy NAME])", name);
		return;
	}
	p = name + 6;
	while (isspace((unsigned char)*p))
		p++;
	if (!valid_name(p)) {
		diag_add(c->diags, c->file, c->line,
			 "invalid policy name '%s' (letters, digits, '_', '.', '-'; at most 64)", p);
		return;
	}
	if ((old = config_policy(c->cfg, p))) {
		diag_add(c->diags, c->file, c->line, "policy '%s' is already defined at %s:%d", p, old->file,
			 old->line);
		return;
	}
	{
		struct policy *n = realloc(c->cfg->policies,
					   (c->cfg->n_policies + 1) * sizeof(*n));
		struct policy *pol;

		if (!n) {
			diag_add(c->diags, c->file, c->line, "out of memory");
			return;
		}
		c->cfg->policies = n;
		pol = &n[c->cfg->n_policies];
		policy_defaults(pol);
		pol->name = strdup(p);
		pol->file = strdup(c->file);
		pol->line = c->line;
		if (!pol->name || !pol->file) {
			/* not counted: a policy without a name would crash the next strcmp() above */
			policy_free(pol);
			diag_add(c->diags, c->file, c->line, "out of memory");
			return;
		}
		c->cfg->n_policies++;
		c->policy = pol;
		c->section = SEC_POLICY;
	}
}

/*
 * inih's line source. Besides counting lines it spots section headers, and
 * refuses a line too long for inih's buffer instead of letting inih split it.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	ssize_t len = getline(&c->buf, &c->cap, c->f);
	char *s;

	if (len < 0)
		return NULL;
	c->line++;
	if (len > num - 3) {
		diag_add(c->diags, c->file, c->line, "line too long (%zd bytes; at most %d)", len,
			 num - 3);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (has_control_bytes(c->buf, (size_t)len)) {
		char shown[256];

		escape_line(c->buf, (size_t)len, shown, sizeof(shown));
		diag_add(c->diags, c->file, c->line,
			 "a control byte in line '%s': refused (settings are text)", shown);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, c->buf, (size_t)len + 1);

	s = c->buf;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (end) {
			*end = '\0';
			open_section(c, strstrip(s + 1));
		} else {
			/* inih reports it as a syntax error; keep its keys out of the previous section */
			c->section = SEC_INVALID;
		}
	}
	return str;
}

/* The words a key of each kind may take, at their enum values. */
static const char *const action_words[] = { [ACTION_LOG] = "log", [ACTION_JAIL] = "jail" };
static const char *const stalled_words[] = {
	[STALLED_LOG] = "log", [STALLED_GROW] = "grow", [STALLED_KILL] = "kill",
};
static const char *const thrash_words[] = {
	[THRASH_GROW] = "grow", [THRASH_RELEASE] = "release", [THRASH_KEEP] = "keep",
};
static const char *const rss_words[] = { [RSS_TOTAL] = "total", [RSS_ANON] = "anon" };
static const char *const log_words[] = {
	[LOG_TARGET_BOTH] = "both", [LOG_TARGET_STDERR] = "stderr", [LOG_TARGET_JOURNAL] = "journal",
};
static const char *const sampler_words[] = {
	[SAMPLER_AUTO] = "auto", [SAMPLER_BPF] = "bpf", [SAMPLER_PROC] = "proc",
};
static const char *const backend_words[] = {
	[BACKEND_AUTO] = "auto", [BACKEND_SYSTEMD] = "systemd", [BACKEND_CGROUPFS] = "cgroupfs",
};

/* Where v stands in words[] (its enum value), or -1. */
static int word_index(const char *v, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (words[i] && strcmp(v, words[i]) == 0)
			return (int)i;
	return -1;
}

/* In set_value(): the enum of type at field, from v's place in words[] */
#define SET_WORD(type, words)                                          \
	do {                                                           \
		int i_ = word_index(v, words, ARRAY_SIZE(words));      \
                                                                       \
		if (i_ < 0)                                            \
			return false;                                  \
		*(type *)field = (type)i_;                             \
		return true;                                           \
	} while (0)

static int set_value(const struct key_def *k, void *base, const char *v)
{
	void *field = (char *)base + k->offset;

	switch (k->type) {
	case V_GLOBS:
	case V_PATH_GLOBS:
		if (!glob_list_parse(v, field))
			return false;
		((struct glob_list *)field)->noescape = k->type == V_PATH_GLOBS;
		return ((struct glob_list *)field)->n > 0;
	case V_SIZE:
		return parse_size(v, field);
	case V_SIZE_SPEC:
		return parse_size_spec(v, field);
	case V_SWAP:
		if (strcmp(v, "max") == 0) {
			*(uint64_t *)field = UINT64_MAX;
			return true;
		}
		return parse_size(v, field);
	case V_DURATION:
		return parse_duration_ms(v, field);
	case V_FRACTION:
		return parse_fraction(v, field);
	case V_RATE:
		return parse_rate(v, field);
	case V_BOOL:
		return parse_bool(v, field);
	case V_ACTION:
		SET_WORD(enum lj_action, action_words);
	case V_STALLED:
		SET_WORD(enum lj_stalled, stalled_words);
	case V_THRASH:
		SET_WORD(enum lj_thrash, thrash_words);
	case V_RSS:
		SET_WORD(enum rss_kind, rss_words);
	case V_LOG:
		SET_WORD(enum log_target, log_words);
	case V_SAMPLER:
		SET_WORD(enum sampler_kind, sampler_words);
	case V_BACKEND:
		SET_WORD(enum jail_backend_kind, backend_words);
	case V_CGROUP_PATH:
	case V_NAME_PATH:
	case V_ABS_PATH: {
		char *dup;

		if (k->type == V_CGROUP_PATH && !valid_cgroup_path(v))
			return false;
		if (k->type == V_NAME_PATH && !valid_name_path(v))
			return false;
		/* a ".." part at the end too: "/run/.." is "/", and state_dir holds the jail records */
		if (k->type == V_ABS_PATH &&
		    (v[0] != '/' || strstr(v, "/../") || strlen(v) > 200 ||
		     (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0)))
			return false;
		dup = strdup(v);
		if (!dup)
			return false;
		free(*(char **)field);
		*(char **)field = dup;
		return true;
	}
	}
	return false;
}
#undef SET_WORD

/* Per-key range checks that a parser alone does not make. */
static const char *check_range(const struct key_def *k, const void *base)
{
	const void *field = (const char *)base + k->offset;

	if (strcmp(k->name, "memory_budget") == 0) {
		if (*(const uint64_t *)field < 4 * MIB)
			return "below 4M: too little to track a host's processes";
	} else if (strcmp(k->name, "interval") == 0) {
		uint64_t ms = *(const uint64_t *)field;

		if (ms < 100 || ms > 3600 * 1000)
			return "out of range (100ms to 1h)";
	} else if (strcmp(k->name, "growth") == 0) {
		if (*(const uint64_t *)field == 0)
			return "must be above 0";
	} else if (strcmp(k->name, "window") == 0) {
		if (*(const uint64_t *)field < 1000)
			return "must be at least 1s";
	} else if (strcmp(k->name, "jail_size") == 0) {
		const struct size_spec *s = field;

		if (!s->is_floor && !s->is_factor && s->bytes < 4 * MIB)
			return "below 4M: a jail that small cannot hold a process";
		if (s->is_factor && s->factor < 0.1)
			return "a factor below 0.1x: the process could not keep even its working set";
	} else if (strcmp(k->name, "jail_max") == 0) {
		const struct size_spec *s = field;

		if (s->is_factor && s->factor < 1.0)
			return "a factor of jail_size below 1x (memory.max must not be below memory.high)";
		if (s->is_floor)
			return "floor is for jail_size: jail_max is a size, or a factor of jail_size";
	} else if (strcmp(k->name, "pressure_some") == 0 || strcmp(k->name, "pressure_full") == 0) {
		if (*(const double *)field <= 0.0)
			return "must be above 0%";
	} else if (strcmp(k->name, "pressure_swapout") == 0) {
		if (*(const double *)field <= 0.0)
			return "must be above 0 (leave it out to act without pressure)";
	}
	return NULL;
}

/*
 * A size written without a unit: "growth = 512" meant 512M far more often
 * than 512 bytes, and a bare "jail_size = 1.5" meant 1.5x. Taken as bytes
 * it would pass every check and make a policy that fires on any growth, so
 * it is refused with the unit it most likely lacks. Zero needs no unit.
 * Returns the message, or NULL when the value is no bare number.
 */
static const char *size_without_unit(const struct key_def *k, const char *v, char *buf, size_t size)
{
	double n;

	if ((k->type != V_SIZE && k->type != V_SWAP && k->type != V_SIZE_SPEC) ||
	    !bare_number(v, &n) || n == 0.0)
		return NULL;
	if (k->type == V_SIZE_SPEC && n < 100.0)
		snprintf(buf, size, "a factor needs an x, a size a unit: %sx?", v);
	else if (n >= 65536.0)
		snprintf(buf, size, "a size needs a unit: %sB (%.1fM)?", v, n / (double)MIB);
	else
		snprintf(buf, size, "a size needs a unit: %sM?", v);
	return buf;
}

/* An unknown key: the key it most likely meant, in this section or in the other file. */
static void unknown_key(struct parse_ctx *c, enum section_kind want, const char *name)
{
	const char *here = want == SEC_DAEMON ? "daemon" : "policy";
	const struct key_def *best = NULL;
	size_t best_d = SIZE_MAX, limit = strlen(name) <= 4 ? 1 : 2;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].section != want && strcmp(keys[i].name, name) == 0) {
			diag_add(c->diags, c->file, c->line, "unknown key '%s' in [%s]: %s belongs in %s",
				 name, here, name,
				 keys[i].section == SEC_DAEMON ? "[daemon] (leakjail.conf)"
							       : "a [policy NAME] section");
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t dist;

		if (keys[i].section != want)
			continue;
		dist = edit_distance(name, keys[i].name);
		if (dist < best_d) {
			best_d = dist;
			best = &keys[i];
		}
	}
	if (best && best_d <= limit)
		diag_add(c->diags, c->file, c->line, "unknown key '%s' in [%s]: did you mean %s?", name,
			 here, best->name);
	else
		diag_add(c->diags, c->file, c->line, "unknown key '%s' in [%s]", name, here);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	enum section_kind want = c->section;
	void *base;

	(void)section;
	if (want == SEC_INVALID)
		return 1; /* the section was refused already; one message is enough */
	if (want == SEC_NONE) {
		diag_add(c->diags, c->file, c->line, "'%s' outside of any section", name);
		return 1;
	}
	base = want == SEC_DAEMON ? (void *)&c->cfg->daemon : (void *)c->policy;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key_def *k = &keys[i];
		const char *why;
		char hint[128];

		if (k->section != want || strcmp(k->name, name) != 0)
			continue;
		if (c->seen_keys & (1ULL << i)) {
			diag_add(c->diags, c->file, c->line, "duplicate key '%s' in this section", name);
			return 1;
		}
		c->seen_keys |= 1ULL << i;
		if ((why = size_without_unit(k, value, hint, sizeof(hint)))) {
			diag_add(c->diags, c->file, c->line, "%s = %s: %s", name, value, why);
			return 1;
		}
		if (!set_value(k, base, value)) {
			diag_add(c->diags, c->file, c->line, "invalid %s '%s': expected %s", name, value,
				 k->expect);
			return 1;
		}
		why = check_range(k, base);
		if (why)
			diag_add(c->diags, c->file, c->line, "%s = %s: %s", name, value, why);
		if (want == SEC_POLICY && strcmp(name, "window") == 0)
			c->policy->window_line = c->line;
		if (want == SEC_DAEMON && strcmp(name, "scope") == 0)
			c->cfg->daemon.scope_line = c->line;
		if (want == SEC_DAEMON && strcmp(name, "jail_parent") == 0)
			c->cfg->daemon.jail_parent_line = c->line;
		return 1;
	}
	unknown_key(c, want, name);
	return 1;
}

static int parse_stream(struct parse_ctx *c)
{
	int rc;

	ini_max_line = INI_LINE_MAX;
	ini_allow_multiline = false;
	rc = ini_parse_stream(reader, c, handler, c);
	free(c->buf);
	c->buf = NULL;
	if (rc > 0)
		diag_add(c->diags, c->file, rc, "syntax error: expected [section] or key = value");
	else if (rc < 0)
		diag_add(c->diags, c->file, 0, "cannot parse (out of memory)");
	return rc;
}

/*
 * A file that someone other than root can change would let them decide which
 * processes root jails: refuse it, as sudo and cron refuse their files.
 */
static bool safe_owner(const struct stat *st, const char *path, struct diag_list *diags)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		diag_add(diags, path, 0, "owned by uid %u: must be owned by root", st->st_uid);
		return false;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		diag_add(diags, path, 0, "writable by group or others (mode %04o): refused",
			 st->st_mode & 07777);
		return false;
	}
	return true;
}

static int parse_file(const char *path, bool policies_file, struct config *cfg,
		      struct diag_list *diags)
{
	cleanup_file FILE *f = fopen(path, "re");
	struct parse_ctx c = {
		.file = path, .f = f, .policies_file = policies_file, .cfg = cfg, .diags = diags,
	};
	struct stat st;

	if (!f) {
		diag_add(diags, path, 0, "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_add(diags, path, 0, "not a regular file");
		return -EINVAL;
	}
	if (!safe_owner(&st, path, diags))
		return -EPERM;
	parse_stream(&c);
	return 0;
}

static int conf_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 && strcmp(d->d_name + len - 5, ".conf") == 0;
}

static void parse_policies_dir(const char *dir, struct config *cfg, struct diag_list *diags)
{
	struct dirent **names = NULL;
	struct stat st;
	int n;

	if (stat(dir, &st) < 0) {
		diag_add(diags, dir, 0, "cannot open policies directory: %s", strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		diag_add(diags, dir, 0, "not a directory");
		return;
	}
	if (!safe_owner(&st, dir, diags))
		return;
	n = scandir(dir, &names, conf_filter, alphasort);
	if (n < 0) {
		diag_add(diags, dir, 0, "cannot read: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		cleanup_free char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0)
			parse_file(path, true, cfg, diags);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		diag_add(diags, dir, 0, "no policy files (*.conf): nothing to watch for");
}

/* "6s", "1500ms": as a configuration file would say it */
static const char *duration_str(uint64_t ms, char *buf, size_t size)
{
	if (ms && ms % 60000 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%llums", (unsigned long long)ms);
	return buf;
}

/*
 * The detector (detect.c) cuts the window into 4 quarters and calls a
 * growth a leak when the floor rose in `steadiness` of them (3 of 4 by
 * default, 2 at least). The floor rises in a quarter only when a sample
 * falls in it: a window of fewer intervals than that can never report (a
 * steady leak at 3 intervals with steadiness = 100 %: never). The same
 * formula as detect_quarters_needed(); test_config runs the detector at the
 * least window and just below it, so the two cannot drift apart.
 */
unsigned int policy_quarters_needed(const struct policy *p)
{
	unsigned int q = (unsigned int)(p->steadiness * 4 + 1e-9);

	return MIN(MAX(q, 2u), 4u);
}

uint64_t policy_least_window_ms(const struct policy *p, uint64_t interval_ms)
{
	/*
	 * Every quarter (steadiness 100 %): a sample in each. Fewer: the floor
	 * that keeps rising from sample to sample (detect.c) reports at two.
	 */
	return (policy_quarters_needed(p) == 4 ? 4 : 2) * interval_ms;
}

/* Checks that span keys or files: they run once everything is read. */
static void validate(struct config *cfg, struct diag_list *diags)
{
	for (size_t i = 0; i < cfg->n_policies; i++) {
		struct policy *p = &cfg->policies[i];

		uint64_t least = policy_least_window_ms(p, cfg->daemon.interval_ms);

		if (p->window_ms < least) {
			char w[32], iv[32], l[32];

			diag_add(diags, p->file, p->window_line ? p->window_line : p->line,
				 "policy '%s': window = %s can never report at interval = %s: %s: the least window is %s",
				 p->name, duration_str(p->window_ms, w, sizeof(w)),
				 duration_str(cfg->daemon.interval_ms, iv, sizeof(iv)),
				 policy_quarters_needed(p) == 4
					 ? "the floor must rise in 4 of 4 quarters, one sample each at least"
					 : "the floor must rise from one sample to the next within it",
				 duration_str(least, l, sizeof(l)));
		}
		/* a history counts its times in 31 bits of ms and reaches back two windows (history.h) */
		if (p->window_ms > LJ_WINDOW_MAX_MS)
			diag_add(diags, p->file, p->window_line ? p->window_line : p->line,
				 "policy '%s': window is longer than %llu days", p->name,
				 (unsigned long long)(LJ_WINDOW_MAX_MS / (24 * 3600 * 1000ULL)));
		if (!p->jail_size.is_floor && !p->jail_size.is_factor && !p->jail_max.is_factor &&
		    p->jail_max.bytes < p->jail_size.bytes)
			diag_add(diags, p->file, p->line,
				 "policy '%s': jail_max is below jail_size", p->name);
	}
	if (cfg->n_policies > LJ_POLICIES_MAX)
		diag_add(diags, cfg->policies[LJ_POLICIES_MAX].file, cfg->policies[LJ_POLICIES_MAX].line,
			 "more than %d policies: merge some", LJ_POLICIES_MAX);
	if (cfg->n_policies == 0 && diags->n == 0)
		/* no directory when config_parse_policies_string() read one text: NULL is no "%s" */
		diag_add(diags, cfg->policies_dir ? cfg->policies_dir : "policies", 0,
			 "no [policy NAME] section found");
}

static int config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->daemon.interval_ms = 2000;
	cfg->daemon.jail_parent = strdup("leakjail");
	cfg->daemon.scope = strdup("/");
	cfg->daemon.state_dir = strdup(LJ_DEFAULT_STATE_DIR);
	cfg->daemon.log = LOG_TARGET_BOTH;
	cfg->daemon.kernel_watch = true;
	cfg->daemon.memory_budget = LJ_DEFAULT_MEMORY_BUDGET;
	if (!cfg->daemon.jail_parent || !cfg->daemon.scope || !cfg->daemon.state_dir)
		return -ENOMEM;
	return 0;
}

int config_load(const char *config_path, bool config_required, const char *policies_dir,
		struct config *out, struct diag_list *diags)
{
	struct config cfg;
	size_t before = diags->n;

	if (config_defaults(&cfg) < 0) {
		config_free(&cfg);
		diag_add(diags, config_path, 0, "out of memory");
		return -ENOMEM;
	}
	cfg.config_path = strdup(config_path);
	cfg.policies_dir = policies_dir ? strdup(policies_dir) : NULL;
	if (config_required || access(config_path, F_OK) == 0)
		parse_file(config_path, false, &cfg, diags);
	if (policies_dir) {
		parse_policies_dir(policies_dir, &cfg, diags);
		validate(&cfg, diags);
	}
	if (diags->n != before) {
		config_free(&cfg);
		return -EINVAL;
	}
	*out = cfg;
	return 0;
}

int config_parse_policies_string(const char *name, const char *text, struct config *cfg,
				 struct diag_list *diags)
{
	cleanup_file FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct parse_ctx c = {
		.file = name, .f = f, .policies_file = true, .cfg = cfg, .diags = diags,
	};
	size_t before = diags->n;

	if (!cfg->daemon.scope && config_defaults(cfg) < 0)
		return -ENOMEM;
	if (!f)
		return -errno;
	parse_stream(&c);
	if (diags->n == before)
		validate(cfg, diags);
	return diags->n == before ? 0 : -EINVAL;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_policies; i++)
		policy_free(&cfg->policies[i]);
	free(cfg->policies);
	free(cfg->daemon.jail_parent);
	free(cfg->daemon.scope);
	free(cfg->daemon.state_dir);
	free(cfg->daemon.metrics_file);
	glob_list_free(&cfg->daemon.exempt_comm);
	glob_list_free(&cfg->daemon.exempt_cgroup);
	glob_list_free(&cfg->daemon.exempt_exe);
	glob_list_free(&cfg->daemon.exempt_user);
	free(cfg->config_path);
	free(cfg->policies_dir);
	memset(cfg, 0, sizeof(*cfg));
}

const struct policy *config_policy(const struct config *cfg, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_policies; i++)
		if (strcmp(cfg->policies[i].name, name) == 0)
			return &cfg->policies[i];
	return NULL;
}

int config_keep_policy(struct config *cfg, const char *name)
{
	const struct policy *p = config_policy(cfg, name);
	size_t keep;

	if (!p)
		return -ENOENT;
	keep = (size_t)(p - cfg->policies);
	for (size_t i = 0; i < cfg->n_policies; i++)
		if (i != keep)
			policy_free(&cfg->policies[i]);
	cfg->policies[0] = cfg->policies[keep];
	cfg->n_policies = 1;
	return 0;
}

uint64_t config_max_window_ms(const struct config *cfg)
{
	uint64_t w = 0;

	for (size_t i = 0; i < cfg->n_policies; i++)
		w = MAX(w, cfg->policies[i].window_ms);
	return w;
}
