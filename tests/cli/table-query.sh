# Access patterns by name; pages with --limit and --cursor, or --all.
"$COSTCTL" -q --state s table init && "$COSTCTL" -q --state s table import "$FIXTURES/table/seed.jsonl" || exit
"$COSTCTL" --state s table query estimations-by-user user123 | sed 's/.*"EstimationId":"\([a-z0-9]*\)".*/\1/'
"$COSTCTL" --state s table query --limit 2 estimations-by-user user123 2>err | wc -l
cursor=$(sed -n "s/^costctl: more: --cursor '\(.*\)'$/\1/p" err)
"$COSTCTL" --state s table query --limit 2 --cursor "$cursor" estimations-by-user user123 2>err2 | sed 's/.*"EstimationId":"\([a-z0-9]*\)".*/\1/'
[ ! -s err2 ] && echo "last page"
"$COSTCTL" --state s table query --limit 1 --all active-estimations | wc -l
"$COSTCTL" --state s table get USER#user123 PROFILE | grep -o '"FirstName":"John"'
"$COSTCTL" --state s table query latest-calculation est456 | grep -o '"CalculationId":"calc790"'
