# ingest --output never renames over a device, a link or a directory (as
# root, --output /dev/null had replaced the device node with a file).
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
before=$(readlink state/pricebook.current)
"$COSTCTL" --state state ingest --output state/pricebook.current $(all_offers); echo "link: $?"
[ "$(readlink state/pricebook.current)" = "$before" ] && echo "pricebook.current is still the link"
ln -s /dev/null devlink
"$COSTCTL" --state state ingest --output devlink $(all_offers); echo "devlink: $?"
mkdir adir
"$COSTCTL" --state state ingest --output adir $(all_offers); echo "dir: $?"
[ -c /dev/null ] && echo "/dev/null is a device"
"$COSTCTL" --state state ingest --output '' $(all_offers); echo "empty: $?"
