. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
"$COSTCTL" --state state price --format table AmazonS3 us-east-1 volumeType=Standard
