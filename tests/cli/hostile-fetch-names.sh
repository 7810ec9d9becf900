# Codes from the configuration become path components: '../..' wrote
# index.json outside <state>/offers.
. "$(dirname "$0")/lib.inc"
"$COSTCTL" --state state fetch --base-url "file://$FIXTURES/pricelist" --services AWSShield \
	--regions '../../../../x'; echo "region: $?"
"$COSTCTL" --state state fetch --base-url "file://$FIXTURES/pricelist" --services 'a/b'; echo "service: $?"
"$COSTCTL" --state state fetch --base-url "ftp://example.invalid/" --services AWSShield; echo "scheme: $?"
find . -name index.json | wc -l
