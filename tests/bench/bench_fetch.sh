#!/usr/bin/env bash
# make bench, fetch part: a generated EC2 offer of BENCH_MB MiB served by
# nginx on 127.0.0.1, fetched once (MB/s, peak RSS), then again with
# nothing changed (time, bytes: only the indexes).
# Usage: bench_fetch.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
size=${BENCH_MB:-1024}
export FIXTURES=$top/fixtures COSTCTL=$build/costctl
work=$build/bench/fetch
rm -rf "$work"
mkdir -p "$work"
cd "$work"
# shellcheck source=../cli/lib.inc
. "$top/tests/cli/lib.inc"
src=$build/bench/ec2-$size.json
[ -f "$src" ] || "$build/tests/bench/gen_offer" "$src" "$size" 2>/dev/null
ver=20261115143012
mkdir -p pl/offers/v1.0/aws/AmazonEC2/current pl/offers/v1.0/aws/AmazonEC2/$ver/us-east-1
ln -s "$src" pl/offers/v1.0/aws/AmazonEC2/$ver/us-east-1/index.json
printf '{"formatVersion":"v1.0","publicationDate":"2026-11-15T14:30:12Z","offers":{"AmazonEC2":{"offerCode":"AmazonEC2","currentRegionIndexUrl":"/offers/v1.0/aws/AmazonEC2/current/region_index.json"}}}\n' >pl/offers/v1.0/aws/index.json
printf '{"formatVersion":"v1.0","publicationDate":"2026-11-15T14:30:12Z","regions":{"us-east-1":{"regionCode":"us-east-1","currentVersionUrl":"/offers/v1.0/aws/AmazonEC2/%s/us-east-1/index.json"}}}\n' $ver >pl/offers/v1.0/aws/AmazonEC2/current/region_index.json
NGINX_GZIP=off start_nginx "$PWD/pl"
base=http://127.0.0.1:$NGINX_PORT
bytes=$(stat -L -c %s "$src")
cat "$src" >/dev/null
"$build/tests/bench/runstat" "$COSTCTL" -q --state st fetch --base-url "$base" --services AmazonEC2 --regions us-east-1 2>first.stat
"$build/tests/bench/runstat" "$COSTCTL" --state st fetch --base-url "$base" --services AmazonEC2 --regions us-east-1 2>second.log
w1=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' first.stat)
r1=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' first.stat)
w2=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' second.log)
b2=$(sed -n 's/.* \([0-9]*\) bytes received.*/\1/p' second.log)
printf 'fetch %d MiB from nginx: %.1f MB/s, peak RSS %d MiB (parsed and hashed as the bytes arrive, renamed)\n' \
	$((bytes / 1048576)) "$(awk -v b="$bytes" -v s="$w1" 'BEGIN { print b / s / 1048576 }')" $((r1 / 1024))
printf 'second fetch, nothing changed: %.3f s, %s bytes received (the indexes), no offer file requested\n' "$w2" "$b2"
cmp -s "$src" st/offers/AmazonEC2/us-east-1/index.json || { echo "fetched file differs!" >&2; exit 1; }
