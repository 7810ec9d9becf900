# rebuild --pricebook OLD reproduces what was written with OLD, byte for
# byte, after a newer pricebook (a changed price) has become current.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
old=$(readlink -f state/pricebook.current)
c rebuild --at 2026-12-01T02:00:00Z est456 >/dev/null || exit
c table get ESTIMATION#est456 CALCULATION#2026-12-01T02:00:00Z >written.json || exit
# tomorrow: t3.xlarge costs more
mkdir -p new && cp -r "$FIXTURES/offers/." new/
sed -i 's/"0.1664000000"/"0.1800000000"/' new/AmazonEC2/us-east-1/index.json
c ingest $(find new -name index.json | sort) || exit
[ "$(readlink -f state/pricebook.current)" != "$old" ] && echo "a new pricebook is current"
c rebuild --dry-run --format json --at 2026-12-01T02:00:00Z est456 | $PY -c '
import json, sys; print("today:", json.loads(sys.stdin.readline())["DetailedCosts"]["Compute"]["TotalCompute"])'
c rebuild --dry-run --format json --pricebook "$old" --at 2026-12-01T02:00:00Z est456 >again.json || exit
cmp -s written.json again.json && echo "--pricebook OLD: identical to what was written"
