#!/usr/bin/env bash
# The store suite and `costctl table` against Amazon's DynamoDB Local
# (inside the npm package amplify-dynamodb-simulator, on Java 17), started
# here on 127.0.0.1 inside a loopback-only network namespace (it listens on
# every interface; in the namespace nothing can leave the machine,
# telemetry included). scripts/install-deps.sh peers fetches the jar,
# checks it and caches it in BUILD/peers; it is never committed (its
# licence is not open source).
# Missing java or npm fails: this test does not skip.
# Usage: tests/integration/dynamodb.sh BUILD_DIR [bench]
#   bench: instead of the tests, the store's put/query rates (make bench)
set -euo pipefail
build=$(cd "$1" && pwd)
mode=${2:-test}
top=$(cd "$(dirname "$0")/../.." && pwd)
# one copy for every build directory (build/, build/san/)
peers=$top/build/peers
port=18010

for tool in java npm unshare ip; do
	command -v $tool >/dev/null || { echo "dynamodb: '$tool' is missing (scripts/install-deps.sh test)" >&2; exit 1; }
done
"$top/scripts/install-deps.sh" peers "$peers"
# A loopback-only network namespace: as root directly; otherwise in a user
# namespace where the kernel allows one (not in a chroot), else via sudo,
# dropping back to this user inside.
if [ "$(id -u)" = 0 ]; then
	ns=(unshare -n)
elif unshare -rn true 2>/dev/null; then
	ns=(unshare -rn)
elif sudo -n true 2>/dev/null; then
	# shellcheck disable=SC2016
	ns=(sudo -n --preserve-env unshare -n sh -c 'ip link set lo up && u=$1 g=$2 && shift 2 &&
		exec setpriv --reuid="$u" --regid="$g" --init-groups "$@"' sh "$(id -u)" "$(id -g)")
else
	echo "dynamodb: cannot make a loopback-only network namespace (no user namespaces, no sudo)" >&2
	exit 1
fi
export AWS_ACCESS_KEY_ID=AKIDLOCALTEST AWS_SECRET_ACCESS_KEY=local-test-secret
unset AWS_SESSION_TOKEN AWS_PROFILE
export PEERS=$peers PORT=$port BUILD=$build TOP=$top MODE=$mode
"${ns[@]}" bash -c '
set -u
ip link show lo | grep -q ",UP" || ip link set lo up
E=$PEERS/package/emulator
work=$(mktemp -d)
DDB_LOCAL_TELEMETRY=0 java -Xmx512m -Djava.library.path=$E/DynamoDBLocal_lib -jar $E/DynamoDBLocal.jar \
	-inMemory -sharedDb -port $PORT -disableTelemetry >$work/ddb.log 2>&1 &
pid=$!
trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf $work" EXIT
for _ in $(seq 600); do
	(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
	sleep 0.1
done
if [ "$MODE" = bench ]; then
	"$BUILD/tests/bench/store_bench" "dynamodb://us-east-1/bench?endpoint=http://127.0.0.1:$PORT/"
	exit
fi
url="dynamodb://us-east-1/{table}?endpoint=http://127.0.0.1:$PORT/"
echo "dynamodb: store suite against DynamoDB Local"
cd "$TOP"
COSTCTL_TEST_STORE=$url CK_RUN_SUITE=store COSTCTL_FIXTURES=fixtures "$BUILD/tests/unit/runner" || exit 1
echo "dynamodb: costctl table against DynamoDB Local"
store="dynamodb://us-east-1/aws-cost-platform?endpoint=http://127.0.0.1:$PORT/"
c() { "$BUILD/costctl" -q --state "$work/state" --store "$store" "$@"; }
fail() { echo "dynamodb: $*" >&2; exit 1; }
c table init && c table init || fail "table init"
c table import fixtures/table/seed.jsonl || fail "import"
[ "$(c table query estimations-by-user user123 | sed "s/.*\"EstimationId\":\"\([a-z0-9]*\)\".*/\1/" | tr "\n" " ")" = "est501 est502 est456 " ] ||
	fail "estimations-by-user: not newest first"
[ "$(c table query latest-calculation est456 | grep -c calc790)" = 1 ] || fail "latest-calculation"
[ "$(c table query --limit 1 --all active-estimations | wc -l)" = 3 ] || fail "active-estimations paged"
[ "$(c table export | wc -l)" = 18 ] || fail "export: not the 18 live items"
c table get USER#user123 PROFILE | grep -q "\"FirstName\":\"John\"" || fail "get"
echo "dynamodb: recalc shards against DynamoDB Local"
"$BUILD/costctl" -q --state "$work/state" ingest $(find fixtures/offers -name index.json | sort) || fail "ingest"
n=0
for i in 0 1 2; do
	"$BUILD/costctl" --state "$work/state" --store "$store" recalc --shard $i/3 --at 2026-12-01T02:00:00Z \
		2>"$work/shard$i.log" || fail "recalc --shard $i/3: $(cat "$work/shard$i.log")"
	n=$((n + $(sed -n "s/.*recalc: \([0-9]*\) estimations: \([0-9]*\) written.*/\2/p" "$work/shard$i.log")))
done
[ "$n" = 3 ] || fail "three shards wrote $n calculations, not the 3 active estimations once each"
"$BUILD/costctl" --state "$work/state" --store "$store" recalc --at 2026-12-01T03:00:00Z 2>"$work/all.log" ||
	fail "recalc"
grep -q "3 estimations: 0 written, 3 unchanged" "$work/all.log" || fail "after the shards: $(cat "$work/all.log")"
[ "$(c table query calculations est456 | grep -c "CALCULATION#2026-12-01T02:00:00Z")" = 1 ] || fail "est456 priced twice"
echo "dynamodb: recalc when the server goes bad"
# 1,100 estimations (three batches) behind a proxy that passes the first
# 3,800 requests and answers 500 to every one after: the first two batches
# are read (three requests an estimation), and the server goes bad partway
# through writing the first. Exit 75 (try again later), the error says what
# and how far; what was written stays, and a run against the healthy server
# goes on from there
fstore="dynamodb://us-east-1/fault?endpoint=http://127.0.0.1:$PORT/"
f() { "$BUILD/costctl" -q --state "$work/fault" --store "$fstore" "$@"; }
f table init || fail "fault: table init"
python3 - >"$work/fest.jsonl" <<EOF
import json
for i in range(1100):
    e = "f%04d" % i
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "METADATA", "GSI2PK": "STATUS#ACTIVE",
                      "GSI2SK": "ESTIMATION#" + e, "EstimationId": e, "Status": "ACTIVE", "Version": 1}))
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "REQUIREMENTS",
                      "ComputeRequirements": [{"SuggestedInstanceType": "m5.large", "MinInstances": 1 + i % 4}]}))
