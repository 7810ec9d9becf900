# recalc: 1 and 2 threads write byte-identical calculations; a second run
# writes nothing; --force writes again; two shards together price every
# active estimation exactly once.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
setup() { # setup DIR: a state with the pricebook and the seed's table
	mkdir -p "$1" && cp -a state/. "$1/"
	"$COSTCTL" -q --state "$1" table init && "$COSTCTL" -q --state "$1" table import "$FIXTURES/table/seed.jsonl"
}
calcs() { "$COSTCTL" --state "$1" table export | grep '"SK":"CALCULATION#2026-12-01T02:00:00Z"'; }
setup one && setup two && setup shards || exit
"$COSTCTL" -q --state one recalc --threads 1 --at 2026-12-01T02:00:00Z || exit
"$COSTCTL" -q --state two recalc --threads 2 --at 2026-12-01T02:00:00Z || exit
calcs one >one.jsonl
calcs two >two.jsonl
echo "calculations: $(wc -l <one.jsonl)"
cmp one.jsonl two.jsonl && echo "1 and 2 threads: identical"
"$COSTCTL" --state one recalc --at 2026-12-01T03:00:00Z 2>&1 | grep -o '[0-9]* written, [0-9]* unchanged'
"$COSTCTL" --state one recalc --force --at 2026-12-01T04:00:00Z 2>&1 | grep -o '[0-9]* written, [0-9]* unchanged'
"$COSTCTL" --state shards recalc --shard 0/2 --at 2026-12-01T02:00:00Z 2>shard0.log || exit
"$COSTCTL" --state shards recalc --shard 1/2 --at 2026-12-01T02:00:00Z 2>shard1.log || exit
b=$(grep -o 'recalc: [0-9]* estimations' shard1.log | grep -o '[0-9]*' | head -1)
a=$(grep -o 'recalc: [0-9]* estimations' shard0.log | grep -o '[0-9]*' | head -1)
echo "shards: $((a + b)) estimations"
calcs shards | cmp - one.jsonl && echo "shards: the same calculations"
"$COSTCTL" --state shards recalc --at 2026-12-01T05:00:00Z 2>&1 | grep -o '[0-9]* written, [0-9]* unchanged'
