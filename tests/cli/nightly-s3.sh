# The two demo nights with documents going to a real S3 server on
# 127.0.0.1 (s3rver, started here): night 2 uploads the proposal and the
# workbook of each estimation whose numbers moved (est456: +48.52, see
# nightly-two-nights.sh), each object the bytes recorded in its DOCUMENT
# item, and the report counts them.
. "$(dirname "$0")/lib.inc"
start_s3 proposals
c() { "$COSTCTL" -q --state state "$@"; }
copy_pricelist pl
export COSTCTL_FETCH_BASE_URL=file://$PWD/pl
export COSTCTL_DOCUMENTS="s3://proposals/nightly?endpoint=http://127.0.0.1:$S3_PORT"
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
c nightly --at 2026-12-01T02:00:00Z; echo "night 1: exit $?"
cp -r "$FIXTURES/pricelist-night2/." pl/
c nightly --at 2026-12-02T02:00:00Z; echo "night 2: exit $?"
sed -n '/^- estimations/p' state/reports/2026-12-02/summary.md
c table query documents est456 | jq -r 'select(.GeneratedAt == "2026-12-02T02:00:00Z") | [.DocumentType, .S3Bucket, .Status] | @tsv' | sort
c table query documents est456 | $PY -c '
import json, sys, hashlib
for line in sys.stdin:
    d = json.loads(line)
    if d.get("GeneratedAt") != "2026-12-02T02:00:00Z":
        continue
    data = open("s3data/%s/%s._S3rver_object" % (d["S3Bucket"], d["S3Key"]), "rb").read()
    print(d["DocumentType"], "the object is the recorded bytes:", hashlib.sha256(data).hexdigest() == d["Sha256"])' | sort
