# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for leakjail(8): installed as
# /usr/share/bash-completion/completions/leakjail.
#
# It lives next to the C sources because it mirrors their command line, and
# it asks the binary for the commands (`leakjail --help`) and each command's
# options (`leakjail COMMAND --help`), so it follows them without edits.
# Policy names come from the policies directory (--policies, or
# /etc/leakjail/policies.d), the pids for `release` from the jail records in
# the state_dir of the configuration (--config, or /etc/leakjail/leakjail.conf).
# It needs nothing from the bash-completion package.

# _leakjail_arg OPTION: the value given to OPTION on the line so far ("--opt V" or "--opt=V")
_leakjail_arg()
{
	local i w
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == "$1" ]]; then
			printf '%s\n' "${COMP_WORDS[i + 1]}"
			return
		elif [[ $w == "$1="* ]]; then
			printf '%s\n' "${w#*=}"
			return
		fi
	done
	return 1
}

# the commands, as `leakjail --help` lists them under "commands:"
_leakjail_commands()
{
	"$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# the long options of a command, as its --help shows them
_leakjail_options()
{
	"$1" "$2" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
	echo --help
}

# [policy NAME] headers of the *.conf files of the policies directory
_leakjail_policies()
{
	local dir
	dir=$(_leakjail_arg --policies) || dir=/etc/leakjail/policies.d
	dir=${dir/#\~/$HOME}
	sed -n 's/^[[:space:]]*\[policy[[:space:]]\{1,\}\([^]]*\)\].*/\1/p' "$dir"/*.conf 2>/dev/null
}

# jailed pids: the records <state_dir>/jails/PID, state_dir from [daemon] of the configuration
_leakjail_jailed()
{
	local conf state f
	conf=$(_leakjail_arg --config) || conf=/etc/leakjail/leakjail.conf
	conf=${conf/#\~/$HOME}
	state=$(sed -n '/^[[:space:]]*\[daemon\]/,/^[[:space:]]*\[/s/^[[:space:]]*state_dir[[:space:]]*=[[:space:]]*\([^[:space:]#;]*\).*/\1/p' \
		"$conf" 2>/dev/null | tail -n 1)
	for f in "${state:-/run/leakjail}"/jails/*; do
		f=${f##*/}
		[[ $f =~ ^[0-9]+$ ]] && printf '%s\n' "$f"
	done
}

_leakjail()
{
	local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	if ((COMP_CWORD == 1)); then
		mapfile -t COMPREPLY < <(compgen -W "$(_leakjail_commands "$bin") --help --version -V" -- "$cur")
		return
	fi
	cmd=${COMP_WORDS[1]}

	# help COMMAND: one command name
	if [[ $cmd == help ]]; then
		((COMP_CWORD == 2)) && mapfile -t COMPREPLY < <(compgen -W "$(_leakjail_commands "$bin")" -- "$cur")
		return
	fi

	# run: everything after "--" is the command to run
	if [[ $cmd == run ]]; then
		for ((i = 2; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -- ]]; then
				if ((i + 1 == COMP_CWORD)); then
					mapfile -t COMPREPLY < <(compgen -c -- "$cur")
				else
					mapfile -t COMPREPLY < <(compgen -f -- "$cur")
				fi
				return
			fi
		done
	fi

	case $prev in
	--config | -c)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--policies | -p)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--policy | -P)
		mapfile -t COMPREPLY < <(compgen -W "$(_leakjail_policies)" -- "$cur")
		return ;;
	--interval | -i)
		mapfile -t COMPREPLY < <(compgen -W "500ms 1s 2s 5s 10s" -- "$cur")
		return ;;
	--top | -t | --passes | --limit | -l | --watch | -w)
		# a number or a size: nothing to offer (diagnose --watch takes a count; status's is a switch)
		[[ $cmd == status && ($prev == --watch || $prev == -w) ]] || return ;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_leakjail_options "$bin" "$cmd")" -- "$cur")
		return
	fi
	if [[ $cmd == release ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_leakjail_jailed)" -- "$cur")
	fi
}

complete -F _leakjail leakjail
