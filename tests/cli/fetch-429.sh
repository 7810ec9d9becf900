. "$(dirname "$0")/lib.inc"
fault_fetch 429once
