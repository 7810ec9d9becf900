. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
"$COSTCTL" pricebook verify state/pricebook.current
n=$("$COSTCTL" --state state price --dump | wc -l)
"$COSTCTL" pricebook info state/pricebook.current | grep -q "^entries:  $n\$" && echo "dump has every entry"
"$COSTCTL" pricebook info state/pricebook.current | grep -q "^sha256:   $(current_sha)\$" && echo "sha256 is the file's"
