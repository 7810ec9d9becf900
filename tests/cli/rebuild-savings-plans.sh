# est456 under a Compute Savings Plan, 3 years, No Upfront, and its
# commitment ladder's Savings Plans rows, against the fixture offers and
# fixtures/savingsplans/AWSComputeSavingsPlan/us-east-1 (fixtures/README.md).
#
# est456's web tier is t3.xlarge Linux, auto-scaled 2..10: on average
# 2 + (10 - 2) x (95 - 70) / 100 = 4 instances x 744 h = 2976 h at 0.1664.
# A Savings Plan commits to the floor, MinInstances = 2 (savings_plan.coverage
# = minimum):
#   Compute SP 3yr No Upfront, t3.xlarge 0.0830/h:
#     2 x 744 x 0.0830 = 123.5040 under the plan
#     2 x 744 x 0.1664 = 247.6032 on demand above it
#     line = 371.1072 -> 371.11; commitment 2 x 0.0830 = 0.166 $/h; no upfront
#   Compute before: 495.21 (2976 x 0.1664 = 495.2064); subtotal 2448.58 - 495.21
#     + 371.11 = 2324.48; support business-plus 9% (under 10,000) 209.2032 -> 209.20;
#     buffer 10% of 2533.68 = 253.368 -> 253.37; total 2787.05.
#   Compute SP 1yr No Upfront, 0.1190/h: 2 x 744 x 0.119 = 177.0720 + 247.6032 = 424.6752
#     -> 424.68; subtotal 2448.58 - 495.21 + 424.68 = 2378.05; support 9% 214.0245 -> 214.02;
#     buffer 10% of 2592.07 -> 259.21; total 2851.28; commitment 0.238 $/h.
#   Compute SP 1yr Partial Upfront, 0.1140/h: commitment 0.228 $/h; upfront half of
#     0.228 x 8760 = 1997.28 -> 998.64.
#   EC2 Instance SP 3yr All Upfront, 0.0640/h: commitment 0.128; upfront
#     0.128 x 8760 x 3 = 3363.84.
# RDS is not covered by a Compute SP: its lines stay on demand (an assumption says so).
. "$(dirname "$0")/lib.inc"
ingest_fixtures_sp || exit
"$COSTCTL" -q --state state table init && "$COSTCTL" -q --state state table import "$FIXTURES/table/seed.jsonl" || exit
r() { "$COSTCTL" --state state rebuild --dry-run "$@" 2>/dev/null; }
r --model SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT est456 | sed -n '/^Compute /p; /Subtotal\|Support\|Buffer\|Total  /p'
item=$(r --format json --model SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT est456)
jq -c '.Lines[0] | {PricingModel, Sku, Rate, SavingsPlan, MonthlyCost}' <<<"$item"
jq -r '.Assumptions[] | select(test("Savings|SavingsPlans"))' <<<"$item"
jq -r '.UpfrontCost, .TotalMonthlyCost' <<<"$item"
echo "-- the ladder's Savings Plans rows"
jq -r '.CommitmentLadder[] | select(.PricingModel | startswith("SAVINGS_PLAN")) |
	[.PricingModel, .TotalMonthlyCost, .UpfrontCost, .HourlyCommitment, .BreakEvenMonth] | @tsv' <<<"$item"
echo "-- a model the estimation can name"
"$COSTCTL" --state state rebuild --dry-run --model SAVINGS_PLAN_LAMBDA_3YR_NO_UPFRONT est456 2>&1 | sed 's/^[^ ]* //'
echo "exit ${PIPESTATUS[0]}"
echo "-- savings_plan.coverage = average: all 4 under the plan"
printf 'savings_plan.coverage = average\n' >avg.conf
# 4 x 744 x 0.0830 = 247.0080 -> 247.01; commitment 4 x 0.083 = 0.332
"$COSTCTL" --config avg.conf --state state rebuild --dry-run --format json --model SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT est456 2>/dev/null |
	jq -c '.Lines[0] | [.MonthlyCost, .SavingsPlan.CoveredInstances, .SavingsPlan.HourlyCommitment]'
printf 'savings_plan.coverage = most\n' >bad.conf
"$COSTCTL" --config bad.conf --state state rebuild --dry-run est456 2>&1 | sed 's/^[^ ]* //'
echo "exit ${PIPESTATUS[0]}"
echo "-- no Savings Plans file: on demand, warned"
"$COSTCTL" -q --state s2 ingest $(all_offers) && "$COSTCTL" -q --state s2 table init && "$COSTCTL" -q --state s2 table import "$FIXTURES/table/seed.jsonl"
"$COSTCTL" --state s2 rebuild --dry-run --format json --model SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT est456 2>/dev/null |
	jq -r '.Lines[0].Status, .Lines[0].MonthlyCost, (.Warnings[] | select(test("SAVINGS")))'
