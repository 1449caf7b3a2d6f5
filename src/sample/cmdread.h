/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command lines, read off the event loop. Reading /proc/PID/cmdline takes
 * the target's mmap_lock and copies from its memory, which may have to be
 * faulted in from swap: a thrashing process, one whose lock is held, or one
 * whose pages a userfaultfd handler never serves makes the read wait, for
 * seconds or for ever. The sampler must not wait with it, so reads run on
 * reader threads: the sampler asks, and collects the answers at its next
 * pass. A reader stuck past CMDREAD_DEADLINE_MS leaves the queue to another
 * one (at most CMDREAD_READERS): a stuck process delays its own verdict only.
 */
#ifndef LJ_CMDREAD_H
#define LJ_CMDREAD_H

#include <stdint.h>
#include <sys/types.h>

#define CMDREAD_DEADLINE_MS 500
#define CMDREAD_READERS 4

struct cmdread;

/* 0 or -errno (no memory, no thread). */
int cmdread_new(struct cmdread **out);

/* Ask for the command line of the process (pid, start time). 0 or -ENOMEM. */
int cmdread_ask(struct cmdread *c, pid_t pid, uint64_t starttime);

/*
 * Hand over every answer that arrived: `cmdline` is the text with NULs made
 * spaces (at most 4 KiB), or NULL when the process had exited or was no
 * longer that process. Also starts another reader when all are stuck.
 */
typedef void (*cmdread_fn)(pid_t pid, uint64_t starttime, const char *cmdline, void *arg);
void cmdread_collect(struct cmdread *c, cmdread_fn fn, void *arg);

/* Readers stuck past the deadline now. */
unsigned int cmdread_stuck(struct cmdread *c);

/* Stop the readers; one stuck in a read is left to end with the process. */
void cmdread_free(struct cmdread *c);

#endif
