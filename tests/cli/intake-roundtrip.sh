# The requirements template, filled in by another program (openpyxl, as a
# sales engineer's script would), imports to exactly the seed's est456
# REQUIREMENTS item, prices to est456's known total, and keeps the upload
# as a REQUIREMENTS_UPLOAD document. A second import with the same id is
# refused with nothing written; --estimation replaces the requirements of
# an estimation under its Version; columns are found by name, not place.
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
ingest_fixtures && c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
fill="$(dirname "$0")/../tools/fill_template.py"
c intake template --at 2026-12-01T00:00:00Z t.xlsx || exit
c intake template --at 2026-12-01T00:00:00Z again.xlsx && cmp -s t.xlsx again.xlsx && echo "the same template bytes again"
# the template as openpyxl reads it: sheets, header rows, frozen panes, validations, the lists
$PY - t.xlsx <<'P' || exit
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets:
    print(ws.title, ws.sheet_state, ws.freeze_panes or "-")
for name in ["Client", "Compute", "Network"]:
    ws = wb[name]
    print(name, "header:", ",".join(str(c.value) for c in ws[2]))
    print(name, "example rows:", ws.cell(3, ws.max_column).value, ws.cell(4, ws.max_column).value)
    for dv in sorted(ws.data_validations.dataValidation, key=lambda d: str(d.sqref)):
        print(" ", dv.sqref, dv.type, dv.formula1 or "", dv.formula2 or "", dv.errorStyle or "stop")
lists = wb["Lists"]
for col in lists.iter_cols(values_only=True):
    if col[0] in ("OS", "Region", "Engine"):
        print("Lists", col[0] + ":", ", ".join(v for v in col[1:] if v))
P
$PY "$fill" t.xlsx filled.xlsx "$FIXTURES/table/seed.jsonl" est456 || exit
c intake import --owner user123 --id est-rt --at 2026-12-01T03:00:00Z filled.xlsx >table.txt || exit
# 2,935.85 a month: est456 worked out by hand in tests/unit/check_calc.c
grep -E '^ +Total ' table.txt | tr -s ' '
seed_reqs() { sed -n 3p "$FIXTURES/table/seed.jsonl" | jq -S 'del(.PK, .EstimationId)'; }
c table get ESTIMATION#est-rt REQUIREMENTS | jq -S 'del(.PK, .EstimationId)' >got.json
seed_reqs >want.json
diff want.json got.json && echo "REQUIREMENTS equal the seed's est456"
c table get ESTIMATION#est-rt METADATA >meta.json || exit
jq -r '[.EstimationId, .UserId, .InputMethod, .GSI1PK, .GSI1SK, .GSI2PK, .GSI2SK, .Status, .CreatedAt, .Version] | @tsv' meta.json
sed -n 2p "$FIXTURES/table/seed.jsonl" | jq -S '.ClientInfo' >want-client.json
jq -S '.ClientInfo' meta.json | diff want-client.json - && echo "ClientInfo equals the seed's"
jq -r '.EstimationSummary | [.TotalMonthlyCost, .Status] | @tsv' meta.json
# the upload, kept beside the documents with its SHA-256
# (openpyxl stamps its files with the clock: the name's hash and the size are compared, not printed)
c table query documents est-rt | jq -r --arg sha "$(sha256sum filled.xlsx | cut -d' ' -f1)" --argjson size "$(stat -c %s filled.xlsx)" \
	'[.DocumentType, (.FileName | sub("-[0-9a-f]{12}[.]"; "-HASH.")), .Sha256 == $sha,
	  (.FileName | contains($sha[0:12])), .FileSize == $size] | @tsv' 
path=$(c table query documents est-rt | jq -r .Path)
cmp -s "$path" filled.xlsx && echo "the kept upload is the uploaded file"
c table query audit-by-user costctl 2026-12-01 2026-12-01 | jq -r 'select(.ResourceId == "est-rt") | .Action' | sort
# the same id again: refused, nothing written
c table export | wc -l >before.txt
c intake import --owner user123 --id est-rt --at 2026-12-01T04:00:00Z filled.xlsx >/dev/null 2>err.txt
echo "second import: exit $?"
sed 's/^[^ ]* error intake: //' err.txt
c table export | wc -l | cmp -s before.txt - && echo "the table is as it was"
# columns in another order: the same requirements
$PY "$fill" t.xlsx shuffled.xlsx "$FIXTURES/table/seed.jsonl" est456 --shuffle || exit
c intake import --owner user123 --dry-run --format items --at 2026-12-01T03:00:00Z shuffled.xlsx >items.jsonl || exit
sed -n 2p items.jsonl | jq -S 'del(.PK, .EstimationId)' | diff want.json - && echo "reversed columns: the same REQUIREMENTS"
# --estimation: new requirements for est-rt, its id and history kept, under the lock
$PY - filled.xlsx changed.xlsx <<'P' || exit
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Compute"]
col = [c.value for c in ws[2]].index("MinInstances") + 1
ws.cell(5, col, 3)  # 3 web servers at the least, not 2
wb.save(sys.argv[2])
P
c intake import --estimation est-rt --at 2026-12-01T05:00:00Z changed.xlsx >/dev/null || exit
c table get ESTIMATION#est-rt REQUIREMENTS | jq -c '.ComputeRequirements[0] | [.MinInstances, .MaxInstances]'
c table get ESTIMATION#est-rt METADATA | jq -r '[.EstimationId, .CreatedAt, .Version, .InputMethod] | @tsv'
c table query calculations est-rt | jq -r .SK
c table query documents est-rt | jq -r '.FileName | sub("-[0-9a-f]{12}[.]"; "-HASH.")' | sort
