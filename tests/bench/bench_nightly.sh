#!/usr/bin/env bash
# make bench: a whole night. The fixture price list plus a generated EC2
# offer of BENCH_NIGHTLY_MB (default 1024) for eu-west-1, fetched over
# file://, BENCH_NIGHTLY_ESTIMATIONS (default 10,000) active estimations of
# which 10% were edited since the night before (so their numbers move and
# their documents are made): each stage's seconds, the whole night's, and
# peak RSS. Then the same night again (nothing to do).
set -euo pipefail
build=$1
mb=${BENCH_NIGHTLY_MB:-1024}
n=${BENCH_NIGHTLY_ESTIMATIONS:-10000}
dir=$(cd "$build" && pwd)/bench/nightly
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$dir" && mkdir -p "$dir"
costctl=$build/costctl
cp -rL "$top/fixtures/pricelist" "$dir/pl"
export COSTCTL_FETCH_BASE_URL=file://$dir/pl
# the estimations, priced the night before (no documents: that night is not measured)
python3 - "$n" >"$dir/est.jsonl" <<'PY'
import json, random, sys
random.seed(3)
types = ["t3.large", "m5.large", "m5.xlarge", "r5.large", "m5.2xlarge"]
for i in range(int(sys.argv[1])):
    e = "n%06d" % i
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "METADATA", "GSI2PK": "STATUS#ACTIVE", "GSI2SK": "ESTIMATION#" + e,
                      "EstimationId": e, "Status": "ACTIVE", "Version": 1, "ProjectName": "Project %d" % i,
                      "ClientInfo": {"CompanyName": "Client %d" % i, "RegionPreference": ["us-east-1"]}}))
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "REQUIREMENTS", "ComputeRequirements": [
        {"SuggestedInstanceType": random.choice(types), "MinInstances": random.randint(1, 4), "MaxInstances": 8,
         "ScalingType": "Auto", "UtilizationPercent": 40, "PeakUtilizationPercent": 80}],
        "StorageRequirements": [{"CurrentGB": random.randint(20, 2000), "SuggestedAWSService": "EBS gp3",
                                 "BackupRequired": True, "RetentionDays": 7, "GrowthRatePercent": 10}],
        "DatabaseRequirements": [{"Engine": "MySQL", "InstanceClass": "db.r5.large", "SizeGB": random.randint(20, 1000)}],
        "NetworkRequirements": {"DataTransferOutGBMonth": random.randint(0, 20000), "LoadBalancerCount": 1},
        "SecurityRequirements": {"KMS": True}}))
PY
"$costctl" -q --state "$dir/state" table init
"$costctl" -q --state "$dir/state" table import "$dir/est.jsonl"
"$costctl" -q --state "$dir/state" fetch
"$costctl" -q --state "$dir/state" ingest
"$costctl" -q --state "$dir/state" recalc --no-docs --at 2026-12-01T02:00:00Z || true
# tonight: a new EC2 region file of $mb MiB, and 10% of the estimations edited
v=$dir/pl/offers/v1.0/aws/AmazonEC2
mkdir -p "$v/20261201000000/eu-west-1"
"$build/tests/bench/gen_offer" "$dir/gen.json" "$mb" 2>/dev/null
sed 's/"us-east-1"/"eu-west-1"/g; s/US East (N. Virginia)/EU (Ireland)/g; s/"version" : "20261115143012"/"version" : "20261201000000"/' \
	"$dir/gen.json" >"$v/20261201000000/eu-west-1/index.json"
rm -f "$dir/gen.json"
python3 - "$v/current/region_index.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["regions"]["eu-west-1"] = {"regionCode": "eu-west-1",
                              "currentVersionUrl": "/offers/v1.0/aws/AmazonEC2/20261201000000/eu-west-1/index.json"}
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
python3 - "$dir/est.jsonl" >"$dir/edits.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["SK"] == "REQUIREMENTS" and int(d["PK"][-6:]) % 10 == 0:
        d["StorageRequirements"][0]["CurrentGB"] += 100
        print(json.dumps(d))
PY
"$costctl" -q --state "$dir/state" table import "$dir/edits.jsonl"
bytes=$(stat -c %s "$v/20261201000000/eu-west-1/index.json")
"$build/tests/bench/runstat" "$costctl" --state "$dir/state" nightly --at 2026-12-02T02:00:00Z \
	>/dev/null 2>"$dir/night.log" || true
wall=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$dir/night.log" | tail -1)
rss=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$dir/night.log" | tail -1)
echo "a night: fetch of a $((bytes / 1048576)) MiB EC2 offer (file://) and the fixtures, $n estimations, 10% moved"
sed -n 's/.*nightly: stage \([a-z]*\): done in \([0-9.]*\) s: \(.*\)/  \1: \2 s: \3/p' "$dir/night.log" | cut -c1-160
printf '  the night: %s s, peak RSS %d MiB\n' "$wall" $((rss / 1024))
t0=$(date +%s.%N)
"$costctl" -q --state "$dir/state" nightly --at 2026-12-02T03:00:00Z
t1=$(date +%s.%N)
printf '  the same night again: %.2f s (done: nothing to do)\n' "$(echo "$t1 - $t0" | bc)"
rm -rf "$dir/pl/offers/v1.0/aws/AmazonEC2/20261201000000" "$dir/state/offers/AmazonEC2/eu-west-1"
