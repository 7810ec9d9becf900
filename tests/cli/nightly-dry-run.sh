# nightly --dry-run before night 2 of the demo's price list: it says what
# the night would do (the new EC2 us-east-1 version, its price changes,
# est456's move worked out in nightly-two-nights.sh: 2935.85 -> 2984.37)
# and writes nothing: the table, the state directory and the pricebook
# are as they were (the run lock records its pid). Then the night itself does what the dry run said.
. "$(dirname "$0")/lib.inc"
c() { "$COSTCTL" -q --state state "$@"; }
night_one || exit
cp -r "$FIXTURES/pricelist-night2/." pl/
c table export | sort >table.before
(cd state && find . -type f ! -name costctl.lock | sort | xargs sha256sum) >files.before
c nightly --dry-run --at 2026-12-02T02:00:00Z; echo "dry run: exit $?"
c table export | sort | cmp -s table.before - && echo "the table is as it was"
(cd state && find . -type f ! -name costctl.lock | sort | xargs sha256sum) | cmp -s files.before - && echo "the state directory is as it was"
c nightly --at 2026-12-02T02:00:00Z || exit
grep '^est456,' state/reports/2026-12-02/estimations.csv | cut -d, -f1,3-5
# nothing would change the night after: the dry run says so
c nightly --dry-run --at 2026-12-03T02:00:00Z | sed 's/[0-9a-f]\{12\} stays/PB stays/'
