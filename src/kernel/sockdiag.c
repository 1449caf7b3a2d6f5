// SPDX-License-Identifier: GPL-2.0-or-later
#include "sockdiag.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/* The SK_MEMINFO array as far as it is used; older kernels send fewer fields. */
#define SKMEM_NEED (SK_MEMINFO_WMEM_QUEUED + 1)

static void skmem_fill(struct sock_info *s, const struct rtattr *a)
{
	const uint32_t *m = RTA_DATA(a);

	if (RTA_PAYLOAD(a) < SKMEM_NEED * sizeof(uint32_t))
		return;
	s->rmem = m[SK_MEMINFO_RMEM_ALLOC];
	s->wmem = MAX(m[SK_MEMINFO_WMEM_ALLOC], m[SK_MEMINFO_WMEM_QUEUED]);
	s->have_mem = true;
}

static void parse_inet_msg(const struct nlmsghdr *h, sock_visit_fn fn, void *userdata, int protocol)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	struct sock_info s = {
		.inode = m->idiag_inode,
		.cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32,
		.family = m->idiag_family,
		.protocol = protocol,
		.state = m->idiag_state,
		.rqueue = m->idiag_rqueue,
		.wqueue = m->idiag_wqueue,
		.sport = ntohs(m->id.idiag_sport),
		.dport = ntohs(m->id.idiag_dport),
	};

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return;
	memcpy(s.src, m->id.idiag_src, sizeof(s.src));
	memcpy(s.dst, m->id.idiag_dst, sizeof(s.dst));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SKMEMINFO)
			skmem_fill(&s, a);
	fn(&s, userdata);
}

static void parse_unix_msg(const struct nlmsghdr *h, sock_visit_fn fn, void *userdata)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	struct sock_info s = {
		.inode = m->udiag_ino,
		.cookie = (uint64_t)m->udiag_cookie[0] | (uint64_t)m->udiag_cookie[1] << 32,
		.family = AF_UNIX,
		.type = m->udiag_type,
		.state = m->udiag_state,
	};

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_RQLEN && RTA_PAYLOAD(a) >= sizeof(struct unix_diag_rqlen)) {
			const struct unix_diag_rqlen *q = RTA_DATA(a);

			s.rqueue = q->udiag_rqueue;
			s.wqueue = q->udiag_wqueue;
		} else if (a->rta_type == UNIX_DIAG_MEMINFO) {
			skmem_fill(&s, a);
		} else if (a->rta_type == UNIX_DIAG_NAME) {
			size_t n = MIN(RTA_PAYLOAD(a), sizeof(s.name) - 1);

			memcpy(s.name, RTA_DATA(a), n);
			s.name[n] = '\0';
			if (n && s.name[0] == '\0')
				s.name[0] = '@'; /* abstract, as ss shows it */
		}
	}
	fn(&s, userdata);
}

/* The length is checked before the message is read at all (the _msg parsers read it in their initializers). */
static void parse_inet(const struct nlmsghdr *h, sock_visit_fn fn, void *userdata, int protocol)
{
	if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		parse_inet_msg(h, fn, userdata, protocol);
}

static void parse_unix(const struct nlmsghdr *h, sock_visit_fn fn, void *userdata)
{
	if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		parse_unix_msg(h, fn, userdata);
}

/* Send one dump request and read every answer until NLMSG_DONE. */
static int dump(int fd, void *req, size_t reqlen, uint32_t seq, int family, int protocol,
		sock_visit_fn fn, void *userdata)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	/* the kernel fills up to a page (or 32 KiB) per read: a larger buffer takes it all */
	static long buf[65536 / sizeof(long)];
	ssize_t n;

	do
		n = sendto(fd, req, reqlen, 0, (struct sockaddr *)&nl, sizeof(nl));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *h;
		int len;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		len = (int)n;
		/* NLMSG_OK compares an int with the header's unsigned length: -Wsign-compare under clang */
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error ? e->error : -EIO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			if (family == AF_UNIX)
				parse_unix(h, fn, userdata);
			else
				parse_inet(h, fn, userdata, protocol);
		}
	}
}

#define DUMP_REQUEST(len, seq)                                                             \
	{ .nlmsg_len = (uint32_t)(len), .nlmsg_type = SOCK_DIAG_BY_FAMILY,                 \
	  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = (seq) }

