# A fast body without end wrote 4.4 GB in 5 s: the size bound stops it
# (fetch.max_file_mb, counted on the bytes as they arrive), for good.
. "$(dirname "$0")/lib.inc"
export COSTCTL_FETCH_MAX_FILE_MB=1
fault_fetch endless
