# The region index names a version the file does not have: not accepted;
# the same mismatch twice is what the server serves, so it is permanent (exit 2,
# not 75: a scheduler would retry it forever).
. "$(dirname "$0")/lib.inc"
copy_pricelist pl
v=pl/offers/v1.0/aws/AWSShield
mkdir -p $v/20261201000000/us-east-1
cp $v/20261107100000/us-east-1/index.json $v/20261201000000/us-east-1/ # still says 20261107100000
sed -i 's/20261107100000/20261201000000/' $v/current/region_index.json
"$COSTCTL" --state state fetch --base-url "file://$PWD/pl" --services AWSShield
rc=$?
find state/offers -name index.json | wc -l
exit $rc
