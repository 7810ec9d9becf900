. "$(dirname "$0")/lib.inc"
command -v flock >/dev/null || { echo "flock(1) is not installed" >&2; exit 77; }
mkdir -p state
flock -n state/costctl.lock -c 'echo 12345 > state/costctl.lock; touch held; sleep 30' &
holder=$!
for _ in $(seq 100); do [ -e held ] && break; sleep 0.05; done
"$COSTCTL" --state state ingest $(all_offers)
rc=$?
kill $holder 2>/dev/null; wait 2>/dev/null
exit $rc
