# An offer with no products and no terms is valid: an empty pricebook.
printf '{\n  "formatVersion" : "v1.0",\n  "offerCode" : "AWSShield",\n  "version" : "20261107100000",\n  "publicationDate" : "2026-11-07T10:00:00Z",\n  "products" : { },\n  "terms" : {\n    "OnDemand" : { }\n  }\n}\n' > empty.json
"$COSTCTL" -q --state state ingest empty.json || exit
"$COSTCTL" pricebook verify state/pricebook.current
"$COSTCTL" --state state price --dump | wc -l
