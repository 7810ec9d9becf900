# A document larger than the part size goes up as a multipart upload: the
# object is the file, byte for byte, in 3 parts (the server's log shows
# them), and its ETag is checked by the client: S3's multipart form (md5 of
# the parts' md5s, then -N) or, as s3rver gives, the whole object's MD5. (The tool is the
# documents' own upload, pipeline/docs/s3.c; no estimation makes a 12 MiB PDF.)
. "$(dirname "$0")/lib.inc"
tool=$(dirname "$COSTCTL")/tests/tools/s3_put
start_s3 proposals
head -c 12582912 /dev/urandom >big.bin
# through the proxy (no faults), whose log shows the requests
proxy=$(free_port)
$PY "$(dirname "$0")/s3fault.py" "$proxy" "127.0.0.1:$S3_PORT" 0 >proxy.log 2>&1 &
ppid=$!
trap 'kill $S3_PID $ppid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$proxy/" && break; sleep 0.05; done
url="s3://proposals/mp?endpoint=http://127.0.0.1:$proxy"
etag=$("$tool" "$url" mp/big.bin big.bin 5) || exit
$PY - big.bin "$etag" <<'PY'
import hashlib, sys
data = open(sys.argv[1], "rb").read()
parts = [data[i:i + 5 << 20] for i in range(0, len(data), 5 << 20)]
s3form = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-%d" % len(parts)
print("parts:", len(parts), "ETag checked:", sys.argv[2] in (s3form, hashlib.md5(data).hexdigest()))
PY
cmp -s big.bin s3data/proposals/mp/big.bin._S3rver_object && echo "the object is the file"
sed -n 's|^\([A-Z]*\) /proposals/mp/big.bin?\([a-zA-Z]*\)=[^ ]* \([0-9]*\)$|\1 \2 \3|p' proxy.log
# the same file under the part size: one PUT, its ETag the MD5
etag=$("$tool" "$url" mp/one.bin big.bin 16) || exit
[ "$etag" = "$(md5sum big.bin | cut -d' ' -f1)" ] && echo "one PUT: ETag is the MD5"
