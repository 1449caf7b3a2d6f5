// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libbpf is loaded only when the bpf sampler is chosen, and a missing
 * libbpf is named in the reason the sampler gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libbpf-dl.h"
#include "sample.h"
#include "tap.h"

static int procfd = -1;

static bool maps_libbpf(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/libbpf.so"))
			found = true;
	fclose(f);
	return found;
}

/* /proc is sampled without libbpf in the process */
static void test_proc_maps_no_libbpf(void)
{
	const struct sample_source *src = NULL;
	void *st = NULL;
	char why[160];

	CHECK(sample_source_choose(SAMPLER_PROC, procfd, &src, &st, why, sizeof(why)) == 0);
	CHECK(src == &sample_source_proc);
	CHECK(!maps_libbpf());
	if (src)
		src->close(st);
}

/* a missing library: bpf fails naming it; auto falls back to /proc with that reason */
static void test_missing_library_named(void)
{
	const struct sample_source *src = NULL;
	void *st = NULL;
	char why[160];

	libbpf_dl_soname = "libbpf.so.0.missing";
	CHECK(libbpf_dl_open(why, sizeof(why)) == -ELIBACC);
	CHECK(strstr(why, "libbpf.so.0.missing could not be loaded") != NULL);
	why[0] = '\0';
	CHECK(sample_source_choose(SAMPLER_BPF, procfd, &src, &st, why, sizeof(why)) == -ELIBACC);
	printf("# %s\n", why);
	CHECK(strstr(why, "libbpf.so.0.missing could not be loaded") != NULL);
	CHECK(sample_source_choose(SAMPLER_AUTO, procfd, &src, &st, why, sizeof(why)) == 0);
	CHECK(src == &sample_source_proc);
	CHECK(strstr(why, "libbpf.so.0.missing") != NULL);
	if (src)
		src->close(st);
	CHECK(!maps_libbpf());
}

int main(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("1..0 # SKIP no /sys/kernel/btf/vmlinux: the bpf source stops before libbpf\n");
		return 77;
	}
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	RUN_TEST(test_proc_maps_no_libbpf);
	RUN_TEST(test_missing_library_named);
	TAP_DONE();
}
