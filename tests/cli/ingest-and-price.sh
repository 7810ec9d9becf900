. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
"$COSTCTL" --state state price AmazonEC2 us-east-1 instanceType=t3.xlarge operatingSystem=Linux
