# SPDX-License-Identifier: GPL-2.0-or-later
# The atop case at 150 MiB/s on the 1200 MiB host (four innocents holding
# 200 MiB each, policy growth = 60M, window = 5s, sampled every half second): the
# leak takes the 400 MiB of headroom in about 2.7 s, before a 5 s window
# could close. The forecast says the host cgroup runs out sooner than the
# window, so the fast path judges the part of the window that fits and
# jails at once: the four keep >= 95 % of their RSS and the leaker lives
# (the checks of contain_fast.sh), and the record says the leak was faster
# than the window. Before the fast path the jail came 8.4 s after the leak
# began and the four kept 44 %. FASTER_* scale it (the v2 VM, whose emulated
# CPU leaks at 12-20 MiB/s: a 30 s window there, longer than its room lasts);
# the rest is contain_fast.sh's FAST_*.
# Sampled every half second: the fast path needs two rising steps, and at one a
# second those can land after the headroom is gone (84 % kept in one CI run,
# jailed 3.1 s after the leak began); at half a second they come by about 1.5 s.
FAST_HOST_MIB=${FASTER_HOST_MIB:-1200} FAST_GROWTH=${FASTER_GROWTH:-60M} FAST_WINDOW=${FASTER_WINDOW:-5}
FAST_INTERVAL=${FASTER_INTERVAL:-0.5}
FAST_CHECK_FORECAST=1
. "$(dirname "$0")/contain_fast.sh"
