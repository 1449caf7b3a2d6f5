# SPDX-License-Identifier: GPL-2.0-or-later
# The examples in README.md and the manuals read like what leakjail prints
# now: a real run (tests/examples.sh: check, a dry run, a jail, status,
# explain, run) against every example block; a changed format fails here
# until `make examples` writes the docs anew.
. "$(dirname "$0")/../lib.sh"
require_root
cd "$(dirname "$0")/../.."
out=$(tests/examples.sh "${LJ_BUILD#"$PWD"/}" check 2>&1) || fail "$out"
note "$(printf '%s\n' "$out" | tail -1)"
