# An 8 MB .gz yielded 8 GiB of input: the bound counts decompressed bytes
# (ingest.max_file_mb), so a small file cannot make ingest read without end.
. "$(dirname "$0")/lib.inc"
$PY -c '
import gzip, sys
body = b"{\"offerCode\":\"awskms\",\"x\":[" + b"1," * (3 << 20) + b"1]}"
sys.stdout.buffer.write(gzip.compress(body, 9))' >bomb.json.gz
echo "compressed: $(($(stat -c %s bomb.json.gz) < 100000))"
COSTCTL_INGEST_MAX_FILE_MB=2 "$COSTCTL" --state state ingest bomb.json.gz
echo "ingest: $?"
ls state/pricebooks 2>/dev/null | wc -l
