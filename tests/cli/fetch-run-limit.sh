# The whole run has a time bound too (fetch.max_run_s).
. "$(dirname "$0")/lib.inc"
export COSTCTL_FETCH_MAX_RUN_S=1 COSTCTL_FETCH_RETRIES=5
fault_fetch drip
