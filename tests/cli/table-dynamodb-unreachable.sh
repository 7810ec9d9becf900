# DynamoDB that does not answer: retried, then 75 for the scheduler.
. "$(dirname "$0")/lib.inc"
port=$(free_port) # nothing listens there
AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test COSTCTL_STORE_RETRIES=1 \
	"$COSTCTL" --store "dynamodb://us-east-1/aws-cost-platform?endpoint=http://127.0.0.1:$port/" table get USER#u PROFILE
