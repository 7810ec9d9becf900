# Documents to S3 (a real S3 server on 127.0.0.1, started here): the
# objects are what was made, the DOCUMENT items name their bucket, key,
# ETag and SHA-256; a presigned URL fetches the PDF without credentials;
# the server answering 500 then 200 is retried; a server that is down is
# exit 75 with nothing recorded. (docs-s3-signature: a wrong secret.)
. "$(dirname "$0")/lib.inc"
docs_setup || exit
start_s3 proposals
c() { "$COSTCTL" -q --state state "$@"; }
export COSTCTL_DOCUMENTS="s3://proposals/costctl/docs?endpoint=http://127.0.0.1:$S3_PORT"
export COSTCTL_DOCUMENTS_S3_RETRIES=3
c docs --url --at 2026-12-01T06:00:00Z est456 >made.tsv || exit
cut -f1,2 made.tsv | grep -v '^url' | sed "s/$S3_PORT/PORT/"
for key in $(awk '$1 != "url" { print $2 }' made.tsv | sed 's|s3://proposals/||'); do
	local_copy=state/documents/est456/$(basename "$key")
	cmp -s "s3data/proposals/$key._S3rver_object" "$local_copy" && echo "object $(basename "$key"): the same bytes as made"
done
c table query documents est456 | jq -r 'select(.GeneratedBy == "costctl") | [.DocumentType, .S3Bucket, .S3Key, .Status] | @tsv'
c table query documents est456 | $PY -c '
import json, sys, hashlib
for line in sys.stdin:
    d = json.loads(line)
    if d.get("GeneratedBy") != "costctl":
        continue
    data = open("s3data/%s/%s._S3rver_object" % (d["S3Bucket"], d["S3Key"]), "rb").read()
    print(d["DocumentType"], "sha256 matches the object:", hashlib.sha256(data).hexdigest() == d["Sha256"],
          "ETag is its MD5:", hashlib.md5(data).hexdigest() == d["ETag"], "size:", len(data) == d["FileSize"])'
# recalc uploads the documents of the estimations whose numbers moved (est501, est601: never priced)
"$COSTCTL" --state state recalc --at 2026-12-01T02:00:00Z 2>recalc.log; echo "recalc: exit $?"
grep -o 'documents: .* failed' recalc.log
(cd s3data/proposals/costctl/docs && find . -name '*._S3rver_object' | sort | sed 's/._S3rver_object$//')
# the presigned URL: no credentials needed
url=$(awk '$1 == "url" { print $2; exit }' made.tsv)
curl -sS -o fetched.pdf -w '%{http_code}\n' "$url"
cmp -s fetched.pdf state/documents/est456/ABC_Corporation_AWS_Proposal_20261201.pdf && echo "presigned GET: the proposal"
case "$url" in *X-Amz-Expires=3600*X-Amz-SignedHeaders=host*X-Amz-Signature=*) echo "presigned: an hour, host signed";; esac
# 500 once, then 200: retried
fault=$(free_port)
$PY "$(dirname "$0")/s3fault.py" "$fault" "127.0.0.1:$S3_PORT" 1 >fault.log 2>&1 &
fpid=$!
trap 'kill $S3_PID $fpid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$fault/" && break; sleep 0.05; done
COSTCTL_DOCUMENTS="s3://proposals/retried?endpoint=http://127.0.0.1:$fault" \
	"$COSTCTL" --state state docs --format pdf --at 2026-12-01T06:00:00Z est456 >r.tsv 2>r.err; echo "500 then 200: exit $?"
grep -o 'warning s3: PUT s3://proposals/retried/est456/[^:]*: InternalError; retry 1 of 3' r.err
grep -c ' 500$' fault.log
[ -s "s3data/proposals/retried/est456/ABC_Corporation_AWS_Proposal_20261201.pdf._S3rver_object" ] && echo "retried: uploaded"
# down: exit 75, nothing recorded as COMPLETED for that bucket
down=$(free_port)
before=$(c table query documents est456 | grep -c '"S3Key":"gone/')
COSTCTL_DOCUMENTS="s3://proposals/gone?endpoint=http://127.0.0.1:$down" COSTCTL_DOCUMENTS_S3_RETRIES=1 \
	"$COSTCTL" --state state docs --at 2026-12-01T06:00:00Z est456 2>down.err; echo "down: exit $?"
sed 's/^[0-9TZ:-]* //' down.err | grep '^error' | sed "s/$down/PORT/; s/after [0-9]* ms/after N ms/"
echo "DOCUMENT items for it: $before -> $(c table query documents est456 | grep -c '"S3Key":"gone/')"
