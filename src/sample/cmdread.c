// SPDX-License-Identifier: GPL-2.0-or-later
#include "cmdread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

struct request {
	struct request *next;
	pid_t pid;
	uint64_t starttime;
	char *text; /* NULL: gone */
};

struct reader {
	struct cmdread *c;
	uint64_t busy_since; /* monotonic ms while in a read; 0: idle */
	bool alive;
};

struct cmdread {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct request *todo, **todo_tail, *done;
	struct reader readers[CMDREAD_READERS];
	unsigned int refs; /* the owner and each live reader: the last one out frees */
	bool quit;
};

static void destroy(struct cmdread *c)
{
	struct request *lists[] = { c->todo, c->done };

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		for (struct request *r = lists[i], *n; r; r = n) {
			n = r->next;
			free(r->text);
			free(r);
		}
	}
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Through a /proc/PID directory fd: if the pid names another process by now, the reads fail. */
static char *read_cmdline(pid_t pid, uint64_t starttime)
{
	char path[32], buf[4096];
	struct proc_stat st;
	cleanup_close int dfd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || read_file_at(dfd, "stat", buf, sizeof(buf)) < 0 || !proc_parse_stat(buf, &st) ||
	    st.starttime != starttime)
		return NULL;
	n = read_file_at(dfd, "cmdline", buf, sizeof(buf));
	if (n < 0)
		return NULL;
	proc_cmdline_to_string(buf, (size_t)n);
	return strdup(buf);
}

static void *reader_main(void *arg)
{
	struct reader *self = arg;
	struct cmdread *c = self->c;
	bool last;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct request *r;

		while (!c->quit && !c->todo)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->quit)
			break;
		r = c->todo;
		c->todo = r->next;
		if (!c->todo)
			c->todo_tail = &c->todo;
		self->busy_since = now_ms();
		pthread_mutex_unlock(&c->lock);

		r->text = read_cmdline(r->pid, r->starttime);

		pthread_mutex_lock(&c->lock);
		self->busy_since = 0;
		r->next = c->done;
		c->done = r;
	}
	self->alive = false;
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		destroy(c);
	return NULL;
}

/* With the lock held. */
static int start_reader(struct cmdread *c)
{
	pthread_attr_t attr;
	pthread_t t;
	int r = -EAGAIN;

	for (size_t i = 0; i < ARRAY_SIZE(c->readers); i++) {
		struct reader *rd = &c->readers[i];

		if (rd->alive)
			continue;
		*rd = (struct reader){ .c = c, .alive = true };
		/* detached: a reader stuck in a read is never waited for */
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = -pthread_create(&t, &attr, reader_main, rd);
		pthread_attr_destroy(&attr);
		if (r < 0) {
			rd->alive = false;
			return r;
		}
		c->refs++;
		return 0;
	}
	return r;
}

int cmdread_new(struct cmdread **out)
{
	struct cmdread *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	c->todo_tail = &c->todo;
	c->refs = 1;
	pthread_mutex_lock(&c->lock);
	r = start_reader(c);
	pthread_mutex_unlock(&c->lock);
	if (r < 0) {
		destroy(c);
		return r;
	}
	*out = c;
	return 0;
}

int cmdread_ask(struct cmdread *c, pid_t pid, uint64_t starttime)
{
	struct request *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->pid = pid;
	r->starttime = starttime;
	pthread_mutex_lock(&c->lock);
	*c->todo_tail = r;
	c->todo_tail = &r->next;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static unsigned int count_stuck(struct cmdread *c, unsigned int *alive)
{
	uint64_t now = now_ms();
	unsigned int stuck = 0;

	*alive = 0;
	for (size_t i = 0; i < ARRAY_SIZE(c->readers); i++) {
		const struct reader *rd = &c->readers[i];

		if (!rd->alive)
			continue;
		(*alive)++;
		if (rd->busy_since && now - rd->busy_since > CMDREAD_DEADLINE_MS)
			stuck++;
	}
	return stuck;
}

void cmdread_collect(struct cmdread *c, cmdread_fn fn, void *arg)
{
	struct request *done;
	unsigned int alive, stuck;

	pthread_mutex_lock(&c->lock);
	done = c->done;
	c->done = NULL;
	stuck = count_stuck(c, &alive);
	/* every reader waits on a process that does not answer: another one takes the queue */
	if (c->todo && stuck == alive)
		start_reader(c);
	pthread_mutex_unlock(&c->lock);
	while (done) {
		struct request *r = done;

		done = r->next;
		fn(r->pid, r->starttime, r->text, arg);
		free(r->text);
		free(r);
	}
}

unsigned int cmdread_stuck(struct cmdread *c)
{
	unsigned int alive, stuck;

	pthread_mutex_lock(&c->lock);
	stuck = count_stuck(c, &alive);
	pthread_mutex_unlock(&c->lock);
	return stuck;
}

void cmdread_free(struct cmdread *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->wake);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		destroy(c);
}
