// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's control socket (control.h). Every connection is served from
 * the event loop without blocking it: the request is read as it comes, the
 * answer is made at once into memory and written as the peer takes it; a
 * peer that does not finish within CONN_DEADLINE_US is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "util.h"

#define REQUEST_MAX 256
#define CONNS_MAX 16
#define CONN_DEADLINE_US (2 * 1000000ULL)

struct conn {
	struct control *ctl;
	int fd;
	sd_event_source *io, *deadline;
	char req[REQUEST_MAX];
	size_t req_len;
	char *answer;
	size_t answer_len, sent;
};

struct control {
	sd_event *event;
	int fd;
	sd_event_source *io;
	control_answer_fn fn;
	void *userdata;
	gid_t gid; /* the leakjail group, or (gid_t)-1 */
	struct conn *conns[CONNS_MAX];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

void control_path(const char *state_dir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/control", state_dir);
}

static void conn_free(struct conn *c)
{
	struct control *ctl = c->ctl;

	for (size_t i = 0; i < CONNS_MAX; i++)
		if (ctl->conns[i] == c)
			ctl->conns[i] = NULL;
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->deadline);
	close(c->fd);
	free(c->answer);
	free(c);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	conn_free(userdata);
	return 0;
}

/* Make the answer to the request line read so far. */
static int answer(struct conn *c)
{
	cleanup_file FILE *f = NULL;
	char *nl = memchr(c->req, '\n', c->req_len);
	int r;

	if (nl)
		*nl = '\0';
	else
		c->req[MIN(c->req_len, REQUEST_MAX - 1)] = '\0';
	f = open_memstream(&c->answer, &c->answer_len);
	if (!f)
		return -ENOMEM;
	r = c->ctl->fn(f, c->req, c->ctl->userdata);
	if (r < 0) {
		rewind(f);
		fprintf(f, "{\"error\":\"%s\"}", strerror(-r));
	}
	fputc('\n', f);
	if (fclose(f) != 0)
		r = -ENOMEM;
	f = NULL;
	return r < 0 && !c->answer ? r : 0;
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	ssize_t n;

	(void)s;
	if (revents & (EPOLLERR | EPOLLHUP) && !(revents & (EPOLLIN | EPOLLOUT))) {
		conn_free(c);
		return 0;
	}
	if (!c->answer) {
		n = recv(fd, c->req + c->req_len, REQUEST_MAX - 1 - c->req_len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0 && c->req_len == 0) {
			conn_free(c);
			return 0;
		}
		c->req_len += n > 0 ? (size_t)n : 0;
		/* a whole line, the end of what the peer sends, or as much as a request may be */
		if (n > 0 && !memchr(c->req, '\n', c->req_len) && c->req_len < REQUEST_MAX - 1)
			return 0;
		if (answer(c) < 0) {
			conn_free(c);
			return 0;
		}
		sd_event_source_set_io_events(c->io, EPOLLOUT);
		return 0;
	}
	while (c->sent < c->answer_len) {
		n = send(fd, c->answer + c->sent, c->answer_len - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	conn_free(c);
	return 0;
}

/* root, or a member of the leakjail group (the socket's mode says the same) */
static bool peer_allowed(const struct control *ctl, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	if (ctl->gid == (gid_t)-1)
		return false;
	if (cred.gid == ctl->gid)
		return true;
	/* supplementary groups: the group's member list */
	struct group *g = getgrgid(ctl->gid);
	char pw_buf[64];
	FILE *f;

	if (!g)
		return false;
	snprintf(pw_buf, sizeof(pw_buf), "/proc/%d/status", cred.pid);
	f = fopen(pw_buf, "re");
	if (f) {
		char line[512];

		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "Groups:", 7) != 0)
				continue;
			for (char *p = line + 7, *end; *p; p = end) {
				unsigned long v = strtoul(p, &end, 10);
				if (end == p)
					break;
				if ((gid_t)v == ctl->gid) {
					fclose(f);
					return true;
				}
			}
		}
		fclose(f);
	}
	return false;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control *ctl = userdata;
	struct conn *c;
	uint64_t now;
	size_t slot;
	int cfd;

	(void)s;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	for (slot = 0; slot < CONNS_MAX && ctl->conns[slot]; slot++)
		;
	if (slot == CONNS_MAX || !peer_allowed(ctl, cfd)) {
		close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->ctl = ctl;
	c->fd = cfd;
	sd_event_now(ctl->event, CLOCK_MONOTONIC, &now);
	if (sd_event_add_io(ctl->event, &c->io, cfd, EPOLLIN, on_conn, c) < 0 ||
	    sd_event_add_time(ctl->event, &c->deadline, CLOCK_MONOTONIC, now + CONN_DEADLINE_US, 0, on_deadline,
			      c) < 0) {
		sd_event_source_disable_unref(c->io);
		close(cfd);
		free(c);
		return 0;
	}
	ctl->conns[slot] = c;
	return 0;
}

