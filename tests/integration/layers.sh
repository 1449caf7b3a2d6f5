# SPDX-License-Identifier: GPL-2.0-or-later
# src/ is in layers (README.md, "Source layout"): a file includes headers of
# its own folder and of folders in a lower layer, never of one beside it or
# above it. Every `#include "x.h"` under src/ is found in its folder and
# checked; a header in two folders, or in none, fails too.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

# the layers, lowest first; folders in one layer do not include each other
declare -A rank=([base]=0 [sample]=1 [kernel]=1 [judge]=2 [jail]=2 [cmd]=3)
declare -A home edges
for d in "${!rank[@]}"; do
	[ -d "src/$d" ] || fail "src/$d is gone: update the layers here, in the Makefile and README.md"
done
for f in src/*/*.h src/sample/bpf/*.h; do
	h=${f##*/} d=${f#src/}
	d=${d%%/*}
	[ -z "${home[$h]:-}" ] || fail "$h is in both src/${home[$h]} and src/$d: includes name headers without their folder"
	home[$h]=$d
done
for f in src/*/*; do
	[ -d "$f" ] && continue
	[ -n "${rank[$(basename "$(dirname "$f")")]:-}" ] || fail "$f is in no layer"
done

n=0
while IFS=: read -r f inc; do
	from=${f#src/}
	from=${from%%/*}
	h=${inc##*/}
	case $h in *.skel.h) continue ;; esac # generated into the build folder, included by sample-bpf.c
	to=${home[$h]:-}
	[ -n "$to" ] || fail "$f includes \"$inc\", which is in no folder of src/"
	[ "$to" = "$from" ] && continue
	[ "${rank[$to]}" -lt "${rank[$from]}" ] ||
		fail "$f (src/$from, layer ${rank[$from]}) includes $h of src/$to (layer ${rank[$to]}): a layer includes only from below"
	edges["$from -> $to"]=1
	n=$((n + 1))
done < <(grep -o '^#include "[^"]*"' src/*/*.[ch] | sed 's/#include "\(.*\)"$/\1/')

[ "$n" -gt 0 ] || fail "no include between folders was found: the check reads nothing"
echo "# $n includes between folders, all downwards; folder edges: $(printf '%s\n' "${!edges[@]}" | sort | paste -sd, -)"
