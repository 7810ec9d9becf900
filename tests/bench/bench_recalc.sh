#!/usr/bin/env bash
# make bench: the cost engine alone (estimations a second, 1 thread and
# every thread), then `costctl recalc` end to end against the embedded
# store, with one engine thread and with all: N generated active
# estimations (BENCH_ESTIMATIONS, default 100000, owned by 200 users with a PROFILE each), the split between store
# reads, the engine and store writes.
set -euo pipefail
build=$1
n=${BENCH_ESTIMATIONS:-100000}
dir=$build/bench/recalc
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$dir" && mkdir -p "$dir"
costctl=$build/costctl
"$costctl" -q --state "$dir/state" ingest $(find "$top/fixtures/offers" -name index.json | sort)
"$build/tests/bench/calc_bench" "$dir/state/pricebook.current" 5000
python3 - "$n" >"$dir/est.jsonl" <<'PY'
import json, random, sys
random.seed(7)
types = ["t3.large", "m5.large", "m5.xlarge", "r5.large", "m5.2xlarge"]
for u in range(200):
    print(json.dumps({"PK": "USER#u%03d" % u, "SK": "PROFILE", "UserId": "u%03d" % u,
                      "Preferences": {"DefaultRegion": "us-east-1"}}, separators=(",", ":")))
for i in range(int(sys.argv[1])):
    e = "g%06d" % i
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "METADATA", "GSI2PK": "STATUS#ACTIVE",
                      "GSI2SK": "ESTIMATION#" + e, "EstimationId": e, "Status": "ACTIVE", "Version": 1,
                      "UserId": "u%03d" % (i % 200),
                      "ClientInfo": {"RegionPreference": ["us-east-1"]}}, separators=(",", ":")))
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "REQUIREMENTS", "ComputeRequirements": [
        {"SuggestedInstanceType": random.choice(types), "MinInstances": random.randint(1, 4),
         "MaxInstances": 8, "ScalingType": random.choice(["Auto", "Fixed"]), "UtilizationPercent": 40,
         "PeakUtilizationPercent": 80}],
        "StorageRequirements": [{"CurrentGB": random.randint(20, 2000), "SuggestedAWSService": "EBS gp3",
                                 "IOPSRequired": random.randint(0, 9000), "BackupRequired": True,
                                 "RetentionDays": 7}],
        "DatabaseRequirements": [{"Engine": "MySQL", "InstanceClass": "db.r5.large",
                                  "SizeGB": random.randint(20, 1000), "MultiAZ": random.random() < 0.5}],
        "NetworkRequirements": {"DataTransferOutGBMonth": random.randint(0, 20000), "LoadBalancerCount": 1},
        "SecurityRequirements": {"KMS": True, "CloudTrail": True}}, separators=(",", ":")))
PY
"$costctl" -q --state "$dir/state" table init
"$costctl" -q --state "$dir/state" table import "$dir/est.jsonl"
# the same table for each run: the first run writes every calculation
cp "$dir/state/costplatform.db" "$dir/fresh.db"
run() { # THREADS LABEL
	rm -f "$dir/state/costplatform.db"*
	cp "$dir/fresh.db" "$dir/state/costplatform.db"
	local start end
	start=$(date +%s.%N)
	"$costctl" --state "$dir/state" recalc --threads "$1" --no-docs --at 2026-12-01T02:00:00Z 2>"$dir/recalc.log" || true
	end=$(date +%s.%N)
	secs=$(echo "$end - $start" | bc)
	printf 'recalc of %d estimations, %s (embedded store, no documents): %.1f s end to end, %.0f estimations/s (target: 100,000 in 10 s)\n' \
		"$n" "$2" "$secs" "$(echo "$n / $secs" | bc -l)"
	sed -n 's/.*recalc: \(.* writing\)$/  \1 (the store thread writes while the engine prices)/p' "$dir/recalc.log"
}
run 1 "1 engine thread"
one=$secs
run "$(nproc)" "$(nproc) engine threads"
printf '  speed-up %.2fx\n' "$(echo "$one / $secs" | bc -l)"
# The floor under the writing: what the run added to the table, written
# twice (SQLite's WAL, then the checkpoint into the database) by dd into the
# same file system, and fsynced. No recalc can write its items faster here.
grown=$(( $(stat -c %s "$dir/state/costplatform.db") - $(stat -c %s "$dir/fresh.db") ))
mib=$(( grown * 2 / 1048576 + 1 ))
start=$(date +%s.%N)
dd if=/dev/zero of="$dir/floor" bs=1M count="$mib" conv=fsync status=none
end=$(date +%s.%N)
rm -f "$dir/floor"
floor=$(echo "$end - $start" | bc)
printf '  write floor: dd of the %d MiB the run added, twice (WAL + checkpoint): %.1f s; recalc = %.2fx the floor\n' \
	$((grown / 1048576)) "$floor" "$(echo "$secs / $floor" | bc -l)"
start=$(date +%s.%N)
"$costctl" --state "$dir/state" recalc --no-docs --at 2026-12-01T03:00:00Z 2>"$dir/again.log" || true
end=$(date +%s.%N)
printf 'the same again (nothing changed, nothing written): %.1f s\n' "$(echo "$end - $start" | bc)"
rm -f "$dir/fresh.db"
