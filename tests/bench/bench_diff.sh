#!/usr/bin/env bash
# make bench: costctl diff of two ~1M-entry pricebooks (a generated EC2
# offer of BENCH_DIFF_MB, default 1100 MiB, and a copy in which the prices
# ending in 8000000 moved), against a baseline from the same run: costctl
# pricebook verify of both, which reads every record once. Target: about a
# second per million entries.
set -euo pipefail
build=$1
mb=${BENCH_DIFF_MB:-1100}
dir=$build/bench/diff
rm -rf "$dir" && mkdir -p "$dir"
costctl=$build/costctl
"$build/tests/bench/gen_offer" "$dir/a.json" "$mb" 2>/dev/null
sed 's/"USD" : "\([0-9]*\.[0-9]*\)8000000"/"USD" : "\19000000"/' "$dir/a.json" >"$dir/b.json"
"$costctl" -q --state "$dir/state" ingest --output "$dir/a.cpb" "$dir/a.json"
"$costctl" -q --state "$dir/state" ingest --output "$dir/b.cpb" "$dir/b.json"
rm -f "$dir/a.json" "$dir/b.json"
entries=$("$costctl" pricebook info "$dir/a.cpb" | sed -n 's/^entries: *//p')
t0=$(date +%s.%N)
"$costctl" -q pricebook verify "$dir/a.cpb" >/dev/null
"$costctl" -q pricebook verify "$dir/b.cpb" >/dev/null
t1=$(date +%s.%N)
"$costctl" --state "$dir/state" diff --format csv "$dir/a.cpb" "$dir/b.cpb" >"$dir/diff.csv" 2>"$dir/diff.log"
t2=$(date +%s.%N)
rows=$(($(wc -l <"$dir/diff.csv") - 1))
awk -v n="$entries" -v v="$(echo "$t1 - $t0" | bc)" -v d="$(echo "$t2 - $t1" | bc)" -v r="$rows" 'BEGIN {
	printf "diff of two pricebooks of %d entries each: %.2f s (%.2f s a million entries), %d CSV rows\n", n, d, d / n * 1e6, r
	printf "  baseline, pricebook verify of both: %.2f s; diff / verify = %.2f\n", v, d / v }'
sed -n 's/.*info diff: /  /p' "$dir/diff.log"
rm -f "$dir/diff.csv"
