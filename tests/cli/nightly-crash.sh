# A night killed (SIGKILL) at the start of each stage, then run again:
# the second run finishes the night with the same report as a night that
# was never killed, and nothing twice: one CALCULATION of the night for
# est456, as many DOCUMENT items as the night never killed has. A run
# killed between fetch and ingest is ingested next time, though nothing
# new is downloaded then. (The hook
# COSTCTL_NIGHTLY_KILL_AT=STAGE makes costctl kill itself there.) A run
# killed after publishing still reports against the pricebook the night
# began with (state/nightly/DATE.start).
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
c() { "$COSTCTL" -q --state "$1" "${@:2}"; }
setup() {
	rm -rf "$1"
	c "$1" table init && c "$1" table import "$FIXTURES/table/seed.jsonl" &&
		COSTCTL_FETCH_BASE_URL=file://$PWD/pl c "$1" nightly --at 2026-12-01T02:00:00Z
}
# night 2's price list: t3.xlarge dearer in a new EC2 version
night2() {
	v=pl/offers/v1.0/aws/AmazonEC2
	mkdir -p $v/20261201000000/us-east-1
	sed 's/"0.1664000000"/"0.1800000000"/; s/"version" : "20261115143012"/"version" : "20261201000000"/' \
		$v/20261115143012/us-east-1/index.json >$v/20261201000000/us-east-1/index.json
	sed -i 's|20261115143012/us-east-1|20261201000000/us-east-1|' $v/current/region_index.json
}
for s in ref fetch ingest recalc report; do setup "st-$s" || exit; done
night2
export COSTCTL_FETCH_BASE_URL=file://$PWD/pl
c st-ref nightly --at 2026-12-02T02:00:00Z || exit
for s in fetch ingest recalc report; do
	(COSTCTL_NIGHTLY_KILL_AT=$s exec "$COSTCTL" -q --state "st-$s" nightly --at 2026-12-02T02:00:00Z 2>/dev/null)
	killed=$?
	"$COSTCTL" --state "st-$s" nightly --at 2026-12-02T02:00:00Z 2>"st-$s.log"
	again=$?
	same=no
	cmp -s st-ref/reports/2026-12-02/estimations.csv "st-$s/reports/2026-12-02/estimations.csv" &&
		cmp -s st-ref/reports/2026-12-02/changes.csv "st-$s/reports/2026-12-02/changes.csv" && same=yes
	calcs=$(c "st-$s" table query calculations est456 | grep -c '"SK":"CALCULATION#2026-12-02')
	docs=$(c "st-$s" table query documents est456 | grep -c '"GeneratedBy":"costctl"')
	ref_docs=$(c st-ref table query documents est456 | grep -c '"GeneratedBy":"costctl"')
	audit=$(c "st-$s" table get AUDIT#2026-12-02 LOG#costctl#nightly#2026-12-02 | jq -r .Result)
	echo "killed at $s: exit $killed; again: exit $again; report as if never killed: $same;" \
		"est456: $calcs calculation(s) of the night, documents as the unkilled night: $([ "$docs" = "$ref_docs" ] && echo yes || echo "no ($docs, not $ref_docs)"); audit: $audit"
done
grep -h -o 'resuming the night of 2026-12-02' st-report.log
grep -h -o 'the current pricebook does not hold every fetched offer: ingesting' st-ingest.log