EOF
f table import "$work/fest.jsonl" || fail "fault: import"
python3 "$TOP/tests/integration/ddb_fault_proxy.py" "$PORT" 3800 "$work/proxy.port" &
proxy=$!
for _ in $(seq 100); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
bad="dynamodb://us-east-1/fault?endpoint=http://127.0.0.1:$(cat "$work/proxy.port")/"
COSTCTL_STORE_RETRIES=1 "$BUILD/costctl" --state "$work/fault" --store "$bad" recalc --no-docs \
	--pricebook "$work/state/pricebook.current" --at 2026-12-01T02:00:00Z 2>"$work/fault.log"
rc=$?
kill $proxy; wait $proxy 2>/dev/null
[ $rc = 75 ] || fail "fault: exit $rc, not 75: $(grep -m 3 "ERROR\|SUMMARY\|error recalc" "$work/fault.log")"
grep -q "failed after 2 attempts: InternalServerError; the [0-9]* estimations written so far stay" "$work/fault.log" ||
	fail "fault: $(tail -3 "$work/fault.log")"
kept=$(sed -n "s/.*; the \([0-9]*\) estimations written so far stay.*/\1/p" "$work/fault.log")
calcs=$(f table export | grep -c "\"SK\":\"CALCULATION#")
[ "$kept" -gt 0 ] && [ "$kept" -lt 512 ] || fail "fault: $kept written before the server went bad"
# the one being written when it did may have its CALCULATION already
[ "$calcs" = "$kept" ] || [ "$calcs" = $((kept + 1)) ] || fail "fault: $calcs calculations, $kept reported"
"$BUILD/costctl" --state "$work/fault" --store "$fstore" recalc --no-docs \
	--pricebook "$work/state/pricebook.current" --at 2026-12-01T02:00:00Z 2>"$work/fault2.log" || fail "fault: again: $(tail -3 "$work/fault2.log")"
