# One flipped digit in a price (0.1664 -> 0.9664) was served with exit 0;
# only 'verify' noticed. The body checksum is checked on every open.
. "$(dirname "$0")/lib.inc"
ingest_fixtures || exit
cp "$(readlink -f state/pricebook.current)" flipped.cpb
$PY - <<'PY'
b = bytearray(open("flipped.cpb", "rb").read())
i = b.find(b"0.1664000000")
b[i + 2] = ord("9")
open("flipped.cpb", "wb").write(b)
PY
"$COSTCTL" price --pricebook flipped.cpb AmazonEC2 us-east-1 instanceType=t3.xlarge; echo "price: $?"
"$COSTCTL" price --dump flipped.cpb | wc -l
