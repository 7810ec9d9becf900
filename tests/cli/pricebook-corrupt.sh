. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
cp state/pricebook.current bad.cpb
size=$(stat -c %s bad.cpb)
printf 'X' | dd of=bad.cpb bs=1 seek=$((size / 2)) conv=notrunc status=none
"$COSTCTL" pricebook verify bad.cpb
