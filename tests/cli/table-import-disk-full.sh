# A full disk during 'table import' left 36,500 of 200,000 rows and said
# "cannot rollback - no transaction is active". One transaction now: the
# disk-full error itself, and nothing imported.
. "$(dirname "$0")/lib.inc"
[ "$(id -u)" = 0 ] || { echo "needs root to mount a small tmpfs" >&2; exit 77; }
mkdir small
mount -t tmpfs -o size=1m tmpfs small 2>/dev/null || { echo "cannot mount tmpfs here" >&2; exit 77; }
trap 'umount small' EXIT
"$COSTCTL" -q --state small/state table init || exit
$PY -c '
for i in range(20000):
    print("{\"PK\":\"ITEM#%d\",\"SK\":\"X\",\"pad\":\"%s\"}" % (i, "x" * 200))' >items.jsonl
"$COSTCTL" --state small/state table import items.jsonl
rc=$?
echo "items: $("$COSTCTL" --state small/state table export 2>/dev/null | wc -l)"
exit $rc
