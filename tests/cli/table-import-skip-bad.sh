"$COSTCTL" -q --state s table init || exit
{ head -n 2 "$FIXTURES/table/seed.jsonl"; echo '{"PK":"USER#x","SK":42}'; } >bad.jsonl
"$COSTCTL" --state s table import --skip-bad bad.jsonl || exit
"$COSTCTL" --state s table export | wc -l
