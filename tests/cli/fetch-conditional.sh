# An unversioned URL cannot be skipped: it is asked with If-None-Match and
# the server answers 304.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
mkdir -p pl/offers/v1.0/aws/AWSShield/current/us-east-1
cp pl/offers/v1.0/aws/AWSShield/20261107100000/us-east-1/index.json pl/offers/v1.0/aws/AWSShield/current/us-east-1/
sed -i 's|AWSShield/20261107100000/us-east-1|AWSShield/current/us-east-1|' pl/offers/v1.0/aws/AWSShield/current/region_index.json
start_nginx "$PWD/pl"
base="http://127.0.0.1:$NGINX_PORT"
"$COSTCTL" -q --state state fetch --base-url "$base" --services AWSShield || exit
"$COSTCTL" --state state fetch --base-url "$base" --services AWSShield 2>log || exit
grep -o 'AWSShield us-east-1: not modified' log
grep -c '^304 GET /offers/v1.0/aws/AWSShield/current/us-east-1/index.json' nginx/access.log
