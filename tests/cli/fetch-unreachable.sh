. "$(dirname "$0")/lib.inc"
port=$(free_port) # nothing listens there
COSTCTL_FETCH_RETRIES=1 "$COSTCTL" --state state fetch --base-url "http://127.0.0.1:$port"
