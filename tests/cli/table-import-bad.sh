# A bad line: named with its number, and nothing of the file imported.
"$COSTCTL" -q --state s table init || exit
{ head -n 2 "$FIXTURES/table/seed.jsonl"; echo '{"PK":"USER#x","SK":42}'; echo 'not json'; tail -n 1 "$FIXTURES/table/seed.jsonl"; } >bad.jsonl
"$COSTCTL" --state s table import bad.jsonl
rc=$?
"$COSTCTL" --state s table export | wc -l
exit $rc
