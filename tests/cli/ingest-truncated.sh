. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
before=$(current_sha)
"$COSTCTL" --state state ingest $(all_offers) "$FIXTURES/bad/truncated.json"
rc=$?
[ "$(current_sha)" = "$before" ] && echo "current pricebook kept"
ls state/pricebooks | grep -c -v '^pb-' # no incoming or temporary files left
exit $rc
