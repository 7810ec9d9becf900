# A real HTTP server: a second night requests no offer file at all.
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
start_nginx "$PWD/pl"
base="http://127.0.0.1:$NGINX_PORT"
"$COSTCTL" --state state fetch --base-url "$base" || exit
# first night: every offer file, gzip for the large ones
grep -c '^200 GET /offers/v1.0/aws/[A-Za-z0-9]*/[0-9]*/[a-z0-9-]*/index.json' nginx/access.log
grep -c '^200 GET /offers/v1.0/aws/AmazonEC2/[0-9]*/us-east-1/index.json HTTP/1.1 gzip' nginx/access.log
: >nginx/access.log
kill -USR1 "$(cat nginx/nginx.pid)"; sleep 0.2 # reopen the log
"$COSTCTL" --state state fetch --base-url "$base" || exit
# second night: the offer index and 13 region indexes, nothing else
grep -c 'GET ' nginx/access.log
grep -c '/[0-9]\{14\}/' nginx/access.log
# AWS publishes a new S3 version: only that file is fetched
old=pl/offers/v1.0/aws/AmazonS3/20261112211530/us-east-1
new=pl/offers/v1.0/aws/AmazonS3/20261124000000/us-east-1
mkdir -p $new
sed 's/20261112211530/20261124000000/; s/"0.0230000000"/"0.0220000000"/' $old/index.json >$new/index.json
sed -i 's/20261112211530/20261124000000/' pl/offers/v1.0/aws/AmazonS3/current/region_index.json
: >nginx/access.log
kill -USR1 "$(cat nginx/nginx.pid)"; sleep 0.2
"$COSTCTL" --state state fetch --base-url "$base" 2>log3 || exit
grep -c '/[0-9]\{14\}/' nginx/access.log
grep -o '17 offer files: 1 downloaded (0 resumed), 16 unchanged' log3
grep -c '"costctl/[0-9.]*"$' nginx/access.log # every request names costctl
"$COSTCTL" -q --state state ingest && echo "ingested"
[ -z "$(all_complete state)" ] && echo "all complete"
