. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
before=$(current_sha)
"$COSTCTL" --state state ingest "$FIXTURES/bad/malformed.json"
rc=$?
[ "$(current_sha)" = "$before" ] && echo "current pricebook kept"
exit $rc
