# A full disk in the middle of recalc: the batch being written is rolled
# back, the batches before it stay, the error names the estimation and what
# was kept, and the next run goes on from there (the kept ones unchanged).
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || { echo "needs root to mount a small tmpfs" >&2; exit 77; }
mkdir small
mount -t tmpfs -o size=64m tmpfs small 2>/dev/null || { echo "cannot mount tmpfs here" >&2; exit 77; }
trap 'umount small' EXIT
c() { "$COSTCTL" -q --state small/state "$@"; }
c ingest $(all_offers) && c table init || exit
$PY -c '
import json
for i in range(1200):
    e = "d%04d" % i
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "METADATA", "GSI2PK": "STATUS#ACTIVE",
                      "GSI2SK": "ESTIMATION#" + e, "EstimationId": e, "Status": "ACTIVE", "Version": 1}))
    print(json.dumps({"PK": "ESTIMATION#" + e, "SK": "REQUIREMENTS",
                      "ComputeRequirements": [{"SuggestedInstanceType": "m5.large", "MinInstances": 1 + i % 4}]}))' >est.jsonl
c table import est.jsonl || exit
# leave 12 MB: the first batch of 512 fits, the second does not (with 16 KB pages
# 10 to 14 MB left all keep 512 calculations, 8 MB none)
dd if=/dev/zero of=small/fill bs=1M 2>/dev/null
truncate -s -12M small/fill
"$COSTCTL" --state small/state recalc --no-docs --at 2026-12-01T02:00:00Z 2>log
echo "full: exit $?"
cat log >&2
echo "calculations kept: $(c table export | grep -c '"SK":"CALCULATION#')"
rm small/fill
"$COSTCTL" --state small/state recalc --no-docs --at 2026-12-01T02:00:00Z 2>log
echo "again: exit $?"
grep -o '[0-9]* estimations: [0-9]* written, [0-9]* unchanged, [0-9]* partial, [0-9]* failed' log
echo "calculations: $(c table export | grep -c '"SK":"CALCULATION#')"
