# The disk fills while a file downloads: a clear error, no debris, yesterday's copy intact.
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || { echo "needs root to mount a small tmpfs" >&2; exit 77; }
mkdir small
mount -t tmpfs -o size=160k tmpfs small 2>/dev/null || { echo "cannot mount tmpfs here" >&2; exit 77; }
copy_pricelist pl
"$COSTCTL" -q --state small/state fetch --base-url "file://$PWD/pl" --services AWSShield || { umount small; exit 1; }
before=$(sha256sum small/state/offers/AWSShield/us-east-1/index.json)
# a new, much bigger Shield version
new=pl/offers/v1.0/aws/AWSShield/20261120000000/us-east-1
mkdir -p $new
$PY - pl/offers/v1.0/aws/AWSShield/20261107100000/us-east-1/index.json $new/index.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["version"] = "20261120000000"
d["disclaimer"] = "x" * 400000
json.dump(d, open(sys.argv[2], "w"))
PY
sed -i 's/20261107100000/20261120000000/' pl/offers/v1.0/aws/AWSShield/current/region_index.json
"$COSTCTL" --state small/state fetch --base-url "file://$PWD/pl" --services AWSShield
rc=$?
[ "$(sha256sum small/state/offers/AWSShield/us-east-1/index.json)" = "$before" ] && echo "yesterday's copy kept"
ls -A small/state/offers/AWSShield/us-east-1
umount small
exit $rc
