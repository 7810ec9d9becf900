# A full disk while writing the pricebook: clear error, current kept, no debris.
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || { echo "needs root to mount a small tmpfs" >&2; exit 77; }
mkdir small
mount -t tmpfs -o size=48k tmpfs small 2>/dev/null || { echo "cannot mount tmpfs here" >&2; exit 77; }
trap 'umount small' EXIT
"$COSTCTL" -q --state small/state ingest "$FIXTURES/offers/AWSShield/us-east-1/index.json" || exit
before=$(sha256sum small/state/pricebook.current | cut -d' ' -f1)
"$COSTCTL" --state small/state ingest $(all_offers)
rc=$?
[ "$(sha256sum small/state/pricebook.current | cut -d' ' -f1)" = "$before" ] && echo "current pricebook kept"
ls -A small/state/pricebooks | grep -c -v '^pb-'
exit $rc
