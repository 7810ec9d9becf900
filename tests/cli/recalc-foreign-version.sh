# Another client may write Version as a string or a fraction (issue 15 keeps
# any type). Only a whole-number Version locks, so the summary is written as
# on an unversioned item, at Version 1, and the estimation is not failed.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init || exit
for v in '"7"' 2.5; do
	id=v$(printf '%s' "$v" | tr -dc 0-9)
	printf '{"PK":"ESTIMATION#%s","SK":"METADATA","GSI2PK":"STATUS#ACTIVE","GSI2SK":"ESTIMATION#%s","EstimationId":"%s","Status":"ACTIVE","Version":%s}\n' "$id" "$id" "$id" "$v"
	printf '{"PK":"ESTIMATION#%s","SK":"REQUIREMENTS","ComputeRequirements":[{"SuggestedInstanceType":"m5.large"}]}\n' "$id"
done >in.jsonl
c table import in.jsonl || exit
c recalc --at 2026-12-01T02:00:00Z
echo "exit $?"
# m5.large on demand: 730 h x 0.096 = 70.08; Business Support+ max(29, 9% x
# 70.08 = 6.31) = 29.00; buffer 10% x (70.08 + 29.00) = 9.908 -> 9.91;
# 70.08 + 29.00 + 9.91 = 108.99 a month
for id in v7 v25; do
	c table get "ESTIMATION#$id" METADATA | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
print(sys.argv[1], "Version", d["Version"], "TotalMonthlyCost", d["EstimationSummary"]["TotalMonthlyCost"])' "$id"
done
