# A FIFO blocked open() forever (ingest while holding the lock); a
# directory read as "No such device".
. "$(dirname "$0")/lib.inc"
mkfifo f.json f.conf
"$COSTCTL" --state state ingest f.json; echo "input: $?"
"$COSTCTL" --config f.conf price --dump; echo "config: $?"
mkdir pbdir
"$COSTCTL" --state state price --pricebook pbdir AmazonEC2 us-east-1; echo "pricebook: $?"
