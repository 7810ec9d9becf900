# A gzip Content-Encoding bomb: the bound counts decompressed bytes.
. "$(dirname "$0")/lib.inc"
export COSTCTL_FETCH_MAX_FILE_MB=4
fault_fetch bomb
