# Names and values past what a message or a line keeps are cut between
# UTF-8 characters: an estimation whose OS is 100 euro signs fails with a
# whole-character message and its failure is in the audit log (a message
# cut mid-character made the audit item invalid UTF-8, and it was lost);
# one whose ServerName, Notes and ProjectName are that long is priced and
# written. Every line of the log is valid UTF-8.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init || exit
long=$(python3 -c 'print("a" + "\u20ac" * 100)')
printf '%s\n' \
	"{\"PK\":\"ESTIMATION#u1\",\"SK\":\"METADATA\",\"GSI2PK\":\"STATUS#ACTIVE\",\"GSI2SK\":\"ESTIMATION#u1\",\"EstimationId\":\"u1\",\"Status\":\"ACTIVE\",\"ProjectName\":\"$long\"}" \
	"{\"PK\":\"ESTIMATION#u1\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"ServerName\":\"$long\",\"Notes\":\"$long\"}]}" \
	"{\"PK\":\"ESTIMATION#u2\",\"SK\":\"METADATA\",\"GSI2PK\":\"STATUS#ACTIVE\",\"GSI2SK\":\"ESTIMATION#u2\",\"EstimationId\":\"u2\",\"Status\":\"ACTIVE\"}" \
	"{\"PK\":\"ESTIMATION#u2\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"$long\"}]}" >u.jsonl
c table import u.jsonl || exit
"$COSTCTL" --state state recalc --no-docs --at 2026-12-01T02:00:00Z 2>log
echo "exit $?"
cat log >&2
iconv -f UTF-8 -t UTF-8 log >/dev/null && echo "log: valid UTF-8"
grep -o '[0-9]* estimations: [0-9]* written, [0-9]* unchanged, [0-9]* partial, [0-9]* failed' log
# the message keeps 60 bytes of the value: "a" and 19 whole euro signs (1 + 19 x 3 = 58)
grep -c "OS 'a\(€\)\{19\}' is not one of" log
c table query audit-by-user costctl 2026-12-01 2026-12-02 >audit.jsonl
grep -c ESTIMATION_RECALCULATION_FAILED audit.jsonl
grep -c '"ResourceId":"u1"' audit.jsonl
