# A missing price (the Macie fixture is for us-east-1 only): the calculation is PARTIAL, written, and the exit is 3.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init || exit
printf '%s\n' '{"PK":"ESTIMATION#p1","SK":"METADATA","EstimationId":"p1","Status":"ACTIVE","ClientInfo":{"RegionPreference":["us-east-2"]}}' \
	'{"PK":"ESTIMATION#p1","SK":"REQUIREMENTS","SecurityRequirements":{"Macie":true}}' >p1.jsonl
c table import p1.jsonl || exit
"$COSTCTL" --state state rebuild --at 2026-12-01T02:00:00Z p1 >/dev/null
rc=$?
c table query latest-calculation p1 | grep -c '"Status":"PARTIAL"'
exit $rc
