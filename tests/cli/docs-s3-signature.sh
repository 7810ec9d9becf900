# A wrong secret is refused by an S3 server that checks SigV4 signatures
# (the @20minutes fork of s3rver, on Node >= 20), and nothing is recorded.
# s3rver 3.7.1, which CI's Debian Node 18 runs, accepts any signature:
# there the test is skipped, saying so.
. "$(dirname "$0")/lib.inc"
docs_setup || exit
start_s3 proposals
[ "$S3_CHECKS_SIGNATURES" = 1 ] || { echo "this S3 test server (s3rver 3.7.1, Node < 20) does not check signatures" >&2; exit 77; }
export COSTCTL_DOCUMENTS="s3://proposals/signed?endpoint=http://127.0.0.1:$S3_PORT"
AWS_SECRET_ACCESS_KEY=wrong "$COSTCTL" --state state docs --format pdf --at 2026-12-01T06:00:00Z est456 2>bad.err
echo "wrong secret: exit $?"
grep -o 'PUT answered 403 SignatureDoesNotMatch' bad.err
"$COSTCTL" -q --state state table query documents est456 | grep -c '"S3Key":"signed/' || true
"$COSTCTL" -q --state state docs --format pdf --at 2026-12-01T06:00:00Z est456 >ok.tsv; echo "right secret: exit $?"
# a presigned URL: this server checks its signature too, so the good one
# fetching and a tampered one failing proves the query signing
"$COSTCTL" -q --state state docs --url --format pdf --at 2026-12-01T06:00:00Z est456 >u.tsv || exit
url=$(awk '$1 == "url" { print $2 }' u.tsv)
echo "presigned: $(curl -s -o /dev/null -w '%{http_code}' "$url")"
# (the first hex digit changed for certain: 0 becomes 1, anything else 0;
# the signature covers the time, so one run in sixteen starts with a 0)
bad=$(echo "$url" | sed 's/X-Amz-Signature=0/X-Amz-Signature=1/; t; s/X-Amz-Signature=./X-Amz-Signature=0/')
echo "tampered: $(curl -s -o /dev/null -w '%{http_code}' "$bad")"
echo "another key: $(curl -s -o /dev/null -w '%{http_code}' "$(echo "$url" | sed 's/Proposal_/Proposal-/')")"
