// SPDX-License-Identifier: GPL-2.0-or-later
/* libbpf through dlopen(): see libbpf-dl.h. */
#define LIBBPF_DL_IMPL
#include "libbpf-dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#define LIBBPF_DL_DEFINE(f) __typeof__(f) *sym_##f;
LIBBPF_DL_FUNCS(LIBBPF_DL_DEFINE)
#undef LIBBPF_DL_DEFINE

const char *libbpf_dl_soname = "libbpf.so.1";

static void *handle;
static int loaded;      /* 0: not loaded; 1: loaded; <0: -errno */
static char failed[256]; /* why, when it did not load */

static int load(void)
{
	void *dl;
	const char *e;

	dl = dlopen(libbpf_dl_soname, RTLD_NOW);
	if (!dl) {
		e = dlerror();
		snprintf(failed, sizeof(failed), "%s could not be loaded: %s", libbpf_dl_soname,
			 e ? e : "unknown error");
		return -ELIBACC;
	}
#define LIBBPF_DL_FIND(f)                                                                    \
	*(void **)&sym_##f = dlsym(dl, #f);                                                  \
	if (!sym_##f) {                                                                      \
		snprintf(failed, sizeof(failed), "%s has no %s", \
			 libbpf_dl_soname, #f);                                                 \
		dlclose(dl);                                                                 \
		return -ELIBACC;                                                             \
	}
	LIBBPF_DL_FUNCS(LIBBPF_DL_FIND)
#undef LIBBPF_DL_FIND
	handle = dl;
	return 1;
}

int libbpf_dl_open(char *why, size_t size)
{
	if (!loaded)
		loaded = load();
	if (loaded < 0 && why)
		snprintf(why, size, "%s", failed);
	return loaded < 0 ? loaded : 0;
}

void libbpf_dl_close(void)
{
	if (loaded != 1)
		return;
#define LIBBPF_DL_FORGET(f) sym_##f = NULL;
	LIBBPF_DL_FUNCS(LIBBPF_DL_FORGET)
#undef LIBBPF_DL_FORGET
	dlclose(handle);
	handle = NULL;
	loaded = 0;
}
