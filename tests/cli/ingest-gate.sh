# The sanity gate: a fetched price list that would replace the current
# pricebook with a much smaller or much pricier one is not published
# (exit 2, saying why; pricebook.current unchanged) unless --force. The
# fixtures have 181 entries, 52 of them EC2 us-east-1. An EC2 us-east-1
# file with 15 of its one-price products gone has 37 of 52 (28.8% lost,
# over gate.max_group_loss_percent 25) while the whole loses 15 of 181
# (8.3%, under gate.max_loss_percent 10); all 39 gone is 142 of 181 (21.5%).
# Every price doubled moves the median price +100% (over 20). (A file
# with no products at all is refused before the gate: ingest's empty-offer
# check.)
. "$(dirname "$0")/lib.inc"
mkdir offers && cp -r "$FIXTURES/offers/." offers/
c() { "$COSTCTL" -q --state state "$@"; }
mkdir -p state && cp -r offers state/offers
c ingest || exit
first=$(readlink -f state/pricebook.current)
"$COSTCTL" -q pricebook info state/pricebook.current | sed -n 's/^entries: */entries /p'
# nights whose EC2 us-east-1 file lost N of its one-price products
drop() {
	cp offers/AmazonEC2/us-east-1/index.json state/offers/AmazonEC2/us-east-1/index.json
	$PY - state/offers/AmazonEC2/us-east-1/index.json "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
od, rs = d["terms"]["OnDemand"], d["terms"].get("Reserved", {})
one = sorted(s for s in d["products"] if s in od and s not in rs and
             sum(len(t["priceDimensions"]) for t in od[s].values()) == 1)
for sku in one[:int(sys.argv[2])]:
    del d["products"][sku], od[sku]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
}
drop 15
c ingest 2>err; echo "15 gone: exit $?"
sed 's/^[0-9TZ:-]* //' err
[ "$(readlink -f state/pricebook.current)" = "$first" ] && echo "current: unchanged"
drop 39
c ingest 2>err; echo "39 gone: exit $?"
sed 's/^[0-9TZ:-]* //' err
[ "$(readlink -f state/pricebook.current)" = "$first" ] && echo "current: unchanged"
ls state/pricebooks | grep -c incoming || true
# every price doubled
cp -r offers/. state/offers/
for f in $(find state/offers -name index.json); do
	$PY - "$f" <<'PY'
import json, sys
from decimal import Decimal
d = json.load(open(sys.argv[1]))
for kind in d.get("terms", {}).values():
    for terms in kind.values():
        for term in terms.values():
            for dim in term["priceDimensions"].values():
                for cur, v in dim["pricePerUnit"].items():
                    dim["pricePerUnit"][cur] = "%.10f" % (Decimal(v) * 2)
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
done
c ingest 2>err; echo "doubled: exit $?"
sed 's/^[0-9TZ:-]* //' err
[ "$(readlink -f state/pricebook.current)" = "$first" ] && echo "current: unchanged"
# --force publishes it, and says so
"$COSTCTL" --state state ingest --force 2>err; echo "forced: exit $?"
grep -o 'sanity gate: refused, published anyway (--force)' err
[ "$(readlink -f state/pricebook.current)" != "$first" ] && echo "current: the doubled one"
# explicit files are the operator's choice: not gated
"$COSTCTL" -q --state state ingest "$FIXTURES/offers/AmazonS3/us-east-1/index.json"; echo "one file named: exit $?"
