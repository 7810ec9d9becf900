# An ETag with a bare CR was stored and sent back verbatim as a header:
# it is dropped (the file is still fetched, with no ETag recorded).
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
start_faults "$PWD/pl"
"$COSTCTL" --state state fetch --base-url "http://127.0.0.1:$FAULT_PORT/badetag" \
	--services AWSShield --regions us-east-1 || exit
grep -c Injected state/fetch-manifest.json
find state/offers -name index.json | wc -l
