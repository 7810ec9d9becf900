#!/usr/bin/env bash
# The table as other clients see it: Debian's AWS CLI (v2) and costctl on
# the same DynamoDB Local. Run by tests/integration/dynamodb.sh inside its
# loopback-only namespace, with DynamoDB Local on 127.0.0.1:$PORT.
# Usage: awscli-interop.sh COSTCTL WORKDIR
set -u
costctl=$1
work=$2
ep=http://127.0.0.1:$PORT
AWS=/usr/bin/aws # Debian's awscli, not another one earlier in PATH
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "interop: FAIL $*" >&2; }
awsd() { "$AWS" --endpoint-url "$ep" --output json dynamodb "$@"; }
c() { # c TABLE ARGS: costctl on a DynamoDB table
	local t=$1
	shift
	"$costctl" -q --state "$work/state" --store "dynamodb://us-east-1/$t?endpoint=$ep/" "$@"
}
# Typed JSON equal as DynamoDB means it: numbers by value, sets in any order.
same() {
	$PY - "$1" "$2" <<'PY'
import json, sys
from decimal import Decimal
def norm(v):
    (t, x), = v.items()
    if t == "N": return ("N", Decimal(x))
    if t == "NS": return ("NS", sorted(Decimal(e) for e in x))
    if t in ("SS", "BS"): return (t, sorted(x))
    if t == "M": return ("M", {k: norm(e) for k, e in x.items()})
    if t == "L": return ("L", [norm(e) for e in x])
    return (t, x)
a, b = (json.load(open(p))["Item"] for p in sys.argv[1:3])
sys.exit(0 if {k: norm(v) for k, v in a.items()} == {k: norm(v) for k, v in b.items()} else 1)
PY
}

[ -x "$AWS" ] || { echo "interop: /usr/bin/aws is missing (scripts/install-deps.sh test installs awscli)" >&2; exit 1; }
c interop-a table init && c interop-b table init && c interop-c table init || { bad "table init"; exit 1; }

