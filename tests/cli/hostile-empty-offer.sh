# A degenerate offer ({"offerCode":"awskms"}, "products":{}, or every price
# invalid) was published with exit 0 and wiped the service's prices. Where
# the current pricebook has prices from that file, it fails the ingest and
# nothing is published.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
before=$(current_sha)
others=$(all_offers | grep -v '/awskms/')
mkdir -p e/awskms/us-east-1
for body in '{"offerCode":"awskms"}' '{"offerCode":"awskms","version":"1","products":{}}' \
	"$(sed 's/"USD" : "[0-9.]*"/"USD" : "-1"/' "$FIXTURES/offers/awskms/us-east-1/index.json")"; do
	printf '%s' "$body" >e/awskms/us-east-1/index.json
	"$COSTCTL" -q --state state ingest $others e/awskms/us-east-1/index.json
	echo "exit $?"
done
[ "$(current_sha)" = "$before" ] && echo "current pricebook kept"
"$COSTCTL" --state state price awskms us-east-1 | wc -l
