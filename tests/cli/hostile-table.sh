# Table items from outside: deep nesting (an empty reason before), NULs that
# collapsed two keys into one, a duplicate "PK", and bad --limit values.
. "$(dirname "$0")/lib.inc"
"$COSTCTL" -q --state state table init || exit
$PY -c 'print("{\"PK\":\"a\",\"SK\":\"b\",\"x\":" + "[" * 200 + "]" * 200 + "}")' >deep.jsonl
"$COSTCTL" --state state table import deep.jsonl; echo "deep: $?"
printf '%s\n' '{"PK":"a\u0000x","SK":"s"}' '{"PK":"a\u0000y","SK":"s"}' >nul.jsonl
"$COSTCTL" --state state table import nul.jsonl; echo "nul: $?"
printf '%s\n' '{"PK":"a","SK":"s","PK":"b"}' >dup.jsonl
"$COSTCTL" --state state table import dup.jsonl; echo "dup: $?"
printf '{"PK":"ok","SK":"s","v":"\xc0\xaf"}\n' >utf8.jsonl
"$COSTCTL" --state state table import utf8.jsonl; echo "utf8: $?"
for l in -1 0 abc; do
	"$COSTCTL" --state state table query --limit "$l" active-estimations; echo "limit $l: $?"
done
echo "items: $("$COSTCTL" --state state table export | wc -l)"
