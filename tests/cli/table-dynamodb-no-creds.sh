env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=/nonexistent/credentials \
	"$COSTCTL" --store "dynamodb://us-east-1/aws-cost-platform" table get USER#u PROFILE
