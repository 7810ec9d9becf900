. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
cp state/pricebook.current bad.cpb
truncate -s -100 bad.cpb
"$COSTCTL" pricebook info bad.cpb
