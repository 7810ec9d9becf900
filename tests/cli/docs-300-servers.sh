# An estimation with 300 server groups: the line table breaks across
# pages, each of its pages starts with the header row again, and every
# line is in the text. The architecture diagram shows five groups and
# says how many more (+ 295 more).
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init || exit
$PY >big.jsonl <<'PY'
import json
types = ["t3.large", "m5.large", "m5.xlarge", "t3.xlarge"]
print(json.dumps({"PK": "ESTIMATION#big", "SK": "METADATA", "EntityType": "Estimation", "EstimationId": "big",
                  "UserId": "nobody", "ProjectName": "Three hundred server groups", "Status": "ACTIVE", "Version": 1,
                  "ClientInfo": {"CompanyName": "Big Fleet Ltd", "RegionPreference": ["us-east-1"]}}))
print(json.dumps({"PK": "ESTIMATION#big", "SK": "REQUIREMENTS", "EntityType": "EstimationRequirements",
                  "EstimationId": "big", "ComputeRequirements": [
                      {"ServerName": "group %03d" % i, "SuggestedInstanceType": types[i % 4], "OS": "Linux",
                       "MinInstances": 1 + i % 3} for i in range(300)]}))
PY
c table import big.jsonl && c rebuild --at 2026-12-01T02:00:00Z big >/dev/null || exit
c docs --format pdf --at 2026-12-01T06:00:00Z big >made.tsv || exit
pdf=$(cut -f2 made.tsv)
pdftext "$pdf" t.txt || exit
$PY - t.txt <<'PY'
import re, sys
pages = [p for p in open(sys.argv[1]).read().split("\f") if p.strip()]
header = re.compile(r"^\s*Category\s+Line\s+Quantity\s+Unit\s+Rate\s+Monthly\s+Annual\s*$", re.M)
row = re.compile(r"^\s*Compute\s+\S+ Linux, \d+ instances? x 730 h", re.M)
table = [i for i, p in enumerate(pages) if row.search(p)]
print("pages:", len(pages) > 8)
print("line-table pages:", len(table) > 5)
print("each starts with the header:", all(header.search(pages[i]) for i in table))
print("group lines:", sum(len(row.findall(pages[i])) for i in table))
print("diagram:", "+ 295 more" in "".join(pages))
PY
