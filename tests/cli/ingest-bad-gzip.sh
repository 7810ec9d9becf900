# gzip that is damaged, not just cut short: named, the current pricebook kept.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
before=$(current_sha)
gzip -c "$FIXTURES/offers/AWSELB/us-east-1/index.json" >elb.json.gz
size=$(stat -c %s elb.json.gz)
printf 'XXXXXXXXXXXXXXXX' | dd of=elb.json.gz bs=1 seek=$((size / 2)) conv=notrunc status=none
"$COSTCTL" --state state ingest elb.json.gz
rc=$?
[ "$(current_sha)" = "$before" ] && echo "current pricebook kept"
exit $rc
