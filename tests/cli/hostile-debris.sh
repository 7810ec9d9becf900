# A killed ingest left incoming-PID.* files in <state>/pricebooks and
# costctl-spool-* in $TMPDIR, and no later run removed them. Under the lock,
# ingest removes what dead pids left, and says how much.
. "$(dirname "$0")/lib.inc"
mkdir -p state/pricebooks tmp
dead=$(sh -c 'echo $$')   # a pid that has exited
head -c 1000 /dev/zero >"state/pricebooks/incoming-$dead.cpb.run.abc123"
head -c 500 /dev/zero >"state/pricebooks/incoming-$dead.cpb"
head -c 24 /dev/zero >"tmp/costctl-spool-$dead-XyZ123"
head -c 7 /dev/zero >"state/pricebooks/incoming-$$.cpb.tmp.live" # alive: kept
TMPDIR=$PWD/tmp "$COSTCTL" --state state ingest $(all_offers) || exit
ls state/pricebooks | grep -c "^incoming-$dead"
ls tmp | wc -l
ls state/pricebooks | grep -c "^incoming-$$"
