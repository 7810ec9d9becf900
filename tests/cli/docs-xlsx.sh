# est456's workbook, opened as finance would: the XML inside it and
# LibreOffice's headless Calc. Formulas carry their values; the totals
# LibreOffice computes from the formulas alone (every cached value zeroed
# first) equal the stored calculation (2,935.85 a month, worked out by
# hand in tests/unit/check_calc.c). A client name that is a formula is
# written as a string, never a formula.
. "$(dirname "$0")/lib.inc"
docs_setup || exit
c() { "$COSTCTL" -q --state state "$@"; }
c docs --format xlsx --at 2026-12-01T06:00:00Z est456 >made.tsv || exit
xlsx=$(cut -f2 made.tsv)
basename "$xlsx"
mkdir x && (cd x && unzip -q "../$xlsx") || exit
grep -o '<sheet name="[^"]*"' x/xl/workbook.xml | sed 's/<sheet name=//' | tr '\n' ' '; echo
grep -o '<definedName name="[A-Za-z]*">[^<]*' x/xl/workbook.xml | sed 's/<definedName name=//'
# the Summary's total: a formula with the value costctl computed
grep -o '<c r="B19"[^>]*><f>[^<]*</f><v>[^<]*</v>' x/xl/worksheets/sheet1.xml
grep -o '<c r="B22"[^>]*><f>[^<]*</f><v>[^<]*</v>' x/xl/worksheets/sheet1.xml
# a line: quantity and rate numbers, monthly = ROUND(quantity x rate, 2), annual = 12 x monthly
grep -o '<c r="[DFGH]2"[^>]*>\(<f>[^<]*</f>\)\?<v>[^<]*</v>' x/xl/worksheets/sheet2.xml
# frozen header rows and an autofilter on the line sheets
grep -c 'state="frozen"' x/xl/worksheets/sheet2.xml
grep -o '<autoFilter ref="[^"]*"' x/xl/worksheets/sheet2.xml
ls x/xl/charts
# LibreOffice recomputes every formula from the inputs (cached values zeroed)
for f in x/xl/worksheets/sheet*.xml; do sed -i 's|</f><v>[^<]*</v>|</f><v>0</v>|g' "$f"; done
echo "$(grep -o '</f><v>0</v>' x/xl/worksheets/sheet1.xml | wc -l) formulas on the Summary, their values zeroed"
(cd x && zip -q -X -r ../zeroed.xlsx '[Content_Types].xml' _rels docProps xl) || exit
lo_csv zeroed.xlsx csv || { cat lo.log; exit 1; }
grep -E '^(Compute|Storage|Database|Network|Security|Subtotal|Support[^,]*|Buffer|Total|Check),' csv/zeroed.csv
# the same bytes for the same calculation and time
cp "$xlsx" first.xlsx
c docs --format xlsx --at 2026-12-01T06:00:00Z est456 >/dev/null || exit
cmp -s first.xlsx "$xlsx" && echo "the same bytes again"
# formula injection: names that look like formulas stay strings
cat >evil.jsonl <<'J'
{"PK":"ESTIMATION#evil1","SK":"METADATA","EntityType":"Estimation","EstimationId":"evil1","UserId":"user123","ProjectName":"+cmd|' /C calc'!A0","Status":"ACTIVE","Version":1,"ClientInfo":{"CompanyName":"=HYPERLINK(\"http://evil.example\",\"click\")","RegionPreference":["us-east-1"]}}
{"PK":"ESTIMATION#evil1","SK":"REQUIREMENTS","EntityType":"EstimationRequirements","EstimationId":"evil1","ComputeRequirements":[{"ServerName":"@SUM(1+1)","SuggestedInstanceType":"t3.xlarge","OS":"Linux"}]}
J
c table import evil.jsonl && c rebuild --at 2026-12-01T02:00:00Z evil1 >/dev/null || exit
c docs --format xlsx --at 2026-12-01T06:00:00Z evil1 >evil.tsv || exit
basename "$(cut -f2 evil.tsv)"
mkdir e && (cd e && unzip -q "../$(cut -f2 ../evil.tsv)") || exit
grep -c 'HYPERLINK' e/xl/worksheets/*.xml | grep -v ':0$' || echo "no HYPERLINK in any sheet's XML"
grep -o '<c r="B[23]"[^>]*t="s"' e/xl/worksheets/sheet1.xml
grep -o '<t>=HYPERLINK([^<]*</t>' e/xl/sharedStrings.xml
grep -o '<t>[+@][^<]*</t>' e/xl/sharedStrings.xml
