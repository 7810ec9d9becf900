# SIGTERM during an ingest removes its temp files (sorted runs, temp and
# index files) and ends by the signal, so the parent sees how it ended.
. "$(dirname "$0")/lib.inc"
$PY - <<'PY'
import json
prod, terms = {}, {}
for i in range(60000):
    sku = "SKU%013d" % i
    prod[sku] = {"sku": sku, "productFamily": "Compute Instance", "attributes": {
        "servicecode": "AmazonEC2", "regionCode": "us-east-1", "instanceType": "x%d.large" % i,
        "operatingSystem": "Linux", "tenancy": "Shared", "usagetype": "BoxUsage:x%d" % i}}
    terms[sku] = {sku + ".JRTCKXETXF": {"offerTermCode": "JRTCKXETXF", "sku": sku,
        "priceDimensions": {sku + ".JRTCKXETXF.6YS6EN2CT7": {"rateCode": sku + ".JRTCKXETXF.6YS6EN2CT7",
            "unit": "Hrs", "beginRange": "0", "endRange": "Inf", "pricePerUnit": {"USD": "0.1000000000"}}},
        "termAttributes": {}}}
json.dump({"formatVersion": "v1.0", "offerCode": "AmazonEC2", "version": "1", "publicationDate": "x",
           "products": prod, "terms": {"OnDemand": terms}}, open("big.json", "w"), indent=1)
PY
COSTCTL_PRICEBOOK_SORT_MEMORY_MB=1 "$COSTCTL" -q --state state ingest big.json big.json big.json big.json &
pid=$!
for _ in $(seq 500); do
	ls state/pricebooks 2>/dev/null | grep -q 'incoming-' && break
	sleep 0.01
done
kill -TERM $pid
wait $pid
echo "status $?"
ls state/pricebooks | grep -c incoming- || true
