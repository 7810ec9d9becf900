. "$(dirname "$0")/lib.inc"
"$COSTCTL" --log-format json --state state ingest "$FIXTURES/offers/AWSShield/us-east-1/index.json" 2>log || exit
# every line is one JSON object with these fields
grep -c -v '^{"time":"[0-9T:Z-]*","level":"[a-z]*","component":"ingest","msg":".*"}$' log
grep -c '"level":"info"' log
