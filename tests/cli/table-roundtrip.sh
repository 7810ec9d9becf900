# import, export, import the export elsewhere, export again: lossless.
"$COSTCTL" -q --state a table init || exit
"$COSTCTL" -q --state a table import "$FIXTURES/table/seed.jsonl" || exit
"$COSTCTL" --state a table export >one.jsonl || exit
"$COSTCTL" -q --store sqlite:b/other.db table init || exit
"$COSTCTL" -q --store sqlite:b/other.db table import one.jsonl || exit
"$COSTCTL" --store sqlite:b/other.db table export >two.jsonl || exit
cmp one.jsonl two.jsonl && echo "lossless"
wc -l <one.jsonl # 19 seed items less the one whose TTL passed
grep -c '"TotalMonthlyCost":8500.00' one.jsonl # numbers keep their text
