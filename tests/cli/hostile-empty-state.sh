# An empty state directory meant '/': ingest wrote /costctl.lock, /pricebooks.
. "$(dirname "$0")/lib.inc"
"$COSTCTL" --state '' ingest $(all_offers); echo "flag: $?"
COSTCTL_STATE= "$COSTCTL" ingest $(all_offers); echo "env: $?"
printf 'state =\n' >c.conf
"$COSTCTL" --config c.conf ingest $(all_offers); echo "file: $?"
"$COSTCTL" --store 'sqlite:' table init; echo "store: $?"
"$COSTCTL" --config missing.conf price --dump; echo "missing config: $?"
