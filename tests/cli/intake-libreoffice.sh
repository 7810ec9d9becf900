# Workbooks costctl did not write: LibreOffice's headless Calc turns a CSV
# into an .xlsx (shared strings, a formula with its cached value, a date
# with a custom date format), with the sections as blocks on one sheet,
# columns in their own order, blank rows between; its example row and one
# more row hidden afterwards. The same workbook with inline strings reads
# the same. A formula whose value was never stored is an error that names
# its cell, and nothing is written.
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
ingest_fixtures && c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
cat >req.csv <<'CSV'
CompanyName,ProjectName,RegionPreference,Timeline
Lo Corp,LibreOffice project,us-east-1,2024-06-30

MinInstances,ServerName,CPUCores,RAMGB,Example,SuggestedInstanceType,MonthlyHours
1,an example,2,8,example,t3.large,730
2,web,=2*2,16,,t3.xlarge,744
1,batch,2,4,,t3.medium,100


CurrentGB,StorageType,SuggestedAWSService
500,data,EBS gp3
CSV
mkdir -p lo-profile
HOME=$PWD timeout 300 libreoffice -env:UserInstallation="file://$PWD/lo-profile" --headless \
	--convert-to xlsx --outdir lo req.csv >lo.log 2>&1 || { cat lo.log; exit 1; }
mkdir x && (cd x && unzip -q ../lo/req.xlsx) || exit
# what LibreOffice wrote: the formula with its value, the date as a styled serial
grep -o '<c r="C6"[^>]*><f[^>]*>[^<]*</f><v>[^<]*</v>' x/xl/worksheets/sheet1.xml
grep -o '<c r="D2"[^>]*><v>[^<]*</v>' x/xl/worksheets/sheet1.xml
grep -o 'formatCode="[^"]*yyyy[^"]*"' x/xl/styles.xml
# rows 5 (the example) and 7 hidden, as a person hides rows in Calc
sed -i -E 's/(<row r="(5|7)"[^>]*) hidden="false"/\1 hidden="true"/g' x/xl/worksheets/sheet1.xml
grep -o '<row r="[0-9]*"[^>]* hidden="true"' x/xl/worksheets/sheet1.xml | grep -o 'r="[0-9]*"'
(cd x && zip -q -X -r ../hidden.xlsx '[Content_Types].xml' _rels docProps xl) || exit
"$COSTCTL" --state state intake import --owner user123 --dry-run --format items --at 2026-12-01T03:00:00Z \
	hidden.xlsx >items.jsonl 2>notes.txt || { cat notes.txt; exit 1; }
sed -n 's/^[^ ]* info intake: //p' notes.txt | grep -v 'dry run'
# hand-read from req.csv: web's CPUCores is the formula's 4, Timeline the date cell's day
sed -n 2p items.jsonl | jq -c '.ComputeRequirements, .StorageRequirements'
sed -n 1p items.jsonl | jq -c '[.ProjectName, .InputMethod, .ClientInfo]'
# the same cells as inline strings (what libxlsxwriter's constant_memory mode and some exporters write)
$PY - x/xl/sharedStrings.xml x/xl/worksheets/sheet1.xml <<'P' || exit
import re, sys
from xml.sax.saxutils import escape
sst = open(sys.argv[1], encoding="utf-8").read()
strings = ["".join(re.findall(r"<t[^>]*>([^<]*)</t>", si)) for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]
ws = open(sys.argv[2], encoding="utf-8").read()
def inline(m):
    return '%s t="inlineStr"><is><t>%s</t></is></c>' % (m.group(1), strings[int(m.group(2))])
ws, n = re.subn(r'(<c r="[A-Z]+[0-9]+"[^>]*?) t="s"><v>([0-9]+)</v></c>', inline, ws)
open(sys.argv[2], "w", encoding="utf-8").write(ws)
print(n, "shared strings made inline")
P
rm x/xl/sharedStrings.xml
sed -i 's|<Relationship [^>]*sharedStrings[^>]*/>||' x/xl/_rels/workbook.xml.rels
(cd x && zip -q -X -r ../inline.xlsx '[Content_Types].xml' _rels docProps xl) || exit
c intake import --owner user123 --dry-run --format items --at 2026-12-01T03:00:00Z inline.xlsx >inline.jsonl || exit
cmp -s items.jsonl inline.jsonl && echo "inline strings: the same items"
# the formula's cached value removed: an error naming the cell, nothing written
sed -i 's|\(<f aca="false">2\*2</f>\)<v>4</v>|\1|' x/xl/worksheets/sheet1.xml
(cd x && zip -q -X -r ../novalue.xlsx '[Content_Types].xml' _rels docProps xl) || exit
c table export | wc -l >before.txt
c intake import --owner user123 --at 2026-12-01T03:00:00Z novalue.xlsx 2>err.txt
echo "exit $?"
sed 's/^[^ ]* error intake: //' err.txt
c table export | wc -l | cmp -s before.txt - && echo "the table is as it was"