# 1. Every attribute type, written by the CLI, nested numbers as another
# client may write them, a string TTL and a string Version.
item='{"PK":{"S":"ITEM#1"},"SK":{"S":"ALL"},"s":{"S":"text é"},"n":{"N":"8500.00"},
 "b":{"B":"AAEC/w=="},"t":{"BOOL":true},"z":{"NULL":true},
 "m":{"M":{"x":{"N":".5"},"y":{"N":"+5"},"w":{"N":"0001"},"deep":{"M":{"l":{"L":[{"N":"1"},{"S":"two"},{"SS":["a","b"]}]}}}}},
 "l":{"L":[{"N":"5."},{"BOOL":false},{"NS":["7","8.25"]}]},
 "ss":{"SS":["x","y"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AAEC","/w=="]},
 "TTL":{"S":"not a number"},"Version":{"S":"3"}}'
awsd put-item --table-name interop-a --item "$item" || bad "aws put-item"
awsd get-item --table-name interop-a --key '{"PK":{"S":"ITEM#1"},"SK":{"S":"ALL"}}' >"$work/a.json"

# costctl reads it: every type kept, valid JSON (numbers normalised), the
# string-TTL item in get, query and export alike
c interop-a table get ITEM#1 ALL >"$work/plain.json" || bad "costctl get"
$PY - "$work/plain.json" <<'PY' && ok || bad "plain form: $(cat "$work/plain.json")"
import json, sys
i = json.load(open(sys.argv[1]))
assert i["ss"] == {"$ss": ["x", "y"]}, i["ss"]
assert i["ns"] == {"$ns": [1, 2.5]}, i["ns"]
assert i["bs"] == {"$bs": ["AAEC", "/w=="]}, i["bs"]
assert i["b"] == {"$b": "AAEC/w=="}, i["b"]
assert i["m"]["x"] == 0.5 and i["m"]["y"] == 5 and i["m"]["w"] == 1, i["m"]
assert i["m"]["deep"]["l"][2] == {"$ss": ["a", "b"]}
assert i["l"][0] == 5 and i["l"][2] == {"$ns": [7, 8.25]}
assert i["TTL"] == "not a number" and i["Version"] == "3" and i["z"] is None and i["t"] is True
PY
c interop-a table export >"$work/a.jsonl" || bad "export"
grep -q '"ITEM#1"' "$work/a.jsonl" && ok || bad "export left out the item with a string TTL"

# export -> import into another table -> the CLI reads it back the same
c interop-b table import "$work/a.jsonl" || bad "import"
awsd get-item --table-name interop-b --key '{"PK":{"S":"ITEM#1"},"SK":{"S":"ALL"}}' >"$work/b.json"
same "$work/a.json" "$work/b.json" && ok || bad "CLI -> costctl -> CLI changed the item: $(cat "$work/b.json")"

# the same round trip through the embedded store
"$costctl" -q --state "$work/state" --store "sqlite:$work/rt.db" table init &&
	"$costctl" -q --state "$work/state" --store "sqlite:$work/rt.db" table import "$work/a.jsonl" &&
	"$costctl" -q --state "$work/state" --store "sqlite:$work/rt.db" table export >"$work/s.jsonl" &&
	c interop-c table import "$work/s.jsonl" || bad "sqlite round trip"
awsd get-item --table-name interop-c --key '{"PK":{"S":"ITEM#1"},"SK":{"S":"ALL"}}' >"$work/c.json"
same "$work/a.json" "$work/c.json" && ok || bad "through SQLite the item changed: $(cat "$work/c.json")"

# the reverse: costctl writes the typed forms, the CLI sees real sets and binary
printf '%s\n' '{"PK":"ITEM#2","SK":"ALL","ss":{"$ss":["p","q"]},"ns":{"$ns":[3,4.5]},"bs":{"$bs":["AAEC"]},"b":{"$b":"/w=="},"n":12.50}' \
	>"$work/r.jsonl"
c interop-b table import "$work/r.jsonl" || bad "import typed forms"
awsd get-item --table-name interop-b --key '{"PK":{"S":"ITEM#2"},"SK":{"S":"ALL"}}' >"$work/r.json"
$PY - "$work/r.json" <<'PY' && ok || bad "the CLI did not see sets and binary: $(cat "$work/r.json")"
import json, sys
i = json.load(open(sys.argv[1]))["Item"]
assert sorted(i["ss"]["SS"]) == ["p", "q"] and sorted(i["ns"]["NS"]) == ["3", "4.5"]
assert i["bs"]["BS"] == ["AAEC"] and i["b"]["B"] == "/w==" and i["n"]["N"] in ("12.50", "12.5")
PY
# and the CLI's ADD to that set still works (the type was kept)
awsd update-item --table-name interop-b --key '{"PK":{"S":"ITEM#2"},"SK":{"S":"ALL"}}' \
	--update-expression 'ADD ss :v' --expression-attribute-values '{":v":{"SS":["r"]}}' >/dev/null &&
	ok || bad "the CLI's ADD to a set costctl wrote"

# 4. DynamoDB's limits before anything is written, the bad line named
printf '%s\n' '{"PK":"L#1","SK":"x"}' '{"PK":"L#2","SK":"x","n":123456789012345678901234567890123456789}' \
	>"$work/limits.jsonl"
c interop-b table import "$work/limits.jsonl" 2>"$work/limits.err"
rc=$?
[ $rc = 2 ] && grep -q "line 2" "$work/limits.err" && grep -q "38 significant digits" "$work/limits.err" &&
	ok || bad "a 39-digit number: exit $rc, $(cat "$work/limits.err")"
awsd get-item --table-name interop-b --key '{"PK":{"S":"L#1"},"SK":{"S":"x"}}' | grep -q Item &&
	bad "the good line before the bad one was written" || ok

# 6. a query returns every page without --limit (DynamoDB stops a page at 1 MB)
pad=$(head -c 12000 /dev/zero | tr '\0' x)
for i in $(seq 120); do
	printf '{"PK":"ESTIMATION#big","SK":"DOCUMENT#%03d","pad":"%s"}\n' "$i" "$pad"
done >"$work/docs.jsonl"
c interop-b table import "$work/docs.jsonl" || bad "import 120 documents of 12 KB"
n=$(c interop-b table query documents big | wc -l)
[ "$n" = 120 ] && ok || bad "query without --limit returned $n of 120 (one 1 MB page?)"
n=$(c interop-b table export | grep -c '"PK":"ESTIMATION#big"')
[ "$n" = 120 ] && ok || bad "export returned $n of 120"

# 7. latest-calculation skips an expired newest item DynamoDB has not deleted yet
awsd put-item --table-name interop-b --item '{"PK":{"S":"ESTIMATION#e7"},"SK":{"S":"CALCULATION#2026-01-01"},"GSI1PK":{"S":"CALCULATION#e7"},"GSI1SK":{"S":"2026-01-01"},"CalculationId":{"S":"old"}}' &&
	awsd put-item --table-name interop-b --item '{"PK":{"S":"ESTIMATION#e7"},"SK":{"S":"CALCULATION#2026-02-01"},"GSI1PK":{"S":"CALCULATION#e7"},"GSI1SK":{"S":"2026-02-01"},"CalculationId":{"S":"expired"},"TTL":{"N":"1000"}}' ||
	bad "aws put-item calculations"
c interop-b table query latest-calculation e7 | grep -q '"CalculationId":"old"' && ok ||
	bad "latest-calculation did not skip the expired one"

# 8. table init on a table of another shape reports every difference
awsd create-table --table-name interop-wrong --attribute-definitions AttributeName=PK,AttributeType=S \
	--key-schema AttributeName=PK,KeyType=HASH --billing-mode PROVISIONED \
	--provisioned-throughput ReadCapacityUnits=1,WriteCapacityUnits=1 >/dev/null || bad "aws create-table"
c interop-wrong table init 2>"$work/shape.err"
rc=$?
[ $rc = 2 ] && grep -q "the key is not PK (HASH) + SK (RANGE)" "$work/shape.err" &&
	grep -q "no index GSI1" "$work/shape.err" && grep -q "no index GSI2" "$work/shape.err" &&
	grep -q "billing is PROVISIONED" "$work/shape.err" && grep -q "no stream" "$work/shape.err" &&
	grep -q "interop-wrong" "$work/shape.err" && ok || bad "init on a wrong table: exit $rc, $(cat "$work/shape.err")"
c interop-wrong table init --accept-existing 2>/dev/null && ok || bad "--accept-existing"

# 9. table info says what the table is
c interop-a table info >"$work/info.txt" || bad "table info"
grep -q "^billing     PAY_PER_REQUEST" "$work/info.txt" && grep -q "^stream      NEW_AND_OLD_IMAGES" "$work/info.txt" &&
	grep -q "^ttl         TTL (ENABLED)" "$work/info.txt" && grep -q "^section 2.1 matches" "$work/info.txt" &&
	ok || bad "table info: $(cat "$work/info.txt")"

# 10. a server-side refusal is exit 2 with the server's message, not "usage"
c interop-wrong table query documents x 2>"$work/val.err"
rc=$?
[ $rc = 2 ] && grep -q "ValidationException" "$work/val.err" && ok || bad "ValidationException: exit $rc, $(cat "$work/val.err")"

echo "interop: $pass passed, $fail failed"
[ $fail = 0 ]
