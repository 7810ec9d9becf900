# costctl diff: yesterday's pricebook against today's, made from the
# fixtures and a copy with four edits: t3.xlarge Linux on demand up from
# 0.1664 to 0.18 (+8.17%: 0.0136 / 0.1664 = 0.0817307..., two decimals), S3
# Standard's first tier boundary moved from 51200 to 61440 GB (prices
# unchanged: a change, not a remove and an add), an S3 SKU retired
# (3KJM5B4RGZ2BBYXL) and a new one added. Every format says the same.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
mkdir -p new && cp -r "$FIXTURES/offers/." new/
sed -i 's/"0.1664000000"/"0.1800000000"/' new/AmazonEC2/us-east-1/index.json
$PY - new/AmazonS3/us-east-1/index.json <<'PY'
import json, sys, copy
p = sys.argv[1]
d = json.load(open(p))
od = d["terms"]["OnDemand"]
for dims in od["PUGFKSTBUQ9JPQZ2"].values():
    for dim in dims["priceDimensions"].values():
        if dim["endRange"] == "51200":
            dim["endRange"] = "61440"
        if dim["beginRange"] == "51200":
            dim["beginRange"] = "61440"
del d["products"]["3KJM5B4RGZ2BBYXL"]
del od["3KJM5B4RGZ2BBYXL"]
new = copy.deepcopy(d["products"]["A4C5YLX7RAUVB36P"])
new["sku"] = "NEWSKU0000000001"
new["attributes"]["volumeType"] = "Added For The Test"
d["products"]["NEWSKU0000000001"] = new
t = copy.deepcopy(od["A4C5YLX7RAUVB36P"])
od["NEWSKU0000000001"] = {k.replace("A4C5YLX7RAUVB36P", "NEWSKU0000000001"): v for k, v in t.items()}
for term in od["NEWSKU0000000001"].values():
    term["sku"] = "NEWSKU0000000001"
    term["priceDimensions"] = {k.replace("A4C5YLX7RAUVB36P", "NEWSKU0000000001"):
                               dict(v, rateCode=v["rateCode"].replace("A4C5YLX7RAUVB36P", "NEWSKU0000000001"))
                               for k, v in term["priceDimensions"].items()}
json.dump(d, open(p, "w"), indent=2)
PY
"$COSTCTL" -q --state state ingest $(find new -name index.json | sort) || exit
"$COSTCTL" --state state diff 2>log || exit
grep -o 'info diff: .*' log
echo "---- json"
"$COSTCTL" -q --state state diff --format json
echo "---- csv"
"$COSTCTL" -q --state state diff --format csv
# an explicit pair, the other way round: adds and removes swap
"$COSTCTL" --state state diff "$(readlink -f state/pricebook.current)" "$(readlink -f state/pricebook.previous)" 2>rev.log >/dev/null || exit
grep -o '[0-9]* prices changed.*' rev.log
