/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: one printf-checked entry point with two sinks, stderr and the
 * journal. Without systemd the journal drops messages silently, so the
 * daemon writes to both unless told otherwise.
 */
#ifndef LJ_LOG_H
#define LJ_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "config.h"

/* MESSAGE_ID= of each kind of record, so `journalctl MESSAGE_ID=...` finds them. */
#define LJ_MSGID_LEAK_FOUND "3f6b2a1e9c8d4b7aa1e05c2d7f9b4e61"
#define LJ_MSGID_JAILED "8c1d5e2f4a7b4c9e9f3a6b0d2e5c7a18"
#define LJ_MSGID_RELOAD "b24e7c9a1f3d4e6b8a0c5d7e9f1a3b52"
#define LJ_MSGID_STARTED "5a9e3c7b1d2f4a6c8e0b7d9f1c3e5a74"

void log_init(enum log_target target, int max_prio);
void log_set_target(enum log_target target);

void lj_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A record with structured fields for the journal: each field is "NAME=value"
 * (names start with LEAKJAIL_). stderr shows only the message.
 */
void lj_log_record(int prio, const char *message_id, const char *const *fields, size_t n_fields,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
