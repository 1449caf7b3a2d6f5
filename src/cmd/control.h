/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running daemon answers questions on a Unix socket of its own,
 * <state_dir>/control: a client connects, writes one request line
 * ("status", "explain 4242") and reads one JSON answer to the end.
 *
 * A socket file, not D-Bus or varlink: the daemon must answer on hosts
 * without a system bus (and while dbus-daemon is the process being
 * starved), and libsystemd 252 has no public varlink API. Who may ask is
 * the file's mode: root, and the members of a group named `leakjail` where
 * one exists (0660, else 0600); the peer's credentials are checked again.
 * The answers tell which processes are watched, their command names and
 * cgroups: what `ps` tells anyone, but nothing a policy file does not.
 */
#ifndef LJ_CONTROL_H
#define LJ_CONTROL_H

#include <stddef.h>
#include <stdio.h>
#include <systemd/sd-event.h>

struct control;

/* Write the answer to request (one line, no newline) as JSON to out; 0 or -errno. */
typedef int (*control_answer_fn)(FILE *out, const char *request, void *userdata);

void control_path(const char *state_dir, char *buf, size_t size);

/* Listen on <state_dir>/control in the loop e. 0 or -errno. */
int control_open(struct control **out, sd_event *e, const char *state_dir, control_answer_fn fn, void *userdata);
void control_close(struct control *c);

/*
 * Ask the daemon whose state dir this is; the answer in *reply (malloc()ed).
 * -ENOENT or -ECONNREFUSED: no daemon answers there; -EACCES: not allowed;
 * -ETIMEDOUT.
 */
int control_ask(const char *state_dir, const char *request, char **reply, int timeout_ms);

#endif
