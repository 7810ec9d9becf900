# Templates decide what is drawn: the one-page summary is one page; a
# section switched off is not there; a branding's missing logo is a
# warning and the proposal is still made. A bad template or name is an
# error naming the file and line; no calculation yet says what to run.
. "$(dirname "$0")/lib.inc"
docs_setup || exit
c() { "$COSTCTL" -q --state state "$@"; }
top=$(cd "$(dirname "$0")/../.." && pwd)
cp -r "$top/templates" tpl
export COSTCTL_DOCUMENTS_TEMPLATES=$PWD/tpl
c docs --template summary --format pdf --at 2026-12-01T06:00:00Z est456 >s.tsv || exit
pdfinfo "$(cut -f2 s.tsv)" 2>/dev/null | grep '^Pages:'
pdftext "$(cut -f2 s.tsv)" s.txt
grep -c 'Cost breakdown by line' s.txt
grep -qF '$2,935.85' s.txt && echo "summary: has the total"
# a section switched off
sed 's/^section.architecture_diagram = yes/section.architecture_diagram = no/' tpl/standard_proposal.tmpl >tpl/no_diagram.tmpl
c docs --template no_diagram --format pdf --at 2026-12-01T06:00:00Z est456 >n.tsv || exit
pdftext "$(cut -f2 n.tsv)" n.txt
grep -c '^Architecture' n.txt
c table query documents est456 | jq -r 'select(.Metadata.Template == "no_diagram") | .Metadata.IncludeArchitectureDiagram'
# a logo that is not there (a later `logo =` line wins): a warning, and the proposal anyway
echo 'logo = logos/missing.png' >>tpl/branding/sagesoft.conf
"$COSTCTL" --state state docs --format pdf --at 2026-12-01T06:00:00Z est456 >l.tsv 2>l.err; echo "exit $?"
grep -o 'warning docs: branding .sagesoft.: the logo .*' l.err | sed "s|$PWD/||"
[ -s "$(cut -f2 l.tsv)" ] && echo "made without the logo"
pdfimages -list "$(cut -f2 l.tsv)" 2>/dev/null | awk 'NR > 2' | wc -l
# a logo that is there: a PNG drawn on the cover
$PY - tpl/branding/logo.png <<'PY'
import struct, sys, zlib
w, h = 40, 20
raw = b"".join(b"\0" + bytes([255, 153, 0]) * w for _ in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                              chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
echo 'logo = logo.png' >>tpl/branding/sagesoft.conf
"$COSTCTL" --state state docs --format pdf --at 2026-12-01T06:00:00Z est456 >g.tsv 2>g.err || exit
grep -c warning g.err
pdfimages -list "$(cut -f2 g.tsv)" 2>/dev/null | awk 'NR > 2 { print "image on page", $1 ":", $4 "x" $5, $6 }'
# bad templates: the file and line
printf 'description = x\nsection.cover = maybe\n' >tpl/bad.tmpl
c docs --template bad est456 2>&1 | sed "s|$PWD/||; s/^[0-9TZ:-]* //"; echo "exit ${PIPESTATUS[0]}"
printf 'description = x\n\n# a comment\ncolour.primary = #fff\n' >tpl/bad2.tmpl
c docs --template bad2 est456 2>&1 | sed "s|$PWD/||; s/^[0-9TZ:-]* //"; echo "exit ${PIPESTATUS[0]}"
c docs --template ../../etc/passwd est456 2>&1 | sed 's/^[0-9TZ:-]* //'; echo "exit ${PIPESTATUS[0]}"
c docs --template nosuch est456 2>&1 | sed "s|$PWD/||; s/^[0-9TZ:-]* //"; echo "exit ${PIPESTATUS[0]}"
# an estimation with no calculation yet, and one that does not exist
c docs est501 2>&1 | sed 's/^[0-9TZ:-]* //'; echo "exit ${PIPESTATUS[0]}"
c docs nosuch 2>&1 | sed 's/^[0-9TZ:-]* //'; echo "exit ${PIPESTATUS[0]}"
c docs ../../x 2>&1 | sed 's/^[0-9TZ:-]* //'; echo "exit ${PIPESTATUS[0]}"
ls state/documents
