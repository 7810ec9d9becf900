#!/usr/bin/env bash
# make bench: the documents stage alone. BENCH_DOCS (default 1000)
# generated estimations of mixed size (mostly 10-30 lines, some 60 and
# more) are priced with `recalc --no-docs`, then tests/bench/docs_bench
# renders every PDF + XLSX pair at 1 thread and at every thread. With perf
# installed, the split of a 1-thread run between libharu, libxlsxwriter,
# zlib and costctl's own code (perf's shared-object view).
set -euo pipefail
build=$1
n=${BENCH_DOCS:-1000}
dir=$build/bench/docs
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$dir" && mkdir -p "$dir/out"
costctl=$build/costctl
"$costctl" -q --state "$dir/state" ingest $(find "$top/fixtures/offers" -name index.json | sort)
python3 - "$n" >"$dir/est.jsonl" <<'PY'
import json, random, sys
random.seed(11)
types = ["t3.large", "m5.large", "m5.xlarge", "r5.large", "m5.2xlarge", "t3.xlarge"]
for i in range(int(sys.argv[1])):
    e = "doc%05d" % i
    groups = random.choice([1, 1, 2, 2, 3, 4, 12])
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "METADATA", "GSI2PK": "STATUS#ACTIVE", "GSI2SK": "ESTIMATION#" + e,
                      "EstimationId": e, "Status": "ACTIVE", "Version": 1, "ProjectName": "Bench project %d" % i,
                      "ClientInfo": {"CompanyName": "Client %d" % i, "RegionPreference": ["us-east-1"]}}))
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "REQUIREMENTS", "ComputeRequirements": [
        {"ServerName": "web %d" % g, "SuggestedInstanceType": random.choice(types), "MinInstances": random.randint(1, 4),
         "MaxInstances": 8, "ScalingType": random.choice(["Auto", "Fixed"]), "UtilizationPercent": 40,
         "PeakUtilizationPercent": 80} for g in range(groups)],
        "StorageRequirements": [{"StorageType": "data", "CurrentGB": random.randint(20, 2000), "GrowthRatePercent": 10,
                                 "SuggestedAWSService": "EBS gp3", "IOPSRequired": random.randint(0, 9000),
                                 "BackupRequired": True, "RetentionDays": 7}],
        "DatabaseRequirements": [{"DatabaseName": "db", "Engine": "MySQL", "InstanceClass": "db.r5.large",
                                  "SizeGB": random.randint(20, 1000), "MultiAZ": random.random() < 0.5}],
        "NetworkRequirements": {"DataTransferOutGBMonth": random.randint(0, 20000), "LoadBalancerCount": 1,
                                "WAFRequired": random.random() < 0.5},
        "SecurityRequirements": {"KMS": True, "CloudTrail": True, "GuardDuty": random.random() < 0.5}}))
PY
"$costctl" -q --state "$dir/state" table init
"$costctl" -q --state "$dir/state" table import "$dir/est.jsonl"
"$costctl" -q --state "$dir/state" recalc --no-docs --at 2026-12-01T02:00:00Z || true
"$costctl" --state "$dir/state" table query --all active-estimations | sed 's/.*"EstimationId":"\([^"]*\)".*/\1/' >"$dir/ids"
lines=$("$costctl" --state "$dir/state" table query latest-calculation doc00000 | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline())["Lines"]))')
echo "documents: doc00000 has $lines lines"
"$build/tests/bench/docs_bench" "sqlite:$dir/state/costplatform.db" "$top/templates" "$dir/out" <"$dir/ids"
if command -v perf >/dev/null && head -200 "$dir/ids" >"$dir/ids200" &&
	OMP_NUM_THREADS=1 perf record -q -o "$dir/perf.data" "$build/tests/bench/docs_bench" \
		"sqlite:$dir/state/costplatform.db" "$top/templates" "$dir/out" <"$dir/ids200" >/dev/null 2>&1; then
	echo "  where a 1-thread run's time goes (perf, by shared object):"
	perf report -i "$dir/perf.data" --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8 | sed 's/^ */    /'
fi