static gid_t group_gid_here(const char *name)
{
	struct group *g = getgrnam(name);

	return g ? g->gr_gid : (gid_t)-1;
}

/*
 * The group's id, asked in a child. Where the group is not in /etc/group,
 * glibc asks the next NSS module (here libnss_systemd), which stays mapped
 * for the rest of the process's life: 300 KiB of a daemon of 2.5 MiB, for
 * one answer at start. The child takes the module with it when it exits.
 */
static gid_t group_gid(const char *name)
{
	gid_t gid;
	ssize_t n;
	pid_t pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return group_gid_here(name);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return group_gid_here(name);
	}
	if (pid == 0) {
		gid = group_gid_here(name);
		_exit(write(p[1], &gid, sizeof(gid)) == sizeof(gid) ? 0 : 1);
	}
	close(p[1]);
	do
		n = read(p[0], &gid, sizeof(gid));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return n == sizeof(gid) ? gid : group_gid_here(name);
}

int control_open(struct control **out, sd_event *e, const char *state_dir, control_answer_fn fn, void *userdata)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *ctl;
	struct stat st;
	mode_t old;
	int r;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->event = e;
	ctl->fn = fn;
	ctl->userdata = userdata;
	ctl->fd = -1;
	if ((size_t)snprintf(ctl->path, sizeof(ctl->path), "%s/control", state_dir) >= sizeof(ctl->path)) {
		free(ctl);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, ctl->path, sizeof(sa.sun_path));
	ctl->gid = group_gid("leakjail");
	/* a socket left by a daemon that died: ours to replace (the state dir is the daemon's own) */
	if (lstat(ctl->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(ctl->path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		r = -errno;
		goto fail;
	}
	/* born with its final mode: no moment in which others may connect */
	old = umask(ctl->gid == (gid_t)-1 ? 0177 : 0117);
	r = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (r < 0)
		goto fail;
	if (ctl->gid != (gid_t)-1 && chown(ctl->path, geteuid(), ctl->gid) < 0)
		chmod(ctl->path, 0600);
	if (listen(ctl->fd, CONNS_MAX) < 0) {
		r = -errno;
		goto fail;
	}
	r = sd_event_add_io(e, &ctl->io, ctl->fd, EPOLLIN, on_accept, ctl);
	if (r < 0)
		goto fail;
	*out = ctl;
	return 0;
fail:
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	return r;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (size_t i = 0; i < CONNS_MAX; i++)
		if (ctl->conns[i])
			conn_free(ctl->conns[i]);
	sd_event_source_disable_unref(ctl->io);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

static int64_t left_ms(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
}

int control_ask(const char *state_dir, const char *request, char **reply, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	struct timespec end;
	char line[REQUEST_MAX + 2];
	size_t n;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", state_dir) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	n = (size_t)snprintf(line, sizeof(line), "%.*s\n", REQUEST_MAX - 1, request);
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t ms = left_ms(&end);
		ssize_t got;

		if (ms <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 16384);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = cap ? cap * 2 : 16384;
		}
		got = recv(fd, buf + len, cap - len - 1, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if (!buf)
		return -EPROTO;
	buf[len] = '\0';
	*reply = steal_pointer(&buf);
	return 0;
}
