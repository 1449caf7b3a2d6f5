// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "util.h"

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_prio = LOG_INFO;

/*
 * Under systemd, stderr itself goes to the journal (JOURNAL_STREAM names it):
 * writing both would log every record twice.
 */
static enum log_target effective(enum log_target target)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (target == LOG_TARGET_BOTH && js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		return LOG_TARGET_JOURNAL;
	return target;
}

void log_init(enum log_target target, int max_prio)
{
	log_target = effective(target);
	log_max_prio = max_prio;
}

void log_set_target(enum log_target target)
{
	log_target = effective(target);
}

static const char *prio_prefix(int prio)
{
	if (prio <= LOG_ERR)
		return "error: ";
	if (prio == LOG_WARNING)
		return "warning: ";
	return "";
}

static void emit(int prio, const char *message_id, const char *const *fields, size_t n_fields,
		 const char *msg)
{
	if (log_target != LOG_TARGET_JOURNAL)
		fprintf(stderr, "leakjail: %s%s\n", prio_prefix(prio), msg);
	if (log_target != LOG_TARGET_STDERR) {
		/* MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, MESSAGE_ID, then the fields */
		struct iovec iov[4 + 16];
		char m[4096 + 8], p[16], id[64];
		size_t n = 0;

		snprintf(m, sizeof(m), "MESSAGE=%s", msg);
		snprintf(p, sizeof(p), "PRIORITY=%d", prio);
		iov[n++] = (struct iovec){ m, strlen(m) };
		iov[n++] = (struct iovec){ p, strlen(p) };
		iov[n++] = (struct iovec){ (void *)"SYSLOG_IDENTIFIER=leakjail", 26 };
		if (message_id) {
			snprintf(id, sizeof(id), "MESSAGE_ID=%s", message_id);
			iov[n++] = (struct iovec){ id, strlen(id) };
		}
		for (size_t i = 0; i < n_fields && n < ARRAY_SIZE(iov); i++)
			iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
		sd_journal_sendv(iov, (int)n);
	}
}

static void __attribute__((format(printf, 5, 0)))
vlog(int prio, const char *message_id, const char *const *fields, size_t n_fields,
		 const char *fmt, va_list ap)
{
	char msg[4096];

	if (prio > log_max_prio)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(prio, message_id, fields, n_fields, msg);
}

void lj_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}

void lj_log_record(int prio, const char *message_id, const char *const *fields, size_t n_fields,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, message_id, fields, n_fields, fmt, ap);
	va_end(ap);
}
