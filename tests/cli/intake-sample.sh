# The demo's sample, fixtures/intake/northwind.xlsx (openpyxl's fill of the
# template) and the CSV it was filled from, import to the same items; the
# workbook still matches the template (its header rows are the field
# names costctl reads today).
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
ingest_fixtures && c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
c intake import --owner user123 --dry-run --format items --at 2026-12-01T03:00:00Z --id est-nw \
	"$FIXTURES/intake/northwind.xlsx" >xlsx.jsonl || exit
c intake import --owner user123 --dry-run --format items --at 2026-12-01T03:00:00Z --id est-nw \
	"$FIXTURES/intake/northwind.csv" >csv.jsonl || exit
sed -n 2p xlsx.jsonl | cmp -s - <(sed -n 2p csv.jsonl) && echo "the same REQUIREMENTS"
diff <(sed -n 1p xlsx.jsonl | jq -S 'del(.InputMethod)') <(sed -n 1p csv.jsonl | jq -S 'del(.InputMethod)') &&
	echo "the same METADATA but for InputMethod"
jq -r .InputMethod xlsx.jsonl csv.jsonl | grep -v null
sed -n 2p xlsx.jsonl | jq -r '.ComputeRequirements[] | [.ServerName, .SuggestedInstanceType // "-", .ScalingType] | @tsv'
# the sample's header rows are the template's, sheet by sheet
c intake template --at 2026-12-01T00:00:00Z t.xlsx || exit
$PY - t.xlsx "$FIXTURES/intake/northwind.xlsx" <<'P'
import sys, openpyxl
a, b = (openpyxl.load_workbook(p) for p in sys.argv[1:3])
same = [ws.title for ws in a.worksheets if ws.title != "Lists" and
        [c.value for c in ws[2]] == [c.value for c in b[ws.title][2]]]
print("header rows as the template's:", ", ".join(same))
P
# --project names it over the Client sheet's ProjectName; the rest of ClientInfo stays
c intake import --owner user123 --dry-run --format items --at 2026-12-01T03:00:00Z --project "Northwind, phase 2" \
	"$FIXTURES/intake/northwind.csv" | sed -n 1p | jq -c '[.ProjectName, .Description, .ClientInfo.CompanyName]'
