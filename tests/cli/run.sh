#!/usr/bin/env bash
# CLI tests: each tests/cli/NAME.sh runs in a fresh scratch directory with
# $COSTCTL, $FIXTURES and $SHARED set; its exit status must equal NAME.exit,
# its stdout NAME.stdout.exact (byte for byte) or match NAME.stdout.glob,
# and its stderr match NAME.stderr.glob (bash patterns over the whole text).
# A test that exits 77 is skipped (it says why on stderr).
# Usage: tests/cli/run.sh [--update] COSTCTL [NAME...]
# --update rewrites every NAME.stdout.exact from what the test printed
# (`make golden`); review the diff before committing it.
set -u
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
COSTCTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
export COSTCTL FIXTURES="$top/fixtures" SHARED="${SHARED:-$top/../shared}"
export TZ=UTC LC_ALL=C

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for t in "$here"/*.sh; do
		n=$(basename "$t" .sh)
		[ "$n" = run ] || names+=("$n")
	done
fi

pass=0 fail=0 skip=0
for n in "${names[@]}"; do
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/costctl-cli-XXXXXX")
	(cd "$scratch" && bash "$here/$n.sh" >stdout 2>stderr; echo $? >status)
	got=$(cat "$scratch/status")
	why=
	if [ "$got" = 77 ]; then
		skip=$((skip + 1))
		echo "SKIP $n: $(tail -n 1 "$scratch/stderr")"
		rm -rf "$scratch"
		continue
	fi
	if [ "$update" = 1 ] && [ -f "$here/$n.stdout.exact" ]; then
		cp "$scratch/stdout" "$here/$n.stdout.exact"
	fi
	want=$(cat "$here/$n.exit" 2>/dev/null || echo 0)
	[ "$got" = "$want" ] || why="exit status $got, wanted $want"
	if [ -z "$why" ] && [ -f "$here/$n.stdout.exact" ] &&
		! cmp -s "$here/$n.stdout.exact" "$scratch/stdout"; then
		why="stdout differs: $(diff "$here/$n.stdout.exact" "$scratch/stdout" | head -n 5)"
	fi
	if [ -z "$why" ] && [ -f "$here/$n.stdout.glob" ]; then
		pat=$(cat "$here/$n.stdout.glob")
		# shellcheck disable=SC2053
		[[ "$(cat "$scratch/stdout")" == $pat ]] || why="stdout does not match $n.stdout.glob"
	fi
	if [ -z "$why" ] && [ -f "$here/$n.stderr.glob" ]; then
		pat=$(cat "$here/$n.stderr.glob")
		# shellcheck disable=SC2053
		[[ "$(cat "$scratch/stderr")" == $pat ]] || why="stderr does not match $n.stderr.glob"
	fi
	if [ -z "$why" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $n: $why"
		echo "---- stdout"; head -c 2000 "$scratch/stdout"
		echo "---- stderr"; head -c 2000 "$scratch/stderr"
		echo "----"
	fi
	rm -rf "$scratch"
done
echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
