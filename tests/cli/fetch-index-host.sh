# A server-given URL may not pick another host, leave a file:// tree, or
# carry the base URL's credentials elsewhere: join_url pasted
# '@127.0.0.2:8766/r.json' onto the base, and that was fetched from 127.0.0.2.
. "$(dirname "$0")/lib.inc"
try() { # try NAME REGION-INDEX-URL
	rm -rf pl state
	copy_pricelist pl
	$PY - "$2" <<'PY'
import json, sys
p = "pl/offers/v1.0/aws/index.json"
d = json.load(open(p))
d["offers"]["AWSShield"]["currentRegionIndexUrl"] = sys.argv[1]
json.dump(d, open(p, "w"))
PY
	"$COSTCTL" --state state fetch --base-url "file://$PWD/pl" --services AWSShield,awskms \
		--regions us-east-1
	echo "$1: $? $(find state/offers -name index.json | wc -l)"
}
try at '@127.0.0.2:8766/r.json'
try scheme-relative '//127.0.0.2:8766/r.json'
try dotdot '/offers/v1.0/aws/AWSShield/current/../../../../../../etc/passwd'
try absolute 'http://127.0.0.2:8766/r.json'
