# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion (src/cmd/completion/leakjail.bash): commands, options, policy
# names from the policies directory, jailed pids from the state_dir records.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

# shellcheck source=../../src/cmd/completion/leakjail.bash
. src/cmd/completion/leakjail.bash
complete -p leakjail | grep -q -- '-F _leakjail leakjail' || fail "no completion registered: $(complete -p leakjail)"

# comp WORD...: what completing the last word offers, one a line
comp() {
	COMP_WORDS=("$LEAKJAIL" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	_leakjail
	printf '%s\n' "${COMPREPLY[@]}"
}
has() { # LIST WORD...: each WORD is a line of LIST
	local w
	for w in "${@:2}"; do grep -qx -- "$w" <<<"$1" || return 1; done
}

# every command of the table in src/cmd/leakjail.c, and nothing else
want=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", cmd_.*/\1/p' src/cmd/leakjail.c | sort)
[ -n "$want" ] || fail "no commands found in src/cmd/leakjail.c"
got=$(comp "" | grep -v '^-' | sort)
[ "$got" = "$want" ] || fail "commands offered: $(echo $got); the table has: $(echo $want)"
[ "$(comp st)" = status ] || fail "'st' completes to: $(comp st)"

# help COMMAND offers the commands; -P is run's --policy
[ "$(comp help sta)" = status ] || fail "'help sta' completes to: $(comp help sta)"
got=$(comp run --policies policies/policies.d -P "" | sort | tr '\n' ' ')
[ "$got" = "default default-slow " ] || fail "run -P offered: $got"

# options, as each command's --help gives them
has "$(comp status --)" --watch --json --interval --top --config || fail "status options: $(comp status -- | xargs)"
has "$(comp check --)" --list-keys --policies --quiet || fail "check options: $(comp check -- | xargs)"
[ "$(comp status --wa)" = --watch ] || fail "'status --wa' completes to: $(comp status --wa)"
has "$(comp status --interval "")" 1s 2s || fail "no durations for --interval"

# policy names from the directory given with --policies
want=$(sed -n 's/^\[policy \([^]]*\)\].*/\1/p' policies/examples/*.conf | sort)
[ "$(echo "$want" | wc -l)" -ge 2 ] || fail "too few example policies to test with: $want"
got=$(comp run --policies policies/examples --policy "" | sort)
[ "$got" = "$want" ] || fail "policies offered: $(echo $got); want: $(echo $want)"
got=$(comp run --policies=policies/policies.d --policy "" | sort)
[ "$(echo $got)" = "default default-slow" ] || fail "--policies=DIR: offered $(echo $got)"

# jailed pids from <state_dir>/jails of the configuration given with --config
mkdir -p "$T_DIR/state/jails"
touch "$T_DIR/state/jails/4242" "$T_DIR/state/jails/77" "$T_DIR/state/jails/4242.tmp"
printf '[daemon]\n# state_dir = /elsewhere\nstate_dir = %s/state\n' "$T_DIR" >"$T_DIR/leakjail.conf"
got=$(comp release --config "$T_DIR/leakjail.conf" "" | sort -n | xargs)
[ "$got" = "77 4242" ] || fail "release offers: '$got', want '77 4242'"
[ "$(comp release --config "$T_DIR/leakjail.conf" 42)" = 4242 ] || fail "release 42 did not complete to 4242"

# run: after --, a command, then its files
has "$(comp run --limit 1G -- bas)" bash || fail "run -- bas: $(comp run --limit 1G -- bas | head -3 | xargs)"
has "$(comp check --config "$T_DIR/leak")" "$T_DIR/leakjail.conf" || fail "--config does not complete files"
note "commands: $(comp "" | grep -vc '^-'), status options: $(comp status -- | wc -l), example policies: $(echo $want)"
