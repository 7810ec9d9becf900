# The nightly job over two nights of the fixture price list (file://, the
# real layout). Night 1 prices the seed: est456 moves from its latest
# calculation in the seed (CALCULATION#2024-02-01, 8612.37) to 2935.85
# (worked out by hand in tests/unit/check_calc.c). The
# same night again does nothing. Night 2 publishes a new EC2 us-east-1
# version with t3.xlarge Linux at 0.18 (was 0.1664): est456's fleet is
# 2976 h, so compute 2976 x 0.18 = 535.68 (was 495.21), subtotal 2448.58 +
# 40.47 = 2489.05, support 9% = 224.0145 -> 224.01, buffer 10% of 2713.06 =
# 271.306 -> 271.31: 2984.37, +48.52 (+1.65%, under the $100 / 5% flags).
# Then the lock (exit 4), the sanity gate (exit 2, nothing published) and
# the price list unreachable (exit 75).
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
export COSTCTL_FETCH_BASE_URL=file://$PWD/pl
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
"$COSTCTL" --state state nightly --at 2026-12-01T02:00:00Z 2>n1.log; echo "night 1: exit $?"
grep -o 'stage [a-z]*: done' n1.log | tr '\n' ' '; echo
sed -n '/^- estimations/p; /^| est/p' state/reports/2026-12-01/summary.md
cat state/reports/2026-12-01/estimations.csv
c table get AUDIT#2026-12-01 LOG#costctl#nightly#2026-12-01 | jq -r '[.Action, .Result, .Details.Recalc.Written, .Details.Pricebook.Published] | @tsv'
# the same night again: nothing
sha=$(sha256sum state/reports/2026-12-01/summary.md)
"$COSTCTL" --state state nightly --at 2026-12-01T03:00:00Z 2>again.log; echo "night 1 again: exit $?"
grep -o 'the night of 2026-12-01 is done.*nothing to do' again.log | sed 's/(its report: [^)]*)//'
[ "$sha" = "$(sha256sum state/reports/2026-12-01/summary.md)" ] && echo "its report: unchanged"
# night 2: a new EC2 us-east-1 version, t3.xlarge dearer
v=pl/offers/v1.0/aws/AmazonEC2
mkdir -p $v/20261201000000/us-east-1
sed 's/"0.1664000000"/"0.1800000000"/; s/"version" : "20261115143012"/"version" : "20261201000000"/; s/"publicationDate" : "2026-11-15T14:30:12Z"/"publicationDate" : "2026-12-01T00:00:00Z"/' \
	$v/20261115143012/us-east-1/index.json >$v/20261201000000/us-east-1/index.json
sed -i 's|/offers/v1.0/aws/AmazonEC2/20261115143012/us-east-1/index.json|/offers/v1.0/aws/AmazonEC2/20261201000000/us-east-1/index.json|' \
	$v/current/region_index.json
"$COSTCTL" --state state nightly --at 2026-12-02T02:00:00Z 2>n2.log; echo "night 2: exit $?"
grep -o 'fetch: done in [0-9.]* s: .*' n2.log | sed 's/done in [0-9.]* s/done/'
sed -n '/^- prices/p; /^- estimations/p; /^| est456/p; /^| [+-][0-9]/p' state/reports/2026-12-02/summary.md
grep '^est456,' state/reports/2026-12-02/estimations.csv
tail -n +2 state/reports/2026-12-02/changes.csv | cut -d, -f1-3,12-14
jq -r '[.quiet, .prices.changed, (.estimations[] | select(.id == "est456") | .delta)] | @tsv' state/reports/2026-12-02/report.json
# the report made again from the store alone, byte for byte
cp state/reports/2026-12-02/summary.md written.md
c report 2026-12-02 >printed.md; echo "report 2026-12-02: exit $?"
cmp -s written.md state/reports/2026-12-02/summary.md && cmp -s written.md printed.md && echo "report 2026-12-02: the same summary"
"$COSTCTL" --state state report 2026-11-30 2>&1 | sed 's/^[0-9TZ:-]* //'; echo "report 2026-11-30: exit ${PIPESTATUS[0]}"
# another run holds the lock: exit 4 at once, nothing changed
exec 9>state/costctl.lock
flock -n 9 || exit 1
"$COSTCTL" --state state nightly --at 2026-12-03T02:00:00Z 2>lock.log; echo "locked: exit $?"
exec 9>&-
[ -e state/reports/2026-12-03 ] || echo "locked: no report"
# night 3: EC2 us-east-1 loses 15 of its one-price products: the gate refuses it
cur=$(readlink -f state/pricebook.current)
mkdir -p $v/20261203000000/us-east-1
$PY - $v/20261201000000/us-east-1/index.json $v/20261203000000/us-east-1/index.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["version"] = "20261203000000"
od, rs = d["terms"]["OnDemand"], d["terms"].get("Reserved", {})
one = sorted(s for s in d["products"] if s in od and s not in rs and
             sum(len(t["priceDimensions"]) for t in od[s].values()) == 1)
for sku in one[:15]:
    del d["products"][sku], od[sku]
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
sed -i 's|20261201000000/us-east-1|20261203000000/us-east-1|' $v/current/region_index.json
"$COSTCTL" --state state nightly --at 2026-12-03T02:00:00Z 2>n3.log; echo "night 3 (gate): exit $?"
[ "$(readlink -f state/pricebook.current)" = "$cur" ] && echo "night 3: yesterday's pricebook stays current"
grep -o 'The new price list was not published' state/reports/2026-12-03/summary.md
grep -c '^est456,Client ABC Infrastructure,2984.37,2984.37,0.00,' state/reports/2026-12-03/estimations.csv
# the price list unreachable: exit 75, nothing changed
COSTCTL_FETCH_BASE_URL=http://127.0.0.1:$(free_port) COSTCTL_FETCH_RETRIES=0 \
	"$COSTCTL" --state state nightly --at 2026-12-04T02:00:00Z 2>n4.log; echo "unreachable: exit $?"
[ -e state/reports/2026-12-04 ] || echo "unreachable: no report"
