/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket queues, as `ss` sees them: NETLINK_SOCK_DIAG dumps of TCP and UDP
 * (IPv4 and IPv6, inet_diag) and unix sockets (unix_diag), with the bytes
 * queued (Recv-Q, Send-Q) and the memory charged (SK_MEMINFO, `ss -m`).
 * Only this network namespace: a container's sockets need a setns() first.
 * The process holding a socket is found the way `ss -p` finds it, through
 * the "socket:[INODE]" links in /proc/PID/fd, and only for the inodes asked.
 * Functions return 0 or -errno.
 */
#ifndef LJ_SOCKDIAG_H
#define LJ_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SOCK_STATE_LISTEN 10 /* TCP_LISTEN, used by unix sockets too */

struct sock_info {
	uint64_t inode;
	uint64_t cookie;          /* with the inode, the socket's identity */
	int family;               /* AF_INET, AF_INET6, AF_UNIX */
	int protocol;             /* IPPROTO_TCP, IPPROTO_UDP; 0 for unix */
	int type;                 /* unix: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	int state;                /* TCP_* numbers: 1 ESTABLISHED ... 10 LISTEN */
	uint32_t rqueue, wqueue;  /* bytes: Recv-Q and Send-Q (counts, on a listener) */
	uint32_t rmem, wmem;      /* charged: rmem_alloc; the larger of wmem_alloc and wmem_queued */
	bool have_mem;
	uint8_t src[16], dst[16]; /* network byte order; IPv4 in the first 4 */
	uint16_t sport, dport;    /* host byte order */
	char name[108];           /* unix: the bound path, "@name" when abstract */
};

#define SOCKDIAG_TCP 1u
#define SOCKDIAG_UDP 2u
#define SOCKDIAG_UNIX 4u
#define SOCKDIAG_ALL (SOCKDIAG_TCP | SOCKDIAG_UDP | SOCKDIAG_UNIX)

typedef void (*sock_visit_fn)(const struct sock_info *s, void *userdata);

/* Dump the sockets of the kinds in `what` and call fn for each. */
int sockdiag_walk(unsigned int what, sock_visit_fn fn, void *userdata);

/*
 * What a socket holds, at least: the bytes queued, or the memory charged to
 * it if that is more (small packets each pinning a page). 0 for listeners,
 * whose queues count connections.
 */
uint64_t sock_held(const struct sock_info *s);

/* "tcp", "udp6", "u_str" as ss's Netid column. */
const char *sock_kind(const struct sock_info *s);
/* "ESTAB", "LISTEN", "UNCONN" as ss's State column. */
const char *sock_state_name(const struct sock_info *s);
/* "127.0.0.1:34471", "[::1]:80", "/run/x.sock", "*". */
void sock_format_addr(const struct sock_info *s, bool peer, char *buf, size_t size);

struct sock_holder {
	uint64_t inode;           /* in: the socket */
	pid_t pid;                /* out: the first process found holding it; 0 if none */
	int fd;
	char comm[64];
	unsigned int holders;     /* processes holding it (after fork, several) */
};

/* One pass over /proc/PID/fd for all n inodes at once. */
int sock_find_holders(int procfd, struct sock_holder *h, size_t n);

#endif
