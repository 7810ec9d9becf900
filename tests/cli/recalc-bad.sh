# A nonsense estimation fails alone, named with its field; the others are
# priced and written; the exit is 3.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
printf '%s\n' '{"PK":"ESTIMATION#est9","SK":"METADATA","GSI2PK":"STATUS#ACTIVE","GSI2SK":"ESTIMATION#est9","EstimationId":"est9","Status":"ACTIVE"}' \
	'{"PK":"ESTIMATION#est9","SK":"REQUIREMENTS","ComputeRequirements":[{"SuggestedInstanceType":"m5.large"},{"MinInstances":5,"MaxInstances":2,"SuggestedInstanceType":"m5.large"}]}' >bad.jsonl
c table import bad.jsonl || exit
"$COSTCTL" --state state recalc --at 2026-12-01T02:00:00Z 2>log
rc=$?
cat log >&2
grep -o '[0-9]* estimations: [0-9]* written, [0-9]* unchanged, [0-9]* partial, [0-9]* failed' log
c table query audit-by-user costctl 2026-12-01 2026-12-02 | grep -c ESTIMATION_RECALCULATION_FAILED
exit $rc
