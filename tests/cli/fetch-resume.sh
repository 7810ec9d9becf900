# An interrupted download continues where it stopped (Range + If-Range).
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
# a bigger EC2 file for us-west-2 (~6 MB), served at 4 MB/s
big=pl/offers/v1.0/aws/AmazonEC2/20261115143012/us-west-2/index.json
mkdir -p "$(dirname "$big")"
$PY - "$PWD/pl/offers/v1.0/aws/AmazonEC2/20261115143012/us-east-1/index.json" "$big" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
prods, od = d["products"], d["terms"]["OnDemand"]
for i in range(100):
    for sku, p in list(prods.items())[:40]:
        n = f"{sku[:10]}{i:06d}"
        q = json.loads(json.dumps(p)); q["sku"] = n; q["attributes"]["regionCode"] = "us-west-2"
        q["attributes"]["usagetype"] = q["attributes"].get("usagetype", "") + f"-{i}"
        prods[n] = q
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
sed -i 's|"regions" : {|"regions" : {\n    "us-west-2" : { "regionCode" : "us-west-2", "currentVersionUrl" : "/offers/v1.0/aws/AmazonEC2/20261115143012/us-west-2/index.json" },|' \
	pl/offers/v1.0/aws/AmazonEC2/current/region_index.json
# identity: nginx makes the ETag of a gzipped response weak, and a weak
# ETag cannot validate If-Range, so a gzipped download restarts instead
NGINX_GZIP=off start_nginx "$PWD/pl" "limit_rate 4m;"
base="http://127.0.0.1:$NGINX_PORT"
"$COSTCTL" -q --state state fetch --base-url "$base" --services AmazonEC2 --regions us-west-2 &
pid=$!
part=state/offers/AmazonEC2/us-west-2/.index.json.part
for _ in $(seq 100); do [ -s "$part" ] && [ "$(stat -c %s "$part")" -gt 1000000 ] && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
[ -s "$part" ] && echo "partial file kept"
[ ! -e state/offers/AmazonEC2/us-west-2/index.json ] && echo "nothing where ingest looks"
"$COSTCTL" --state state fetch --base-url "$base" --services AmazonEC2 --regions us-west-2 2>log || exit
grep -o 'us-west-2: version 20261115143012, [0-9]* bytes (resumed)' log | sed 's/[0-9]* bytes/N bytes/'
grep -c '^206 GET /offers/v1.0/aws/AmazonEC2/20261115143012/us-west-2/index.json' nginx/access.log
cmp "$big" state/offers/AmazonEC2/us-west-2/index.json && echo "identical"
ls -A state/offers/AmazonEC2/us-west-2
