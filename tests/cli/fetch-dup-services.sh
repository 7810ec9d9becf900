# '--services awskms,awskms' started two transfers into one .part and
# exited 75; a service named twice is fetched once.
. "$(dirname "$0")/lib.inc"
"$COSTCTL" --state state fetch --base-url "file://$FIXTURES/pricelist" --services awskms,awskms \
	--regions us-east-1 || exit
find state/offers -name index.json | wc -l
