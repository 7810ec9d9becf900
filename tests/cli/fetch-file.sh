# file:// (what the demo uses): all, then nothing, then only what changed.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
base="file://$PWD/pl"
"$COSTCTL" --state state fetch --base-url "$base" 2>log1 || exit
grep -o '18 offer files: 18 downloaded.*' log1 | sed 's/; [0-9]* bytes received//'
"$COSTCTL" --state state fetch --base-url "$base" 2>log2 || exit
grep -o 'all 18 offer files unchanged.*' log2 | sed 's/([0-9]* bytes)//'
# AWS publishes a new Shield version
old=pl/offers/v1.0/aws/AWSShield/20261107100000
new=pl/offers/v1.0/aws/AWSShield/20261120000000
mkdir -p "$new/us-east-1"
sed 's/20261107100000/20261120000000/; s/"3000.0000000000"/"3100.0000000000"/' "$old/us-east-1/index.json" >"$new/us-east-1/index.json"
sed -i 's/20261107100000/20261120000000/' pl/offers/v1.0/aws/AWSShield/current/region_index.json
"$COSTCTL" --state state fetch --base-url "$base" 2>log3 || exit
grep -o '18 offer files: 1 downloaded (0 resumed), 17 unchanged.*' log3 | sed 's/; [0-9]* bytes received//'
grep -c '"3100.0000000000"' state/offers/AWSShield/us-east-1/index.json
ls -A state/offers/AWSShield/us-east-1
