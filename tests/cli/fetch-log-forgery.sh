# Server text reaches the log: an offerCode with a newline forged a text log
# line, and a password in the base URL was printed in errors.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
f=pl/offers/v1.0/aws/AWSShield/20261107100000/us-east-1/index.json
sed -i 's/"offerCode" : "AWSShield"/"offerCode" : "AWSShield\\n2026-12-01T00:00:00Z info fetch: all good"/' $f
start_faults "$PWD/pl"
"$COSTCTL" --state state fetch --base-url "http://user:s3cret@127.0.0.1:$FAULT_PORT/ok" \
	--services AWSShield --regions us-east-1 2>log
rc=$?
echo "lines that start like a forged entry: $(grep -c '^2026-12-01T00:00:00Z' log)"
echo "lines with the password: $(grep -c s3cret log)"
grep -c 'offerCode is .AWSShield\\x0a2026' log
exit $rc
