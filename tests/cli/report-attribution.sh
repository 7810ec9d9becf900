# Why an estimation moved, in three parts that sum to the delta to the
# cent. Night 1 prices est456 at 2935.85 (subtotal 2448.58, support 220.37,
# buffer 10% 266.90). Before night 2 three things change at once:
#   prices:       t3.xlarge Linux 0.1664 -> 0.18 (compute 495.21 -> 535.68, +40.47)
#   requirements: its volume 500 -> 600 GB: gp3 storage 600 x 0.08 = 48 (+8),
#                 snapshots 600 + 600 x 0.02 x 30 = 960 GB-Mo x 0.05 = 48 (+8)
#   rules:        buffer_percent 10 -> 12
# New: subtotal 2448.58 + 40.47 + 16 = 2505.05, support 9% 225.4545 -> 225.45,
#      buffer 12% of 2730.50 = 327.66: 3058.16, delta +122.31.
# Old prices, new requirements, new rules: 2464.58 + 221.81 (221.8122) +
#      12% of 2686.39 = 322.3668 -> 322.37: 3008.76, so prices +49.40.
# ... and old rules: 2464.58 + 221.81 + 268.64 (268.639) = 2955.03, so rules
#      +53.73 and requirements 2955.03 - 2935.85 = +19.18.
# 49.40 + 19.18 + 53.73 = 122.31.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
export COSTCTL_FETCH_BASE_URL=file://$PWD/pl
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
c nightly --at 2026-12-01T02:00:00Z || exit
v=pl/offers/v1.0/aws/AmazonEC2
mkdir -p $v/20261201000000/us-east-1
sed 's/"0.1664000000"/"0.1800000000"/; s/"version" : "20261115143012"/"version" : "20261201000000"/' \
	$v/20261115143012/us-east-1/index.json >$v/20261201000000/us-east-1/index.json
sed -i 's|20261115143012/us-east-1|20261201000000/us-east-1|' $v/current/region_index.json
grep '"SK":"REQUIREMENTS"' "$FIXTURES/table/seed.jsonl" | grep est456 | sed 's/"CurrentGB":500/"CurrentGB":600/' >req.jsonl
c table import req.jsonl || exit
COSTCTL_BUFFER_PERCENT=12 c nightly --at 2026-12-02T02:00:00Z || exit
grep '^est456,' state/reports/2026-12-02/estimations.csv | cut -d, -f1,3-5,11-13
$PY - state/reports/2026-12-02/report.json <<'PY'
import json, sys
from decimal import Decimal
r = json.load(open(sys.argv[1]), parse_float=Decimal)
for e in r["estimations"]:
    if "priceEffect" in e:
        parts = e["priceEffect"] + e["requirementEffect"] + e["ruleEffect"]
        print(e["id"], "the three parts sum to the delta:", parts == e["delta"], parts)
PY
sed -n '/^| est456/p' state/reports/2026-12-02/summary.md
# an estimation edited after the night cannot be explained with today's requirements: it says so
grep '"SK":"REQUIREMENTS"' "$FIXTURES/table/seed.jsonl" | grep est456 | sed 's/"CurrentGB":500/"CurrentGB":700/' >req2.jsonl
c table import req2.jsonl || exit
c report 2026-12-02 >/dev/null || exit
grep '^est456,' state/reports/2026-12-02/estimations.csv | cut -d, -f1,5,14
# the same numbers in every format: the CSV, the JSON and the workbook's cells
$PY - state/reports/2026-12-02 <<'PY'
import csv, json, re, sys, zipfile
from decimal import Decimal
d = sys.argv[1]
z = zipfile.ZipFile(d + "/report.xlsx")
shared = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode())]
def sheet(n):
    rows = {}
    for ref, t, v in re.findall(r'<c r="([A-Z]+\d+)"[^>]*?(?: t="(\w+)")?[^>]*>(?:<f>[^<]*</f>)?<v>([^<]*)</v>', z.read("xl/worksheets/sheet%d.xml" % n).decode()):
        col, row = re.match(r"([A-Z]+)(\d+)", ref).groups()
        rows.setdefault(int(row), {})[col] = shared[int(v)] if t == "s" else Decimal(v)
    return rows
est = sheet(2)
header = [est[1][c] for c in sorted(est[1])]
cells = {r[ "A"]: r for n, r in est.items() if n > 1}
ok = True
for row in csv.DictReader(open(d + "/estimations.csv")):
    x = cells[row["estimation"]]
    for col, name in (("C", "old_monthly"), ("D", "new_monthly"), ("E", "delta"), ("J", "price_effect"),
                      ("K", "requirement_effect"), ("L", "rule_effect")):
        want = row[name]
        got = x.get(col)
        if (want or got is not None) and (got is None or Decimal(want).quantize(Decimal("0.01")) != got.quantize(Decimal("0.01"))):
            ok = False
            print("differs:", row["estimation"], name, want, got)
js = json.load(open(d + "/report.json"), parse_float=Decimal)
for e in js["estimations"]:
    row = cells[e["id"]]
    if e["delta"] is not None and row["E"].quantize(Decimal("0.01")) != e["delta"]:
        ok = False
chg = sheet(3)
rows = list(csv.DictReader(open(d + "/changes.csv")))
ok = ok and len(rows) == len(chg) - 1 and all(
    Decimal(r["new_price"]) == chg[i + 2]["J"] and Decimal(r["old_price"]) == chg[i + 2]["I"] for i, r in enumerate(rows))
print("estimations.csv, report.json and report.xlsx agree:", ok, "-", len(cells), "estimations,", len(rows), "price rows")
PY
# report.pdf: the same moves, drawn
pdftotext -layout state/reports/2026-12-02/report.pdf - 2>/dev/null | grep -o 'est456 Client ABC Infrastructur *+122.31\|+8.17%\|costctl morning report, 2026-12-02' | sed 's/  */ /g'
