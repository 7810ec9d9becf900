# rebuild writes a CALCULATION, updates the estimation's summary with the
# optimistic lock (Version + 1) and audits it; the same inputs again write
# nothing; --force writes again; an unknown estimation is exit 2.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
c rebuild --at 2026-12-01T02:00:00Z est456 >table.txt || exit
grep -c "^          Total  " table.txt
c table query latest-calculation est456 | $PY -c '
import json, sys
i = json.loads(sys.stdin.readline())
print(i["SK"], i["TotalMonthlyCost"], i["Status"], i["DetailedCosts"]["Compute"]["TotalCompute"])'
c table get ESTIMATION#est456 METADATA | $PY -c '
import json, sys
i = json.loads(sys.stdin.readline())
s = i["EstimationSummary"]
print("summary", s["TotalMonthlyCost"], s["LastCalculatedAt"], s["CostBreakdown"]["Database"], "version", i["Version"])'
c table query audit-by-user costctl 2026-12-01 2026-12-02 | grep -c ESTIMATION_RECALCULATED
# the same inputs: nothing written
"$COSTCTL" --state state rebuild --at 2026-12-01T03:00:00Z est456 >/dev/null 2>err.txt || exit
grep -c "unchanged since the latest calculation" err.txt
c table query calculations est456 | wc -l
c rebuild --force --at 2026-12-01T04:00:00Z est456 >/dev/null || exit
c table query calculations est456 | wc -l
c rebuild --dry-run --format json --at 2026-12-01T05:00:00Z est456 | $PY -c '
import json, sys
i = json.loads(sys.stdin.readline())
print("dry-run", i["TotalMonthlyCost"], len(i["Lines"]), i["Provenance"]["PricebookSha256"] != "")'
c table query calculations est456 | wc -l
c rebuild nosuch
echo "unknown: $?"
