# A cut-short offer index (retried: a mirror mid-update), then one that is
# JSON but not an offer index, then a region index without regions.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
idx=pl/offers/v1.0/aws/index.json
cp $idx full.json
head -c 500 full.json >$idx
COSTCTL_FETCH_RETRIES=1 "$COSTCTL" --state state fetch --base-url "file://$PWD/pl" 2>err1
echo "truncated index: $?"
grep -o "is not complete JSON after 2 attempts" err1
printf '{"formatVersion":"v1.0","regions":{}}\n' >$idx
"$COSTCTL" --state state fetch --base-url "file://$PWD/pl" 2>err2
echo "not an offer index: $?"
grep -o "has no offers: not an offer index" err2
cp full.json $idx
printf '{"formatVersion":"v1.0","regions":[]}\n' >pl/offers/v1.0/aws/AWSShield/current/region_index.json
"$COSTCTL" --state state fetch --base-url "file://$PWD/pl" --services AWSShield,awskms 2>err3
echo "no regions: $?"
grep -o "error fetch: AWSShield: the region index has no regions" err3 | head -1
find state/offers -name index.json | wc -l # awskms still fetched
