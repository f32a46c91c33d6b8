# Sourced by the tools' run.sh: wait_listening LOG PID waits until the
# `benkan serve` of process PID logs the address it listens on in LOG, and
# sets url to it; it prints the log and exits 1 if the server never does.
wait_listening() {
  url=
  for _ in $(seq 1 100); do
    url=$(sed -n 's/.*msg=listening addr=\(http:[^ ]*\).*/\1/p' "$1" 2>/dev/null | head -n1 || true)
    [ -n "$url" ] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$url" ]; then
    echo "benkan serve did not start:" >&2
    cat "$1" >&2
    exit 1
  fi
}
