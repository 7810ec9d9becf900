# recalc makes the documents of each estimation whose numbers moved, in its
# parallel stage: the same bytes on 1 thread and on 2; a run where no
# number moved makes none; --no-docs makes none.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state "$1" "${@:2}"; }
c state table init && c state table import "$FIXTURES/table/seed.jsonl" || exit
cp -a state state2 && cp -a state state3 || exit
"$COSTCTL" --state state recalc --threads 1 --at 2026-12-01T02:00:00Z 2>one.log; echo "1 thread: exit $?"
"$COSTCTL" --state state2 recalc --threads 2 --at 2026-12-01T02:00:00Z 2>two.log; echo "2 threads: exit $?"
grep -o 'documents: .* failed' one.log
(cd state/documents && find . -type f | sort)
(cd state/documents && find . -type f | sort | xargs sha256sum) >one.sha
(cd state2/documents && find . -type f | sort | xargs sha256sum) >two.sha
cmp -s one.sha two.sha && echo "1 and 2 threads: the same files, byte for byte"
c state table query documents est456 | jq -r 'select(.GeneratedBy == "costctl") | [.DocumentType, .CalculationId == "'"$(c state table query latest-calculation est456 | jq -r .CalculationId)"'"] | @tsv'
# again, forced, a day later: new calculations, the same numbers, no documents
"$COSTCTL" --state state recalc --force --at 2026-12-02T02:00:00Z 2>again.log; echo "again: exit $?"
grep -o 'documents: .* failed' again.log
# --no-docs
"$COSTCTL" --state state3 recalc --no-docs --at 2026-12-01T02:00:00Z 2>nodocs.log; echo "--no-docs: exit $?"
[ -e state3/documents ] || echo "--no-docs: no documents"
echo "documents lines in its log: $(grep -c 'documents:' nodocs.log)"
