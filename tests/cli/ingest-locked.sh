. "$(dirname "$0")/lib.inc"
mkdir -p state
# hold the run lock from this shell (no helper process left behind)
exec 9>state/costctl.lock
flock -n 9 || { echo "cannot take the lock" >&2; exit 1; }
echo 12345 >&9
"$COSTCTL" --state state ingest $(all_offers) 9>&-
