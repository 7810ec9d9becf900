# explain: each line from requirement to cost, checkable with 'costctl price'.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
"$COSTCTL" -q --state state table init && "$COSTCTL" -q --state state table import "$FIXTURES/table/seed.jsonl" || exit
"$COSTCTL" --state state explain est456 3 | tail -n +3
"$COSTCTL" --state state explain est456 | grep -c '^line '
"$COSTCTL" --state state explain est456 99 >/dev/null
echo "no such line: $?"
