# est456's proposal, read back as a client would: pdfinfo, pdffonts,
# pdftotext and pdftoppm. The totals are the ones worked out by hand in
# tests/unit/check_calc.c (est456: 2,935.85 a month, 35,230.20 a year);
# every line's monthly and annual cost must be in the text, and the
# footer (page N of M, the calculation id, the pricebook) on every page.
. "$(dirname "$0")/lib.inc"
docs_setup || exit
c() { "$COSTCTL" -q --state state "$@"; }
c docs --at 2026-12-01T06:00:00Z est456 >made.tsv || exit
cut -f1 made.tsv
pdf=$(awk '$1 == "pdf" { print $2 }' made.tsv)
basename "$pdf"
pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
[ "$pages" -ge 4 ] && echo "pages: at least 4"
pdfinfo "$pdf" 2>/dev/null | grep -E '^(Creator|CreationDate):'
# the font is embedded, subset, with a ToUnicode map
pdffonts "$pdf" 2>/dev/null | awk 'NR > 2 { print $1, $2, $3, $4, $5, $6, $7 }' | sed 's/^[A-Z]*+/SUBSET+/' | sort -u
pdftext "$pdf" text.txt || exit
for want in '$2,935.85' '$35,230.20' 'ABC Corporation' 'Client ABC Infrastructure' 'Executive summary' \
	'Cost breakdown by line' 'Architecture' 'Assumptions' 'Application Load Balancer'; do
	grep -qF -- "$want" text.txt && echo "has: $want"
done
# every line's money, from the stored calculation
c table query latest-calculation est456 >calc.json
$PY - calc.json text.txt <<'PY'
import json, sys
calc = json.loads(open(sys.argv[1]).readline())
text = open(sys.argv[2]).read()
def money(v):
    return "${:,.2f}".format(v)
missing = [l["Id"] for l in calc["Lines"] if money(l["MonthlyCost"]) not in text or money(l["AnnualCost"]) not in text]
print("lines:", len(calc["Lines"]), "all in the text" if not missing else "missing %s" % missing)
pages = text.split("\f")
pages = [p for p in pages if p.strip()]
n = len(pages)
ok = all(("Page %d of %d" % (i + 1, n)) in p and calc["CalculationId"] in p and
         calc["Provenance"]["PricebookSha256"][:12] in p for i, p in enumerate(pages))
print("footer on every page:", ok)
PY
# every page renders
pdftoppm -r 30 -png "$pdf" page 2>pdftoppm.err || exit
[ "$(ls page-*.png | wc -l)" = "$pages" ] && echo "every page renders"
grep -v begincidrange pdftoppm.err
# the same calculation, template and time: the same bytes
cp "$pdf" first.pdf
c docs --at 2026-12-01T06:00:00Z est456 >/dev/null || exit
cmp -s first.pdf "$pdf" && echo "the same bytes again"
# the DOCUMENT items name the files, their size and their SHA-256
c table query documents est456 | $PY -c '
import json, sys, os, hashlib
for line in sys.stdin:
    d = json.loads(line)
    if d.get("GeneratedBy") != "costctl":
        continue
    data = open(d["Path"], "rb").read()
    print(d["DocumentType"], d["FileName"], d["Status"], d["Metadata"]["Template"], d["CalculationId"] == "'"$(jq -r .CalculationId calc.json)"'",
          len(data) == d["FileSize"], hashlib.sha256(data).hexdigest() == d["Sha256"], d["ExpiresAt"])'
# the golden text (make golden refreshes it; review the diff)
echo "---- pdftotext -layout"
cat text.txt
