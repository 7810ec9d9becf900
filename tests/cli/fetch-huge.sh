# A Content-Length of 20 GiB is refused before the body (the default bound, 16 GiB).
. "$(dirname "$0")/lib.inc"
fault_fetch huge
