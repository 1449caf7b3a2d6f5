// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leakjail run under systemd: the command runs in a transient scope of its
 * own, as `systemd-run --scope` does, on the system manager for root and on
 * the caller's user manager otherwise (memory is delegated to
 * user@.service, so no privilege is needed). The command is held before
 * exec until the scope has taken it, so every page it ever uses is charged
 * there; its limits are set on the scope in place (SetUnitProperties), and
 * stopping `run` stops the scope, with whatever is left in it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "proc.h"
#include "run-systemd.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* MemoryHigh at the usage leaves this much above it, so that its write reclaims nothing */
#define RUN_SCOPE_SLACK (4ULL << 20)

static int bus_errno(const sd_bus_error *e, int r)
{
	int code = sd_bus_error_get_errno(e);

	return code > 0 ? -code : r < 0 ? r : -EIO;
}

/*
 * The user's manager: its bus ($DBUS_SESSION_BUS_ADDRESS or
 * $XDG_RUNTIME_DIR/bus, with dbus-user-session), else its private socket
 * $XDG_RUNTIME_DIR/systemd/private, which systemd-run --user uses too.
 */
static int open_user_manager(sd_bus **out)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char addr[512];
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_open_user(out);
	if (r >= 0)
		return r;
	if (!rt || !*rt)
		return r;
	snprintf(addr, sizeof(addr), "unix:path=%s/systemd/private", rt);
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, addr);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}
	*out = bus;
	return 0;
}

int run_scope_open(struct run_scope *s, struct lj_error *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->user = geteuid() != 0;
	r = s->user ? open_user_manager((sd_bus **)&s->bus) : sd_bus_open_system((sd_bus **)&s->bus);
	if (r < 0)
		return lj_error_set(err, r, "cannot reach the %s manager: %s", s->user ? "user's" : "system",
				    strerror(-r));
	/* a few seconds, not sd-bus's 25 s: run's loop watches the command meanwhile */
	sd_bus_set_method_call_timeout(s->bus, 3ULL * 1000000ULL);
	return 0;
}

int run_scope_start(struct run_scope *s, const char *base, pid_t child, struct lj_error *err)
{
	sd_bus *bus = s->bus;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char desc[300], path[48], buf[4096], cg[512];
	int r;

	snprintf(s->unit, sizeof(s->unit), "leakjail-run-%s-%d.scope", base, getpid());
	snprintf(desc, sizeof(desc), "leakjail run: %.200s", base);
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit", &e, NULL,
			       "ssa(sv)a(sa(sv))", s->unit, "fail", 3, "Description", "s", desc, "PIDs", "au", 1,
			       (uint32_t)child, "CollectMode", "s", "inactive-or-failed", 0);
	if (r < 0) {
		r = bus_errno(&e, r);
		lj_error_set(err, r, "StartTransientUnit(%s): %s", s->unit, e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return r;
	}
	s->started = true;
	/* the start job attaches the child: wait (at most 10 s) for /proc to show it in the scope */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", child);
	for (int i = 0; i < 1000; i++) {
		if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || !proc_parse_cgroup(buf, cg, sizeof(cg)))
			return lj_error_set(err, -ESRCH, "the command exited before it ran");
		if (strlen(cg) > strlen(s->unit) && strcmp(cg + strlen(cg) - strlen(s->unit), s->unit) == 0 &&
		    cg[strlen(cg) - strlen(s->unit) - 1] == '/') {
			snprintf(s->rel, sizeof(s->rel), "%s", cg + 1);
			return 0;
		}
		usleep(10000);
	}
	return lj_error_set(err, -ETIMEDOUT, "scope %s did not take the command (it is in %s)", s->unit, cg);
}

/*
 * Never a limit below what the scope holds now: the kernel would reclaim
 * inside the manager's write, in PID 1 (or the user's manager) for as long
 * as it takes, and memory.max with no swap to reclaim into OOM-kills the
 * command at once. MemoryHigh goes no lower than the usage (a little
 * above); MemoryMax is left as it is unless it is above the usage. What
 * the command holds beyond is the caller's to reclaim, in its own time,
 * and a later call with the usage lower then brings the limits down.
 */
int run_scope_set_limits(struct run_scope *s, const struct cg_limits *l, struct lj_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	char path[700], buf[32];
	uint64_t usage = 0, high = l->high;
	bool set_max = true;
	int r;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.current", s->rel);
	if (s->rel[0] && read_file_at(AT_FDCWD, path, buf, sizeof(buf)) > 0)
		usage = strtoull(buf, NULL, 10);
	if (usage && high != UINT64_MAX && high < usage + RUN_SCOPE_SLACK)
		high = (usage + RUN_SCOPE_SLACK + 4095) / 4096 * 4096;
	if (usage && l->max != UINT64_MAX && l->max < usage + RUN_SCOPE_SLACK)
		set_max = false;
	r = sd_bus_message_new_method_call(s->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", s->unit, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)", "MemoryHigh", "t", high, "MemorySwapMax", "t", l->swap);
	if (r >= 0 && set_max)
		r = sd_bus_message_append(m, "(sv)", "MemoryMax", "t", l->max);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(s->bus, m, 0, &e, NULL);
	sd_bus_message_unref(m);
	if (r < 0) {
		r = bus_errno(&e, r);
		lj_error_set(err, r, "SetUnitProperties(%s): %s", s->unit, e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return r;
	}
	return 0;
}

void run_scope_stop(struct run_scope *s)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;

	/* stopping the scope ends what the command left in it; an empty scope is gone already */
	if (s->started)
		sd_bus_call_method(s->bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, NULL, "ss", s->unit,
				   "replace");
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(s->bus);
	s->bus = NULL;
}
