# Finance's morning report with names from outside that are longer than
# its columns keep: a project name of 150 e-acute and an estimation that
# fails on an OS of 100 euro signs. Every text the night writes (the
# summary, the CSV, the JSON, the workbook's strings, the PDF's text) is
# valid UTF-8: a name is cut between characters, never inside one.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
export COSTCTL_FETCH_BASE_URL=file://$PWD/pl
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
name=$(python3 -c 'print("Donn\u00e9es " + "\u00e9" * 150)')
os=$(python3 -c 'print("a" + "\u20ac" * 100)')
printf '%s\n' \
	"{\"PK\":\"ESTIMATION#u1\",\"SK\":\"METADATA\",\"GSI2PK\":\"STATUS#ACTIVE\",\"GSI2SK\":\"ESTIMATION#u1\",\"EstimationId\":\"u1\",\"Status\":\"ACTIVE\",\"ProjectName\":\"$name\"}" \
	"{\"PK\":\"ESTIMATION#u1\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\"}]}" \
	"{\"PK\":\"ESTIMATION#u2\",\"SK\":\"METADATA\",\"GSI2PK\":\"STATUS#ACTIVE\",\"GSI2SK\":\"ESTIMATION#u2\",\"EstimationId\":\"u2\",\"Status\":\"ACTIVE\",\"ProjectName\":\"$name\"}" \
	"{\"PK\":\"ESTIMATION#u2\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"$os\"}]}" >u.jsonl
c table import u.jsonl || exit
"$COSTCTL" --state state nightly --at 2026-12-01T02:00:00Z 2>n1.log; echo "night: exit $?"
r=state/reports/2026-12-01
for f in summary.md estimations.csv report.json; do
	iconv -f UTF-8 -t UTF-8 "$r/$f" >/dev/null 2>&1 && echo "$f: valid UTF-8" || echo "$f: NOT UTF-8"
done
unzip -p "$r/report.xlsx" xl/sharedStrings.xml | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 &&
	echo "report.xlsx strings: valid UTF-8" || echo "report.xlsx strings: NOT UTF-8"
pdftotext "$r/report.pdf" - 2>/dev/null | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 &&
	echo "report.pdf text: valid UTF-8" || echo "report.pdf text: NOT UTF-8"
# u1's project in the CSV: "Données " and whole e-acutes only (the column keeps 190 bytes: 9 + 90 x 2 = 189)
grep '^u1,' "$r/estimations.csv" | cut -d, -f2 | python3 -c 'import sys; s = sys.stdin.buffer.read().strip().decode(); print(len(s.encode()), s.count("\u00e9"))'
grep -c '^u2,' "$r/estimations.csv"
