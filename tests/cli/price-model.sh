. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
"$COSTCTL" --state state price --model RESERVED_1YR_PARTIAL_UPFRONT AmazonEC2 us-east-1 \
	instanceType=m5.large operatingSystem=Linux
