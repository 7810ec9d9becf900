# recalc --pricebook: a worker with a state of its own (as an AWS Batch
# child: cron/aws/recalc-batch.yaml) prices against the night's pricebook
# read from another state, and writes to the shared table. est456 is
# 2935.85 (worked out by hand in tests/unit/check_calc.c).
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
"$COSTCTL" -q --state state table init && "$COSTCTL" -q --state state table import "$FIXTURES/table/seed.jsonl" || exit
w() { "$COSTCTL" -q --state worker --store "sqlite:$PWD/state/costplatform.db" "$@"; }
w recalc --no-docs --at 2026-12-01T02:00:00Z 2>&1 | sed 's/^[^ ]* //'; echo "without a pricebook of its own: exit ${PIPESTATUS[0]}"
w recalc --no-docs --shard 0/1 --pricebook state/pricebook.current --at 2026-12-01T02:00:00Z; echo "with --pricebook: exit $?"
"$COSTCTL" -q --state state table get ESTIMATION#est456 METADATA | jq -r '.EstimationSummary.TotalMonthlyCost'
[ -e worker/pricebook.current ] || echo "the worker's state holds no pricebook"
