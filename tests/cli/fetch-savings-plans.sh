# fetch follows an offer's currentSavingsPlanIndexUrl to AWS's real Savings
# Plans region index (regions an array of {regionCode, versionUrl}, no
# formatVersion) and fetches each wanted region's CSV twin of the versionUrl,
# over file:// and from nginx; ingest reads it from <state>/offers and the
# rates price. The real files are in ../shared/fixtures-real (SOURCES.md).
. "$(dirname "$0")/lib.inc"
real=$SHARED/fixtures-real
[ -f "$real/AWSDatabaseSavingsPlans-region_index-20260422.json" ] ||
	{ echo "no ../shared/fixtures-real: the real Savings Plans files are not here" >&2; exit 77; }
copy_pricelist pl
# the real offer index lists AmazonRDS's Savings Plans URL so; the fixture's gets it the same way
sed -i 's|\("currentRegionIndexUrl" : "/offers/v1.0/aws/AmazonRDS/current/region_index.json"\)|\1,\n      "currentSavingsPlanIndexUrl" : "/savingsPlan/v1.0/aws/AWSDatabaseSavingsPlans/current/region_index.json"|' \
	pl/offers/v1.0/aws/index.json
grep -c currentSavingsPlanIndexUrl pl/offers/v1.0/aws/index.json
sp=pl/savingsPlan/v1.0/aws/AWSDatabaseSavingsPlans
mkdir -p $sp/current $sp/20260422194203/ap-south-2
cp "$real/AWSDatabaseSavingsPlans-region_index-20260422.json" $sp/current/region_index.json
cp "$real/AWSDatabaseSavingsPlans-ap-south-2-20260422194203.csv" $sp/20260422194203/ap-south-2/index.csv
f() { "$COSTCTL" --state "$1" fetch --base-url "$2" --services AmazonRDS --regions ap-south-2 2>&1 | sed "s/^[^ ]* //; s|$PWD|.|g; s/ in [0-9.]* s$/ in N s/"; }
echo "-- file://"
f s1 "file://$PWD/pl"
find s1/offers -type f | sort
jq -r '.files[] | [.offer, .region, .version, .sha256[0:12]] | @tsv' s1/fetch-manifest.json 2>/dev/null ||
	jq -c . s1/fetch-manifest.json | head -c 300
"$COSTCTL" -q --state s1 ingest || exit
"$COSTCTL" price --pricebook s1/pricebook.current --model SAVINGS_PLAN_DATABASE_1YR_NO_UPFRONT AmazonRDS ap-south-2 \
	discountedSku=25B2RB2TJW9VCXZ6 | jq -r '[.price, .key.usagetype] | @tsv'
echo "-- again: unchanged, no request"
f s1 "file://$PWD/pl" | grep -c 'unchanged'
echo "-- nginx"
start_nginx "$PWD/pl"
f s2 "http://127.0.0.1:$NGINX_PORT"
cmp s1/offers/AWSDatabaseSavingsPlans/ap-south-2/index.csv s2/offers/AWSDatabaseSavingsPlans/ap-south-2/index.csv && echo same bytes
grep -o '^200 GET /savingsPlan[^ ]*' nginx/access.log
echo "-- fetch.savings_plans = 0"
printf 'fetch.savings_plans = 0\n' >nosp.conf
"$COSTCTL" --config nosp.conf --state s3 fetch --base-url "file://$PWD/pl" --services AmazonRDS --regions ap-south-2 2>&1 | sed 's/^[^ ]* //'
echo "-- a truncated CSV: not published, the last good copy kept"
head -c 100000 "$real/AWSDatabaseSavingsPlans-ap-south-2-20260422194203.csv" | head -n -1 >$sp/20260422194203/ap-south-2/index.csv
printf '%s' 'DZCHH8H3SPVYZ2Z4,"DZCHH8H3' >>$sp/20260422194203/ap-south-2/index.csv
rm -f s1/fetch-manifest.json
f s1 "file://$PWD/pl"
cmp s2/offers/AWSDatabaseSavingsPlans/ap-south-2/index.csv s1/offers/AWSDatabaseSavingsPlans/ap-south-2/index.csv && echo kept
echo "-- a region index whose regions are not an array"
printf '{ "regions" : { "ap-south-2" : { "versionUrl" : "/x/index.json" } } }' >$sp/current/region_index.json
f s4 "file://$PWD/pl"
echo "-- a CSV whose Version is not the one the region index names"
cp "$real/AWSDatabaseSavingsPlans-region_index-20260422.json" $sp/current/region_index.json
sed 's/^Version,20260422194203$/Version,20260101000000/' "$real/AWSDatabaseSavingsPlans-ap-south-2-20260422194203.csv" \
	>$sp/20260422194203/ap-south-2/index.csv
f s5 "file://$PWD/pl" | grep -v '^warning fetch: 1 offer files'
[ -e s5/offers/AWSDatabaseSavingsPlans/ap-south-2/index.csv ] || echo "not kept"
echo "-- a versionUrl that is not .../index.json"
sed -i 's|20260422194203/ap-south-2/index.json|20260422194203/ap-south-2/index.html|' $sp/current/region_index.json
f s6 "file://$PWD/pl"
echo "-- a currentSavingsPlanIndexUrl outside /savingsPlan/v1.0/aws/"
sed -i 's|"/savingsPlan/v1.0/aws/AWSDatabaseSavingsPlans/current/region_index.json"|"/offers/v1.0/aws/../../x/region_index.json"|' \
	pl/offers/v1.0/aws/index.json
f s7 "file://$PWD/pl"
