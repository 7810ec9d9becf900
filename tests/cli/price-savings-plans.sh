# A Savings Plans CSV (fixtures/savingsplans: three rows of AWS's real
# Database Savings Plans file for ap-south-2) ingested into a pricebook,
# and its rates looked up by plan, term and purchase option as the
# on-demand prices they discount: RDS db.r7i.2xlarge, 1 year No Upfront,
# 1.824 an hour Multi-AZ and 0.912 Single-AZ, as the file says.
. "$(dirname "$0")/lib.inc"
sp=$FIXTURES/savingsplans/AWSDatabaseSavingsPlans/ap-south-2/index.csv
"$COSTCTL" -q ingest --output sp.cpb "$sp" || exit
"$COSTCTL" pricebook info sp.cpb | sed -n '/^offers/,$p' | sed 's| /.*fixtures/| fixtures/|'
p() { "$COSTCTL" price --pricebook sp.cpb "$@"; }
p --model SAVINGS_PLAN_DATABASE_1YR_NO_UPFRONT AmazonRDS ap-south-2 instanceType=db.r7i.2xlarge |
	jq -r '[.key.usagetype, .key.discountedSku, .price, .unit, .sku] | @tsv' | sort
p --model SAVINGS_PLAN_DATABASE_1YR_NO_UPFRONT AWSDatabaseMigrationSvc ap-south-2 | jq -r '[.key.usagetype, .price] | @tsv'
# the plan by the on-demand SKU it discounts
p --model SavingsPlan AmazonRDS ap-south-2 discountedSku=25B2RB2TJW9VCXZ6 | jq -r .price
# no 3-year plan in the file: no price, said so
p --model SAVINGS_PLAN_DATABASE_3YR_NO_UPFRONT AmazonRDS ap-south-2 instanceType=db.r7i.2xlarge 2>&1 |
	sed "s/^[^ ]* //; s|'[^']*sp.cpb'|'sp.cpb'|"; echo "exit ${PIPESTATUS[0]}"
p --model SAVINGS_PLAN_LAMBDA_1YR_NO_UPFRONT AmazonRDS ap-south-2 2>&1 | sed 's/^[^ ]* //'; echo "exit ${PIPESTATUS[0]}"
