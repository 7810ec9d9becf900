# 2,000 bytes a second (the small AWSShield file lands; awskms does not) is
# lock: each attempt has a time bound (fetch.max_file_s), then it is retried,
# then the run ends with 75 (temporary: retry later).
. "$(dirname "$0")/lib.inc"
export COSTCTL_FETCH_MAX_FILE_S=1
fault_fetch drip