int sockdiag_walk(unsigned int what, sock_visit_fn fn, void *userdata)
{
	static const struct {
		unsigned int what;
		int family, protocol;
	} inet[] = {
		{ SOCKDIAG_TCP, AF_INET, IPPROTO_TCP },
		{ SOCKDIAG_TCP, AF_INET6, IPPROTO_TCP },
		{ SOCKDIAG_UDP, AF_INET, IPPROTO_UDP },
		{ SOCKDIAG_UDP, AF_INET6, IPPROTO_UDP },
	};
	cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	uint32_t seq = 0;
	int r;

	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(inet); i++) {
		struct {
			struct nlmsghdr h;
			struct inet_diag_req_v2 r;
		} req = {
			.h = DUMP_REQUEST(sizeof(req), ++seq),
			.r = { .sdiag_family = (uint8_t)inet[i].family,
			       .sdiag_protocol = (uint8_t)inet[i].protocol,
			       .idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1),
			       .idiag_states = ~0u },
		};

		if (!(what & inet[i].what))
			continue;
		r = dump(fd, &req, sizeof(req), seq, inet[i].family, inet[i].protocol, fn, userdata);
		/* a kernel without IPv6 (or without the udp_diag module) answers ENOENT */
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (what & SOCKDIAG_UNIX) {
		struct {
			struct nlmsghdr h;
			struct unix_diag_req r;
		} req = {
			.h = DUMP_REQUEST(sizeof(req), ++seq),
			.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u,
			       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN | UDIAG_SHOW_MEMINFO },
		};

		r = dump(fd, &req, sizeof(req), seq, AF_UNIX, 0, fn, userdata);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

uint64_t sock_held(const struct sock_info *s)
{
	uint64_t queued = (uint64_t)s->rqueue + s->wqueue;
	uint64_t mem = (uint64_t)s->rmem + s->wmem;

	if (s->state == SOCK_STATE_LISTEN)
		return 0;
	return MAX(queued, mem);
}

const char *sock_kind(const struct sock_info *s)
{
	if (s->family == AF_UNIX)
		return s->type == SOCK_STREAM ? "u_str" : s->type == SOCK_DGRAM ? "u_dgr" : "u_seq";
	if (s->protocol == IPPROTO_TCP)
		return s->family == AF_INET6 ? "tcp6" : "tcp";
	return s->family == AF_INET6 ? "udp6" : "udp";
}

const char *sock_state_name(const struct sock_info *s)
{
	static const char *const names[] = {
		"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
		"TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
	};

	return s->state >= 0 && (size_t)s->state < ARRAY_SIZE(names) ? names[s->state] : "UNKNOWN";
}

void sock_format_addr(const struct sock_info *s, bool peer, char *buf, size_t size)
{
	const uint8_t *a = peer ? s->dst : s->src;
	uint16_t port = peer ? s->dport : s->sport;
	char ip[INET6_ADDRSTRLEN];

	if (s->family == AF_UNIX) {
		snprintf(buf, size, "%s", !peer && s->name[0] ? s->name : "*");
		return;
	}
	inet_ntop(s->family, a, ip, sizeof(ip));
	if (s->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", ip, port);
	else
		snprintf(buf, size, "%s:%u", ip, port);
}

/* "socket:[123456]" */
static bool socket_inode(const char *link, uint64_t *inode)
{
	char *end;

	if (!startswith(link, "socket:["))
		return false;
	*inode = strtoull(link + 8, &end, 10);
	return *end == ']';
}

static void holder_found(int procfd, const char *pid, int fd, struct sock_holder *h)
{
	char path[64], comm[64];

	if (h->holders++)
		return;
	h->pid = atoi(pid);
	h->fd = fd;
	snprintf(path, sizeof(path), "%.20s/comm", pid);
	if (read_file_at(procfd, path, comm, sizeof(comm)) > 0)
		snprintf(h->comm, sizeof(h->comm), "%s", strstrip(comm));
}

int sock_find_holders(int procfd, struct sock_holder *h, size_t n)
{
	cleanup_dir DIR *proc = NULL;
	struct dirent *de;
	int dfd;

	for (size_t i = 0; i < n; i++) {
		h[i].pid = 0;
		h[i].fd = -1;
		h[i].holders = 0;
		h[i].comm[0] = '\0';
	}
	if (n == 0)
		return 0;
	dfd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	proc = fdopendir(dfd);
	if (!proc) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(proc))) {
		cleanup_dir DIR *fds = NULL;
		struct dirent *fe;
		char path[64];
		int ffd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%.20s/fd", de->d_name);
		/* a process that exits now, or one we may not look into, is skipped */
		ffd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ffd < 0)
			continue;
		fds = fdopendir(ffd);
		if (!fds) {
			close(ffd);
			continue;
		}
		while ((fe = readdir(fds))) {
			char link[64];
			ssize_t len;
			uint64_t inode;

			if (fe->d_name[0] < '0' || fe->d_name[0] > '9')
				continue;
			len = readlinkat(ffd, fe->d_name, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (!socket_inode(link, &inode))
				continue;
			for (size_t i = 0; i < n; i++)
				if (h[i].inode == inode)
					holder_found(procfd, de->d_name, atoi(fe->d_name), &h[i]);
		}
	}
	return 0;
}
