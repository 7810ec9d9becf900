# Documents owed: a recalc whose documents fail (here the documents
# directory cannot be made) writes its calculations, exits 3 and keeps the
# estimations in state/documents-pending; the next recalc, with nothing to
# price, makes exactly those documents and empties the list. An owed id
# that is no longer an active estimation is dropped; a line that is not an
# id is skipped.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
c() { "$COSTCTL" -q --state state "$@"; }
c table init && c table import "$FIXTURES/table/seed.jsonl" || exit
touch blocker
COSTCTL_DOCUMENTS=$PWD/blocker/docs "$COSTCTL" --state state recalc --at 2026-12-01T02:00:00Z 2>fail.log
echo "documents failing: exit $?"
grep -o 'documents: .* failed' fail.log
cat state/documents-pending
echo gone1 >>state/documents-pending
# lines that are not estimation ids (a path, one far too long, an empty one) are skipped, never used
printf '../../etc/passwd\n%s\n\n' "$(head -c 300 /dev/zero | tr '\0' a)" >>state/documents-pending
"$COSTCTL" --state state recalc --at 2026-12-01T02:00:00Z 2>again.log; echo "again: exit $?"
grep -o '[0-9]* estimations: .* failed' again.log
grep -o "[0-9]* estimations' documents are owed from an earlier run" again.log
grep -o 'documents: .* failed' again.log
(cd state/documents && find . -type f | sort)
[ -e state/documents-pending ] && cat state/documents-pending || echo "nothing owed"
