. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
first=$(readlink state/pricebook.current)
"$COSTCTL" --state state ingest $(all_offers) || exit
[ "$(readlink state/pricebook.current)" = "$first" ] && echo "same pricebook"
ls state/pricebooks | wc -l
