# A partial file from another ETag (the file changed meanwhile): the
# server answers If-Range with the whole file, and the download starts over.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
start_faults "$PWD/pl"
d=state/offers/AWSShield/us-east-1
mkdir -p $d
head -c 500 pl/offers/v1.0/aws/AWSShield/20261107100000/us-east-1/index.json | tr 'a-z' 'A-Z' >$d/.index.json.part
printf 'url http://127.0.0.1:%s/ok/offers/v1.0/aws/AWSShield/20261107100000/us-east-1/index.json\netag "0000000000000000"\n' "$FAULT_PORT" >$d/.index.json.part.meta
"$COSTCTL" --state state fetch --base-url "http://127.0.0.1:$FAULT_PORT/ok" --services AWSShield --regions us-east-1 || exit
cmp pl/offers/v1.0/aws/AWSShield/20261107100000/us-east-1/index.json $d/index.json && echo identical
ls -A $d
echo "206 responses: $(grep -c ' 206' faults.log)"
