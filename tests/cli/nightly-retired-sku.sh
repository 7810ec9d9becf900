# A night that retires a price an estimation was priced with: the
# morning report lists it first among the new and retired prices, marked.
# (Night 2 of fixtures/pricelist-night2 with t3.xlarge Linux, est456's
# type, removed as well.)
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
night_one || exit
cp -r "$FIXTURES/pricelist-night2/." pl/
$PY - pl/offers/v1.0/aws/AmazonEC2/20261202000000/us-east-1/index.json <<'P' || exit
import json, sys
d = json.load(open(sys.argv[1]))
del d["products"]["USJFUM7FJWPXC5BD"], d["terms"]["OnDemand"]["USJFUM7FJWPXC5BD"]
open(sys.argv[1], "w").write(json.dumps(d, indent=2, separators=(",", " : ")))
P
c nightly --at 2026-12-02T02:00:00Z; echo "night 2: exit $?"
sed -n '/^## New and retired/,/^## Estimations that moved/p' state/reports/2026-12-02/summary.md | grep '^| [nr]'
