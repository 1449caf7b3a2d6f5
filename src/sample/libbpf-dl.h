// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libbpf, loaded with dlopen() while the bpf sampler loads its programs (as
 * systemd loads its optional libraries): a daemon that samples /proc maps
 * neither libbpf nor the libelf and zlib it links, nor does a bpf sampler
 * once its programs are loaded. The few functions sample-bpf.c
 * and the skeletons call are reached through the pointers below; including
 * this header after <bpf/libbpf.h> renames the calls to them.
 */
#ifndef LEAKJAIL_LIBBPF_DL_H
#define LEAKJAIL_LIBBPF_DL_H

#include <stddef.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define LIBBPF_DL_FUNCS(X)                 \
	X(bpf_link__destroy)               \
	X(bpf_link__fd)                    \
	X(bpf_map__fd)                     \
	X(bpf_map__set_max_entries)        \
	X(bpf_object__attach_skeleton)     \
	X(bpf_object__destroy_skeleton)    \
	X(bpf_object__detach_skeleton)     \
	X(bpf_object__load_skeleton)       \
	X(bpf_object__open_skeleton)       \
	X(bpf_program__attach_iter)        \
	X(bpf_program__fd)                 \
	X(libbpf_set_print)

#define LIBBPF_DL_DECLARE(f) extern __typeof__(f) *sym_##f;
LIBBPF_DL_FUNCS(LIBBPF_DL_DECLARE)
#undef LIBBPF_DL_DECLARE

/* the library's name: libbpf.so.1 (the headers' major version); tests name a missing one */
extern const char *libbpf_dl_soname;

/*
 * Load libbpf: 0, or -ELIBACC with why (the loader's message: the library
 * or a function missing). A failure is remembered: later calls give it again.
 */
int libbpf_dl_open(char *why, size_t size);

/* Unload it, with what it links, once nothing made with it is left. */
void libbpf_dl_close(void);

#ifndef LIBBPF_DL_IMPL
#define bpf_link__destroy sym_bpf_link__destroy
#define bpf_link__fd sym_bpf_link__fd
#define bpf_map__fd sym_bpf_map__fd
#define bpf_map__set_max_entries sym_bpf_map__set_max_entries
#define bpf_object__attach_skeleton sym_bpf_object__attach_skeleton
#define bpf_object__destroy_skeleton sym_bpf_object__destroy_skeleton
#define bpf_object__detach_skeleton sym_bpf_object__detach_skeleton
#define bpf_object__load_skeleton sym_bpf_object__load_skeleton
#define bpf_object__open_skeleton sym_bpf_object__open_skeleton
#define bpf_program__attach_iter sym_bpf_program__attach_iter
#define bpf_program__fd sym_bpf_program__fd
#define libbpf_set_print sym_libbpf_set_print
#endif

#endif
