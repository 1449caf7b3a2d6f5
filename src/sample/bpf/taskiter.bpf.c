// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A task iterator (kernels 5.11+; bpf_get_current_task_btf): one record per
 * process (taskrec.bpf.h) written to the iterator's seq_file, read by the
 * daemon in chunks. Where the open-coded task iterator of taskwalk.bpf.c is
 * missing (before 6.7), this walks the tasks instead: the kernel looks each
 * task up by pid and takes a reference to it, which costs ~0.5 us a task.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "taskrec.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int lj_taskiter(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct lj_task_rec r;

	/* the iterator walks the reader's pid namespace only */
	if (task && lj_task_fill(task, bpf_get_current_task_btf()->thread_pid->level, &r))
		bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
