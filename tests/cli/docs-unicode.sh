# Text is UTF-8 in the data: accents, "€", "≥" and Greek render (DejaVu has
# them); a character the font lacks (CJK) is drawn as the font's visible
# box, never dropped with the text around it; a byte that is not UTF-8 is
# U+FFFD; a 200-character project name wraps onto several lines. The file
# name is the client's, folded to ASCII.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init || exit
long=$($PY -c 'print(" ".join(["Plateforme de données régionale"] * 7)[:200])')
$PY - "$long" >u.jsonl <<'PY'
import json, sys
meta = {"PK": "ESTIMATION#u1", "SK": "METADATA", "EntityType": "Estimation", "EstimationId": "u1",
        "UserId": "nobody", "ProjectName": sys.argv[1], "Status": "ACTIVE", "Version": 1,
        "Description": "Budget ≥ 10 000 € par mois — Ωmega phase, 東京 office",
        "ClientInfo": {"CompanyName": "Société Générale d'Électricité Zürich", "RegionPreference": ["us-east-1"]}}
req = {"PK": "ESTIMATION#u1", "SK": "REQUIREMENTS", "EntityType": "EstimationRequirements", "EstimationId": "u1",
       "ComputeRequirements": [{"ServerName": "Serveur café", "SuggestedInstanceType": "t3.xlarge", "OS": "Linux"}]}
print(json.dumps(meta, ensure_ascii=False))
print(json.dumps(req, ensure_ascii=False))
PY
c table import u.jsonl && c rebuild --at 2026-12-01T02:00:00Z u1 >/dev/null || exit
c docs --format pdf --at 2026-12-01T06:00:00Z u1 >made.tsv || exit
pdf=$(cut -f2 made.tsv)
basename "$pdf"
pdftext "$pdf" t.txt || exit
for want in "Société Générale d'Électricité Zürich" "≥ 10 000 € par mois" "Ωmega phase" "Serveur café"; do
	grep -qF -- "$want" t.txt && echo "has: $want"
done
# the CJK characters are boxes in DejaVu, but the words after them are there
grep -qF -- "office" t.txt && echo "the text after the CJK characters is there"
# the 200-character name: every word on the cover, over more than one line
$PY - "$long" t.txt <<'PY'
import sys
name, text = sys.argv[1], open(sys.argv[2]).read().split("\f")[0]
lines = [l.strip() for l in text.splitlines() if l.strip() and l.strip() in name]
print("the project name wraps onto", len(lines), "lines" if len(lines) > 1 else "line",
      "and reads whole:", " ".join(lines) == name)
PY
