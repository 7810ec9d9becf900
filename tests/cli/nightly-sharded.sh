# A sharded night, as cron/aws/recalc-batch.yaml runs it: nightly
# --no-recalc fetches, ingests and records the night; two workers, each
# with a state of its own, price their scan segments against its
# pricebook (recalc --shard I/2 --pricebook); then `costctl report` makes
# the morning report. It has the numbers of the unsharded night
# (nightly-two-nights.sh: est456 2935.85 -> 2984.37, +48.52), every
# estimation priced once; an estimation whose requirements the engine
# refuses is named in the report with its reason, and counted, though the
# sharded night recorded no counts of its own.
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
night_one || exit
cp -r "$FIXTURES/pricelist-night2/." pl/
cat >bad.jsonl <<'J'
{"PK":"ESTIMATION#est-bad","SK":"METADATA","EntityType":"Estimation","EstimationId":"est-bad","UserId":"user123","ProjectName":"Bad fleet","Status":"ACTIVE","GSI2PK":"STATUS#ACTIVE","GSI2SK":"ESTIMATION#est-bad","Version":1,"ClientInfo":{"RegionPreference":["us-east-1"]}}
{"PK":"ESTIMATION#est-bad","SK":"REQUIREMENTS","EntityType":"EstimationRequirements","EstimationId":"est-bad","ComputeRequirements":[{"SuggestedInstanceType":"t3.large","MinInstances":5,"MaxInstances":2}]}
J
c table import bad.jsonl || exit
c nightly --no-recalc --at 2026-12-02T02:00:00Z; echo "nightly --no-recalc: exit $?"
[ -e state/reports/2026-12-02 ] || echo "no report yet"
c table query calculations est456 | jq -r .SK | head -1
for i in 0 1; do
	"$COSTCTL" --state worker$i --store "sqlite:$PWD/state/costplatform.db" recalc --no-docs --shard $i/2 --at 2026-12-02T03:00:00Z \
		--pricebook state/pricebook.current 2>w$i.log
	echo "worker $i: exit $?" >>workers.txt
done
sort workers.txt | uniq -c | sed 's/^ *//'
sed -n 's/.*recalc: \([0-9]*\) estimations: \([0-9]*\) written.*/\1 \2/p' w0.log w1.log |
	awk '{ n += $1; w += $2 } END { print n " estimations in the two segments, " w " written" }'
c report 2026-12-02 >summary.md; echo "report: exit $?"
sed -n '/^- prices/p; /^- estimations/p; /^| est456/p; /^## Estimations that failed/p; /^| est-bad/p' summary.md
grep '^est-bad,' state/reports/2026-12-02/estimations.csv
grep '^est456,' state/reports/2026-12-02/estimations.csv | cut -d, -f1,3-5
# report.pdf says the same
pdftotext -layout state/reports/2026-12-02/report.pdf - 2>/dev/null | grep -o 'failed: est-bad: .*' | sed 's/ *$//'
