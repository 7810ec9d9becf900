# A 200 with a truncated body, again and again: yesterday's copy stays.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
start_faults "$PWD/pl"
base="http://127.0.0.1:$FAULT_PORT"
"$COSTCTL" -q --state state fetch --base-url "$base/ok" --services AWSShield --regions us-east-1 || exit
before=$(sha256sum state/offers/AWSShield/us-east-1/index.json)
rm state/fetch-manifest.json # forget it: the next run must ask again
"$COSTCTL" --state state fetch --base-url "$base/truncjson" --services AWSShield --regions us-east-1
rc=$?
[ "$(sha256sum state/offers/AWSShield/us-east-1/index.json)" = "$before" ] && echo "yesterday's copy kept"
ls -A state/offers/AWSShield/us-east-1
exit $rc