grep -q "1100 estimations: $((1100 - calcs)) written, $calcs unchanged, 0 partial, 0 failed" "$work/fault2.log" ||
	fail "fault: again: $(grep estimations: "$work/fault2.log")"
[ "$(f table export | grep -c "\"SK\":\"CALCULATION#")" = 1100 ] || fail "fault: not one calculation each"
echo "dynamodb: the nightly job against DynamoDB Local"
# a table of its own: the seed, then a whole night over the file:// fixture price list
nstore="dynamodb://us-east-1/nightly?endpoint=http://127.0.0.1:$PORT/"
n() { "$BUILD/costctl" -q --state "$work/night" --store "$nstore" "$@"; }
n table init && n table import fixtures/table/seed.jsonl || fail "nightly: the seed"
COSTCTL_FETCH_BASE_URL="file://$TOP/fixtures/pricelist" "$BUILD/costctl" --state "$work/night" --store "$nstore" \
	nightly --at 2026-12-01T02:00:00Z 2>"$work/night.log" || fail "nightly: $(tail -3 "$work/night.log")"
grep -q "^est456,Client ABC Infrastructure,8612.37,2935.85," "$work/night/reports/2026-12-01/estimations.csv" ||
	fail "nightly: est456 is not 8612.37 -> 2935.85 in the report"
n table get AUDIT#2026-12-01 LOG#costctl#nightly#2026-12-01 | grep -q "\"Result\":\"SUCCESS\"" ||
	fail "nightly: no audit item"
[ "$(n table query documents est456 | grep -c "\"GeneratedBy\":\"costctl\"")" = 2 ] || fail "nightly: est456 documents"
n report 2026-12-01 >"$work/again.md" && cmp -s "$work/again.md" "$work/night/reports/2026-12-01/summary.md" ||
	fail "nightly: report 2026-12-01 differs from the night'"'"'s"
echo "dynamodb: intake against DynamoDB Local"
# section 4.1 as DynamoDB runs it: TransactWriteItems with attribute_not_exists(PK), then the lock of 4.2
c intake import --owner user123 --id est-nw --at 2026-12-01T03:00:00Z fixtures/intake/northwind.xlsx >/dev/null ||
	fail "intake: import"
[ "$(c table query estimation est-nw | sed "s/.*\"SK\":\"\([A-Z]*\).*/\1/" | sort | tr "\n" " ")" = "CALCULATION DOCUMENT METADATA REQUIREMENTS " ] ||
	fail "intake: not METADATA, REQUIREMENTS, DOCUMENT and a CALCULATION"
c table get ESTIMATION#est-nw METADATA | grep -q "\"InputMethod\":\"EXCEL_UPLOAD\"" || fail "intake: InputMethod"
before=$(c table export | wc -l)
c intake import --owner user123 --id est-nw --at 2026-12-01T04:00:00Z fixtures/intake/northwind.xlsx \
	>/dev/null 2>"$work/dup.log" && fail "intake: a second import with the same id was accepted"
grep -q "estimation est-nw exists already: nothing written" "$work/dup.log" || fail "intake: $(cat "$work/dup.log")"
[ "$(c table export | wc -l)" = "$before" ] || fail "intake: the refused import wrote something"
c intake import --estimation est-nw --at 2026-12-01T05:00:00Z fixtures/intake/northwind.csv >/dev/null ||
	fail "intake: --estimation"
c table get ESTIMATION#est-nw METADATA | grep -q "\"InputMethod\":\"CSV_UPLOAD\"" || fail "intake: replaced METADATA"
echo "dynamodb: 6 passed, 0 failed"
echo "dynamodb: the AWS CLI and costctl on one table"
bash "$TOP/tests/integration/awscli-interop.sh" "$BUILD/costctl" "$work" || exit 1
'
