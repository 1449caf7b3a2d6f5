// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unreadable: a process whose command line cannot be read.
 *   unreadable DIR
 * Mounts at DIR (an empty directory) a FUSE file system with one file that
 * it never answers a read of, and starts a child that maps the file, reads
 * it through /proc/self/mem in one thread (which holds the child's mmap_lock
 * while it waits for the file system, for ever) and calls mmap() in another
 * (a writer waiting for the lock, behind which new readers queue). Reading
 * /proc/CHILD/cmdline then waits for ever, as a read of a thrashing or hung
 * process can wait for long. Prints the child's pid; on SIGTERM or SIGINT it
 * unmounts, which ends the waiting reads, kills the child and exits. Needs
 * root (the mount).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_SIZE (1 << 20)

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void reply(int fd, uint64_t unique, int error, const void *data, size_t size)
{
	char buf[sizeof(struct fuse_out_header) + 256];
	struct fuse_out_header *h = (struct fuse_out_header *)buf;

	h->len = (uint32_t)(sizeof(*h) + size);
	h->error = error;
	h->unique = unique;
	memcpy(buf + sizeof(*h), data, size);
	if (write(fd, buf, h->len) < 0 && errno != ENOENT)
		perror("unreadable: reply");
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0444;
	a->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	a->size = ino == FUSE_ROOT_ID ? 0 : FILE_SIZE;
	a->blksize = 4096;
}

/* Answer everything the child's open and mmap need; never a read. */
static void serve(int fd)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];

	while (!stop) {
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < (ssize_t)sizeof(*in))
			continue; /* EINTR, or an interrupted request */
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
						   .minor = FUSE_KERNEL_MINOR_VERSION,
						   .max_readahead = 0, .max_write = 4096 };

			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = 2, .attr_valid = 3600, .entry_valid = 3600 };

			if (strcmp(buf + sizeof(*in), "f") != 0) {
				reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fill_attr(&o.attr, 2);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { .attr_valid = 3600 };

			fill_attr(&o.attr, in->nodeid);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:     /* the point: never answered */
		case FUSE_FORGET:   /* no answer expected */
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			reply(fd, in->unique, -ENOSYS, NULL, 0);
		}
	}
}

static void *map;

/*
 * Read our own mapping of the file through /proc/self/mem: that read holds
 * our mmap_lock (for reading) while it waits for the file system, for ever.
 */
static void *hold_lock(void *arg)
{
	char buf[16];
	int fd = open("/proc/self/mem", O_RDONLY);

	(void)arg;
	if (fd < 0 || pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)map) < 0)
		perror("unreadable: /proc/self/mem");
	return NULL;
}

static int child(const char *dir)
{
	char path[4096];
	pthread_t t;
	int fd;

	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror("unreadable: open");
		return 1;
	}
	map = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED || pthread_create(&t, NULL, hold_lock, NULL) != 0) {
		perror("unreadable: mmap");
		return 1;
	}
	usleep(300 * 1000);
	/*
	 * A writer now waits for the lock, and readers queue behind a waiting
	 * writer: whoever reads our command line (or maps) waits too, for ever.
	 */
	mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	char opts[128];
	pid_t pid;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: unreadable DIR\n");
		return 2;
	}
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("unreadable: /dev/fuse");
		return 77;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount("leakjail-unreadable", argv[1], "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		perror("unreadable: mount");
		return 77;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		close(fd);
		_exit(child(argv[1]));
	}
	printf("%d\n", pid);
	fflush(stdout);
	serve(fd);
	umount2(argv[1], MNT_DETACH);
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
