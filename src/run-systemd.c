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

int run_scope_set_limits(struct run_scope *s, const struct cg_limits *l, struct lj_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(s->bus, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties", &e, NULL, "sba(sv)",
			       s->unit, 1, 3, "MemoryHigh", "t", l->high, "MemoryMax", "t", l->max, "MemorySwapMax",
			       "t", l->swap);
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
