# yajl re-scans a token that spans chunks on every chunk: a 100 MB string
# took 11.9 s to ingest and 47.5 s to validate in fetch, a 1 GiB one over
# 20 minutes. The longest token is bounded (ingest.max_token_kb, 1 MiB):
# refused with the file and offset, after reading about 1.25 MiB of it.
. "$(dirname "$0")/lib.inc"
$PY -c '
import sys
sys.stdout.write("{\"formatVersion\":\"v1.0\",\"offerCode\":\"awskms\",\"x\":\"" + "a" * (8 << 20) + "\"}")' >long.json
"$COSTCTL" --state state ingest long.json; echo "ingest: $?"
gzip -1 -c long.json >long.json.gz
"$COSTCTL" --state state ingest long.json.gz; echo "gzip: $?"
# fetch validates a downloaded file the same way
copy_pricelist pl
cp long.json pl/offers/v1.0/aws/awskms/20261107100000/us-east-1/index.json
"$COSTCTL" --state state fetch --base-url "file://$PWD/pl" --services awskms --regions us-east-1
echo "fetch: $?"
