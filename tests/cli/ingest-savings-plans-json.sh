# The Savings Plans file in its JSON shape, which AWS publishes beside the
# CSV: products and terms.savingsPlan are arrays, the lease's duration a
# number. fixtures/savingsplans/AWSComputeSavingsPlan/us-east-1/index.json
# holds the 36 rates of its CSV twin there (fixtures/README.md).
. "$(dirname "$0")/lib.inc"
sp=$FIXTURES/savingsplans/AWSComputeSavingsPlan/us-east-1
"$COSTCTL" -q ingest --output json.cpb $(all_offers) "$sp/index.json" || exit
"$COSTCTL" -q ingest --output csv.cpb $(all_offers) "$sp/index.csv" || exit
echo "-- the same rates as the CSV (which also names the discounted instance type)"
rates() { "$COSTCTL" price --dump "$1" | jq -c 'select(.model == "SavingsPlan") | del(.key.instanceType)' | sort; }
rates json.cpb >json.txt
rates csv.cpb >csv.txt
wc -l <json.txt
cmp json.txt csv.txt && echo same
"$COSTCTL" pricebook info json.cpb | grep ComputeSavingsPlans | sed 's| /.*fixtures/| fixtures/|'
echo "-- m5.large (on-demand SKU 47N8ADC7ENJ6SBYG) under each 3-year Compute Savings Plan"
for m in NO PARTIAL ALL; do
	"$COSTCTL" price --pricebook json.cpb --model "SAVINGS_PLAN_COMPUTE_3YR_${m}_UPFRONT" AmazonEC2 us-east-1 \
		discountedSku=47N8ADC7ENJ6SBYG | jq -r '[.price, .sku, .rateCode, .term.LeaseContractLength, .term.PurchaseOption] | @tsv'
done
echo "-- est456 priced from the JSON: Compute SP 3yr No Upfront, as rebuild-savings-plans works it out"
# t3.xlarge 2 x 744 x 0.0830 + 2 x 744 x 0.1664 = 371.1072 -> 371.11; total 2787.05, commitment 0.166 $/h
"$COSTCTL" -q --state state ingest $(all_offers) "$sp/index.json" || exit
"$COSTCTL" -q --state state table init && "$COSTCTL" -q --state state table import "$FIXTURES/table/seed.jsonl" || exit
"$COSTCTL" --state state rebuild --dry-run --format json --model SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT est456 2>/dev/null |
	jq -r '[.Lines[0].MonthlyCost, .Lines[0].SavingsPlan.HourlyCommitment, .TotalMonthlyCost] | @tsv'

echo "-- the traps: terms before products, the lease after the rates, a rate for a SKU in no offer,"
echo "   a rate for a service not ingested, a null price, a rate without its SKU, a term without its plan"
cat >trap.json <<'EOF'
{
  "version" : "20261201000000",
  "publicationDate" : "2026-12-01T00:00:00Z",
  "regionCode" : "us-east-1",
  "terms" : {
    "savingsPlan" : [ {
      "sku" : "TRAPPLAN00000001",
      "description" : "3 year No Upfront Compute Savings Plan",
      "effectiveDate" : "2026-11-01T00:00:00Z",
      "rates" : [ {
        "discountedSku" : "47N8ADC7ENJ6SBYG",
        "discountedUsageType" : "BoxUsage:m5.large",
        "discountedOperation" : "RunInstances",
        "discountedServiceCode" : "AmazonEC2",
        "rateCode" : "TRAPPLAN00000001.47N8ADC7ENJ6SBYG",
        "unit" : "Hrs",
        "discountedRate" : { "price" : "0.0480000000", "currency" : "USD" }
      }, {
        "discountedSku" : "NOSUCHSKU0000001",
        "discountedUsageType" : "BoxUsage:m9.large",
        "discountedOperation" : "RunInstances",
        "discountedServiceCode" : "AmazonEC2",
        "rateCode" : "TRAPPLAN00000001.NOSUCHSKU0000001",
        "unit" : "Hrs",
        "discountedRate" : { "price" : "0.0100", "currency" : "USD" }
      }, {
        "discountedSku" : "LAMBDASKU0000001",
        "discountedUsageType" : "Lambda-GB-Second",
        "discountedOperation" : "Invoke",
        "discountedServiceCode" : "AWSLambda",
        "rateCode" : "TRAPPLAN00000001.LAMBDASKU0000001",
        "unit" : "Lambda-GB-Second",
        "discountedRate" : { "price" : "0.0000137800", "currency" : "USD" }
      }, {
        "discountedSku" : "T5HN9UU3266V3NFS",
        "discountedServiceCode" : "AmazonEC2",
        "rateCode" : "TRAPPLAN00000001.T5HN9UU3266V3NFS",
        "unit" : "Hrs",
        "discountedRate" : { "price" : null, "currency" : "USD" }
      }, {
        "discountedServiceCode" : "AmazonEC2",
        "rateCode" : "TRAPPLAN00000001.NOSKU",
        "unit" : "Hrs",
        "discountedRate" : { "price" : "0.05", "currency" : "USD" }
      } ],
      "leaseContractLength" : { "duration" : 3, "unit" : "year" }
    }, {
      "sku" : "NOPLAN0000000001",
      "leaseContractLength" : { "duration" : 1, "unit" : "year" },
      "rates" : [ ]
    } ]
  },
  "products" : [ {
    "sku" : "TRAPPLAN00000001",
    "productFamily" : "ComputeSavingsPlans",
    "serviceCode" : "ComputeSavingsPlans",
    "usageType" : "ComputeSP:3yrNoUpfront",
    "operation" : "",
    "attributes" : {
      "purchaseOption" : "No Upfront",
      "granularity" : "hourly",
      "purchaseTerm" : "3yr",
      "locationType" : "AWS Region",
      "location" : "Any"
    }
  } ]
}
EOF
mkdir t
"$COSTCTL" --state t ingest $(all_offers) trap.json 2>&1 | grep "trap.json\|Savings Plans" | sed 's/^[^ ]* //; s|/.*/trap.json|trap.json|'
"$COSTCTL" price --pricebook t/pricebook.current --model SavingsPlan AmazonEC2 us-east-1 |
	jq -r '[.key.discountedSku, .price, .term.LeaseContractLength, .term.PurchaseOption, .attrs.description] | @tsv'
echo "-- the rates that cannot be used price nothing: est456's t3.xlarge has no usable rate here, so it stays on demand, never \$0"
# 2976 h x 0.1664 = 495.2064 -> 495.21
"$COSTCTL" -q --state t table init && "$COSTCTL" -q --state t table import "$FIXTURES/table/seed.jsonl" || exit
"$COSTCTL" --state t rebuild --dry-run --format json --model SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT est456 2>/dev/null |
	jq -r '.Lines[0].Status, .Lines[0].MonthlyCost, (.Warnings[] | select(test("SAVINGS")))'

echo "-- a truncated file: the byte, and nothing published"
before=$(sha256sum state/pricebook.current | cut -d' ' -f1)
head -c 5000 "$sp/index.json" >cut.json
"$COSTCTL" --state state ingest $(all_offers) cut.json 2>&1 | grep -v ' info ' | sed 's/^[^ ]* //; s|/.*/cut.json|cut.json|'
echo "exit ${PIPESTATUS[0]}"
[ "$(sha256sum state/pricebook.current | cut -d' ' -f1)" = "$before" ] && echo "pricebook.current unchanged"
