#!/bin/sh
# `make demo`: the main job on the embedded default, with no network.
# Today that is fetch, ingest and recalc: the bundled price list
# (fixtures/pricelist, the real API's layout) is fetched over file:// into
# ./state/offers, becomes a pricebook, and a few prices are looked up in
# it; the platform's table is created in the embedded SQLite store, loaded
# with the seed's items, and every active estimation is priced into a new
# CALCULATION by yesterday's night of the nightly job; est456's documents
# are made, the requirements template is written and a filled one
# (fixtures/intake/northwind.xlsx) imported as a new estimation; then
# today's night runs over the next price list (fixtures/pricelist-night2).
set -eu
costctl=${1:-build/costctl}
state=${COSTCTL_STATE:-state}

echo "== fetch: file://$PWD/fixtures/pricelist -> $state/offers (only what changed)"
"$costctl" --state "$state" fetch --base-url "file://$PWD/fixtures/pricelist"
echo
echo "== ingest: $state/offers -> $state/pricebook.current"
"$costctl" --state "$state" ingest
echo
"$costctl" pricebook info "$state/pricebook.current"
echo
echo "== price: t3.xlarge and m5.large, Linux, us-east-1, on demand"
"$costctl" --state "$state" price --format table --model OnDemand AmazonEC2 us-east-1 \
	operatingSystem=Linux instanceType=t3.xlarge
"$costctl" --state "$state" price --format table --model OnDemand AmazonEC2 us-east-1 \
	operatingSystem=Linux instanceType=m5.large | tail -n +2
echo
echo "== price: m5.large 1-year standard reservation, partial upfront"
"$costctl" --state "$state" price --format table --model RESERVED_1YR_PARTIAL_UPFRONT \
	AmazonEC2 us-east-1 instanceType=m5.large operatingSystem=Linux
echo
echo "== table: the platform's table in the SQLite store ($state/costplatform.db)"
"$costctl" --state "$state" table init
"$costctl" --state "$state" table import fixtures/table/seed.jsonl
echo "active estimations:"
"$costctl" --state "$state" table query active-estimations |
	sed 's/.*"EstimationId":"\([^"]*\)".*"ProjectName":"\([^"]*\)".*/  \1  \2/'
echo
echo "== price: S3 Standard storage tiers and data transfer out of us-east-1"
"$costctl" --state "$state" price --format table AmazonS3 us-east-1 volumeType=Standard
"$costctl" --state "$state" price --format table AWSDataTransfer us-east-1 \
	usagetype=DataTransfer-Out-Bytes | tail -n +2
echo
yesterday=$(date -u -d yesterday +%Y-%m-%d)
echo "== nightly, night 1 ($yesterday): the job cron runs: every active estimation priced, documents made"
COSTCTL_FETCH_BASE_URL="file://$PWD/fixtures/pricelist" "$costctl" -q --state "$state" nightly --force \
	--at "${yesterday}T02:00:00Z"
sed -n '1,/^## Price lists/p' "$state/reports/$yesterday/summary.md" | grep -v '^## Price lists' | sed 's/^/  /'
echo
echo "== rebuild est456 --dry-run: the seed's estimation, line by line"
"$costctl" --state "$state" rebuild --dry-run est456
echo
echo "== docs est456: the client's PDF proposal and XLSX workbook"
"$costctl" --state "$state" docs est456 >"$state/docs-est456.tsv"
cut -f1,2 "$state/docs-est456.tsv" | sed 's/^/  /'
pdf=$(awk '$1 == "pdf" { print $2 }' "$state/docs-est456.tsv")
xlsx=$(awk '$1 == "xlsx" { print $2 }' "$state/docs-est456.tsv")
echo
echo "== intake: the requirements workbook, blank and filled (imported yesterday afternoon, between the nights)"
"$costctl" -q --state "$state" intake template "$state/requirements-template.xlsx"
echo "  blank template: $state/requirements-template.xlsx"
if "$costctl" -q --state "$state" table get ESTIMATION#est-northwind METADATA >/dev/null 2>&1; then
	how="--estimation est-northwind" # made by an earlier demo: its requirements replaced
else
	how="--owner user123 --id est-northwind"
fi
# shellcheck disable=SC2086
"$costctl" --state "$state" intake import $how --at "${yesterday}T15:00:00Z" fixtures/intake/northwind.xlsx \
	2>"$state/intake.log" |
	grep -E '^ +(Total|Subtotal)'
sed -n 's/^[^ ]* info intake: /  /p' "$state/intake.log" | grep -v 'example row'
echo
# the next night's price list: the same tree with a new EC2 us-east-1 version
# (fixtures/pricelist-night2: t3.xlarge up, r5.xlarge down, c5.2xlarge gone,
# t3a.large new; every other offer as it was)
rm -rf "$state/pricelist-night2"
cp -rL fixtures/pricelist "$state/pricelist-night2"
cp -r fixtures/pricelist-night2/. "$state/pricelist-night2/"
night2=$(date -u +%Y-%m-%d)
echo "== nightly, night 2 ($night2): EC2 us-east-1 published a new version"
COSTCTL_FETCH_BASE_URL="file://$(cd "$state/pricelist-night2" && pwd)" "$costctl" -q --state "$state" nightly --force
sed -n '1,/^## Price lists/p' "$state/reports/$night2/summary.md" | grep -v '^## Price lists' | sed 's/^/  /'
echo
pb=$(readlink -f "$state/pricebook.current")
cat <<DONE
== done: the demo fetched, ingested and stored, with no network
  binary          $costctl   (or 'make install': /usr/local/bin/costctl, man costctl)
  state directory $state/
  offer files     $state/offers/<offer>/<region>/index.json   (from file://$PWD/fixtures/pricelist)
  pricebook       $state/pricebook.current -> ${pb#"$PWD"/}
  table (SQLite)  $state/costplatform.db   (the seed's items, and a new CALCULATION for each
                  active estimation: 'table query calculations est456')
  proposal (PDF)  $pdf
  workbook (XLSX) $xlsx
                  (a DOCUMENT item each: 'table query documents est456')
  morning reports $state/reports/$yesterday/ and $state/reports/$night2/ (summary.md, estimations.csv,
                  changes.csv, report.json, report.xlsx, report.pdf)
  intake          $state/requirements-template.xlsx (blank), est-northwind (imported from
                  fixtures/intake/northwind.xlsx: 'table query estimation est-northwind')

Try next:
  $costctl --state $state price --format table AmazonRDS us-east-1 databaseEngine=MySQL
  $costctl --state $state rebuild --format json --dry-run est456 | jq .DetailedCosts
  $costctl pricebook verify $state/pricebook.current
  $costctl --state $state docs --template summary --format pdf est456
  $costctl --state $state intake import --owner user123 --dry-run fixtures/intake/northwind.csv
DONE
