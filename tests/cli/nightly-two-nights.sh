# The demo's two nights over fixtures/pricelist and its next night
# (fixtures/pricelist-night2: a new EC2 us-east-1 version), with an
# estimation imported from a workbook between them. Night 2, worked out by
# hand from the fixture prices:
#   est456: t3.xlarge 0.1664 -> 0.18 over 2976 h: compute 535.68 (was
#   495.21), subtotal 2489.05, support 9% 224.01, buffer 10% of 2713.06 =
#   271.31: 2984.37 (was 2935.85), +48.52.
#   est-northwind: m5.xlarge 0.192 -> 0.178 over 1460 h: 259.88 (was
#   280.32), subtotal 1399.19 - 20.44 = 1378.75, support 9% = 124.0875 ->
#   124.09, buffer 10% of 1502.84 = 150.284 -> 150.28: 1653.12 (was
#   1677.63), -24.51.
#   est501 and est601 are in us-east-2: unmoved. Prices: t3.xlarge,
#   m5.xlarge and r5.xlarge Linux changed, t3a.large added, c5.2xlarge
#   Linux removed.
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
copy_pricelist pl
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
COSTCTL_FETCH_BASE_URL=file://$PWD/pl c nightly --at 2026-12-01T02:00:00Z; echo "night 1: exit $?"
c intake import --owner user123 --id est-northwind --at 2026-12-01T15:00:00Z "$FIXTURES/intake/northwind.xlsx" \
	>/dev/null || exit
cp -r "$FIXTURES/pricelist-night2/." pl/
# and one term whose SKU is in no product (as in real excerpts): counted in the report, never priced
f=pl/offers/v1.0/aws/AmazonEC2/20261202000000/us-east-1/index.json
$PY - "$f" <<'P' || exit
import json, sys
d = json.load(open(sys.argv[1]))
od = d["terms"]["OnDemand"]
sku, terms = next(iter(od.items()))
od["ORPHANSKU0000001"] = {k.replace(sku, "ORPHANSKU0000001"): dict(v, sku="ORPHANSKU0000001") for k, v in terms.items()}
open(sys.argv[1], "w").write(json.dumps(d, indent=2, separators=(",", " : ")))
P
COSTCTL_FETCH_BASE_URL=file://$PWD/pl c nightly --at 2026-12-02T02:00:00Z; echo "night 2: exit $?"
r=state/reports/2026-12-02
sed -n '/^- prices/p; /^- estimations/p; /^- data quality/p' $r/summary.md
jq -c .quality $r/report.json
sed -n '/^## Prices by service/,/^## Estimations that moved/p' $r/summary.md | grep -v '^$\|^|-\|^## Estimations'

cut -d, -f1,3-5 $r/estimations.csv
tail -n +2 $r/changes.csv | cut -d, -f1,2,12-14,16,17 | sort
jq -r '.estimations[] | select(.moved) | [.id, .priceEffect, .requirementEffect, .ruleEffect] | @tsv' $r/report.json
# the workbook says the same as report.json (LibreOffice reads its summary sheet)
lo_csv $r/report.xlsx lo || { cat lo.log; exit 1; }
grep -E '^(prices changed|prices added|prices removed|failed|orphan terms),' lo/report.csv
pdftotext -layout $r/report.pdf - 2>/dev/null | grep -o 'data quality: .*' | sed 's/ *$//'
