# SPDX-License-Identifier: GPL-2.0-or-later
# The labelled leak shapes (tests/progs/shapes.c), each in a cgroup of its own
# under one scope, judged by one dry-run daemon with one policy: every leak
# is reported while the shapes run, no innocent is. The harness is
# tests/eval/eval.sh; here only whether, not how soon: how soon is in
# `make eval` and docs/benchmarks.md.
EVAL_TIMING=0 exec bash "$(dirname "$0")/../eval/eval.sh"
