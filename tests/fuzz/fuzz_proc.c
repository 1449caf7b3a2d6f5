// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the /proc parsers of proc.h. Every input goes through
 * every parser (they are cheap), so a seed is a real file as the kernel
 * writes it, with no selector byte in front: /proc/PID/stat, statm, status,
 * cgroup, cmdline, /proc/meminfo, /proc/vmstat, /proc/pressure/memory.
 * What a process controls reaches these parsers: its comm (stat, status),
 * its command line, the names of the cgroups it is put in.
 */
#include "fuzz.h"

#include "proc.h"

static void check_cgroup(const char *text, size_t size)
{
	/* exact-size buffers: a byte written past the end is an ASan report */
	char *path = malloc(size);
	bool ok;

	if (!path)
		abort();
	ok = proc_parse_cgroup(text, path, size);
	if (ok) {
		size_t len = strnlen(path, size);

		FUZZ_ASSERT(len < size);
		FUZZ_ASSERT(!memchr(path, '\n', len));
	}
	free(path);
}

static void fuzz_proc_one(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	char *cmdline = fuzz_cstring(data, size); /* raw bytes, NULs and all */
	struct proc_stat st;
	struct proc_statm sm;
	struct meminfo mi;
	struct vmstat vs;
	struct psi psi;
	uint64_t kb;
	unsigned int uid;
	static const char *const keys[] = { "VmRSS", "VmSwap", "RssAnon", "MemTotal",
					    "HugePages_Total", "" };

	if (proc_parse_stat(text, &st))
		FUZZ_ASSERT(strnlen(st.comm, sizeof(st.comm)) < sizeof(st.comm));
	proc_parse_statm(text, &sm);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		proc_status_kb(text, keys[i], &kb);
	proc_status_uid(text, &uid);
	check_cgroup(text, 1);
	check_cgroup(text, 16);
	check_cgroup(text, 1024); /* as jail.c reads a process's origin */
	proc_parse_meminfo(text, &mi);
	proc_parse_vmstat(text, &vs);
	proc_parse_psi(text, &psi);

	proc_cmdline_to_string(cmdline, size);
	FUZZ_ASSERT(strlen(cmdline) <= size);
	FUZZ_ASSERT(!strchr(cmdline, '\n'));

	free(cmdline);
	free(text);
}

FUZZ_ENTRY(fuzz_proc_one)
