#!/bin/sh
# `make demo`: the main job on the embedded default, with no network.
# Today that is the ingest stage: the bundled fixture price lists become a
# pricebook in ./state, and a few prices are looked up in it. Later stages
# (fetch from file://, recalc into the SQLite store, documents, the diff
# report) join here as they land.
set -eu
costctl=${1:-build/costctl}
state=${COSTCTL_STATE:-state}

echo "== ingest: bundled price lists (fixtures/offers) -> $state/pricebook.current"
"$costctl" --state "$state" ingest $(find fixtures/offers -name index.json | sort)
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
echo "== price: S3 Standard storage tiers and data transfer out of us-east-1"
"$costctl" --state "$state" price --format table AmazonS3 us-east-1 volumeType=Standard
"$costctl" --state "$state" price --format table AWSDataTransfer us-east-1 \
	usagetype=DataTransfer-Out-Bytes | tail -n +2
