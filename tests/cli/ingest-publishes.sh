# default input is <state>/offers; a new pricebook moves current to previous
mkdir -p state && cp -r "$FIXTURES/offers" state/offers
rm -r state/offers/AmazonEC2
"$COSTCTL" -q --state state ingest || exit
first=$(readlink state/pricebook.current)
cp -r "$FIXTURES/offers/AmazonEC2" state/offers/
sleep 1 # pricebook names carry the second
"$COSTCTL" -q --state state ingest || exit
[ "$(readlink state/pricebook.previous)" = "$first" ] && echo "previous is the first"
[ "$(readlink state/pricebook.current)" != "$first" ] && echo "current is new"
"$COSTCTL" pricebook verify state/pricebook.previous >/dev/null && echo "previous verifies"
