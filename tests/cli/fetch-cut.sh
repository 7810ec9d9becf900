. "$(dirname "$0")/lib.inc"
copy_pricelist pl
start_faults "$PWD/pl"
"$COSTCTL" --state state fetch --base-url "http://127.0.0.1:$FAULT_PORT/cutonce" --services AWSShield,awskms --regions us-east-1
rc=$?
[ -z "$(all_complete state)" ] && echo "only complete files"
find state/offers -name index.json | wc -l
exit $rc
