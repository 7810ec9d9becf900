#!/usr/bin/env bash
# make bench: ingest throughput against a bare yajl parse of the same file,
# and peak RSS, for a generated EC2 offer of SIZE MiB and one twice as large
# (RSS must not grow with the file). Ratios, not wall-clock limits.
# Usage: bench_ingest.sh BUILD_DIR   (BENCH_MB=1024 by default)
set -euo pipefail
build=$1
size=${BENCH_MB:-1024}
dir=$build/bench
mkdir -p "$dir"
gen=$build/tests/bench/gen_offer
noop=$build/tests/bench/yajl_noop
runstat=$build/tests/bench/runstat
costctl=$build/costctl

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# One `costctl ingest` of FILES (BYTES in all) into a fresh pricebook: prints "MB/s RSS_KiB".
ingest_once() {
	local bytes=$1 w
	shift
	rm -f "$dir/out.cpb"
	"$runstat" "$costctl" -q --state "$dir/state" ingest --output "$dir/out.cpb" "$@" 2>"$dir/ingest.stat"
	w=$(field wall_s <"$dir/ingest.stat")
	awk -v b="$bytes" -v s="$w" -v r="$(field maxrss_kb <"$dir/ingest.stat")" \
		'BEGIN { printf "%.1f %d\n", b / s / 1048576, r }'
}

# Two ratios: the parser alone (yajl + our callbacks + every entry built,
# tests/bench/ingest_only) and the whole command (also sorting, spilling,
# merging and writing the pricebook durably), each over the bare parse.
printf '%-9s %6s %10s %10s %6s %11s %6s %9s %11s\n' file MB "yajl MB/s" "parse MB/s" ratio "ingest MB/s" ratio "RSS MiB" "yajl RSS"
for mb in "$size" $((size * 2)); do
	f=$dir/ec2-$mb.json
	want=$((mb * 1024 * 1024))
	if [ ! -f "$f" ] || [ $(( $(stat -L -c %s "$f") * 100 / want )) -lt 90 ]; then
		"$gen" "$f" "$mb" 2>/dev/null
	fi
	bytes=$(stat -L -c %s "$f")
	cat "$f" >/dev/null # same page-cache state for both runs
	best_noop=0 best_ing=0 best_parse=0
	for _ in 1 2 3; do # best of three: this VM is noisy
		out=$("$build/tests/bench/ingest_only" "$f" 256)
		s=$(echo "$out" | awk '{print $3}')
		rate=$(awk -v b="$bytes" -v s="$s" 'BEGIN { printf "%.1f", b / s / 1048576 }')
		best_parse=$(awk -v a="$best_parse" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')

		out=$("$runstat" "$noop" "$f" 256 2>"$dir/noop.stat")
		s=$(echo "$out" | awk '{print $3}')
		rate=$(awk -v b="$bytes" -v s="$s" 'BEGIN { printf "%.1f", b / s / 1048576 }')
		best_noop=$(awk -v a="$best_noop" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
		noop_rss=$(field maxrss_kb <"$dir/noop.stat")

		read -r rate ing_rss < <(ingest_once "$bytes" "$f")
		best_ing=$(awk -v a="$best_ing" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
	done
	ratio=$(awk -v a="$best_ing" -v b="$best_noop" 'BEGIN { printf "%.2f", a / b }')
	pratio=$(awk -v a="$best_parse" -v b="$best_noop" 'BEGIN { printf "%.2f", a / b }')
	printf '%-9s %6d %10s %10s %6s %11s %6s %9d %11d\n' "ec2-$mb" $((bytes / 1048576)) "$best_noop" \
		"$best_parse" "$pratio" "$best_ing" "$ratio" $((ing_rss / 1024)) $((noop_rss / 1024))
	info=$("$costctl" pricebook info "$dir/out.cpb")
	entries=$(echo "$info" | sed -n 's/^entries: *//p')
	products=$(echo "$info" | awk '/AmazonEC2/ { print $6 }')
	echo "          $products products, $entries entries; pricebook $(( $(stat -L -c %s "$dir/out.cpb") / 1048576 )) MiB"
done
rm -f "$dir/out.cpb"

# Memory against the product count: 4x the products of the larger file
# (the generator keeps products per byte, so 4x the size), one run, RSS
# being the point. The file is removed after: it is 8x BENCH_MB.
f=$dir/ec2-$((size * 8)).json
"$gen" "$f" $((size * 8)) 2>/dev/null
bytes=$(stat -L -c %s "$f")
read -r rate ing_rss < <(ingest_once "$bytes" "$f")
products=$("$costctl" pricebook info "$dir/out.cpb" | awk '/AmazonEC2/ { print $6 }')
printf '%-9s %6d %10s %10s %6s %11s %6s %9d\n' "ec2-$((size * 8))" $((bytes / 1048576)) - - - "$rate" - $((ing_rss / 1024))
echo "          $products products (4x the ec2-$((size * 2)) file's): peak RSS against the product count"
rm -f "$f" "$dir/out.cpb"

# A nightly's worth of files: the fixture offers and four generated EC2
# region files of different sizes, ingested into one pricebook, against the
# bare parse of the same files one after the other.
files=$(find fixtures/offers -name '*.json' | sort)
for mb in $((size / 16)) $((size / 8)) $((size / 4)) $((size / 2)); do
	f=$dir/night-$mb.json
	[ -f "$f" ] || "$gen" "$f" "$mb" 2>/dev/null
	files="$files $f"
done
bytes=$(cat $files | wc -c)
cat $files >/dev/null
best_noop=0 best_ing=0
for _ in 1 2 3; do
	s=0
	for f in $files; do
		t=$("$noop" "$f" 256 | awk '{print $3}')
		s=$(awk -v a="$s" -v b="$t" 'BEGIN { print a + b }')
	done
	rate=$(awk -v b="$bytes" -v s="$s" 'BEGIN { printf "%.1f", b / s / 1048576 }')
	best_noop=$(awk -v a="$best_noop" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
	# shellcheck disable=SC2086
	read -r rate ing_rss < <(ingest_once "$bytes" $files)
	best_ing=$(awk -v a="$best_ing" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
done
ratio=$(awk -v a="$best_ing" -v b="$best_noop" 'BEGIN { printf "%.2f", a / b }')
printf '%-9s %6d %10s %10s %6s %11s %6s %9d\n' nightly $((bytes / 1048576)) "$best_noop" "-" "-" \
	"$best_ing" "$ratio" $((ing_rss / 1024))
echo "          $(echo $files | wc -w) files, one after another into one pricebook"
rm -f "$dir/out.cpb"
echo "targets: ratio >= 0.80 for one file; >= 1.50 for the nightly files (not reached: see docs/pricebook.md,"
echo "\"Ingest speed\"); RSS < 128 MiB whatever the product count (not reached: it grows with products)."
echo "ingest: yajl on the reading thread, the handlers and the pricebook writer on a second"
echo "(pipeline/core/jtape.h), runs sorted on a third, the file written and hashed on two more at commit."
