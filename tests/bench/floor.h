/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The floor: the least a sampler of every process can do. One readdir of
 * /proc, and open + read + close of /proc/PID/statm per process.
 */
#ifndef LJ_BENCH_FLOOR_H
#define LJ_BENCH_FLOOR_H

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline unsigned long floor_pass(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned long n = 0, sum = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], buf[256];
		ssize_t r;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/statm", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r > 0) {
			buf[r] = '\0';
			sum += (unsigned long)atol(buf);
			n++;
		}
	}
	closedir(d);
	return n + (sum & 1);
}

#endif
