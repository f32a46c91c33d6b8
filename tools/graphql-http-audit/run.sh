#!/usr/bin/env bash
# Runs the graphql-http audit (audit.mjs) against a fresh `benkan serve
# --demo` on a free port: builds benkan, starts it on an empty data
# directory, takes the admin's demo token from its output, audits, stops it.
# Fails on any audit that is not ok (MUST, SHOULD or MAY).
#
#   tools/graphql-http-audit/run.sh        (from the repository's root)
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

[ -d node_modules/graphql-http ] || npm ci --no-audit --no-fund --ignore-scripts >/dev/null
(cd ../.. && go build -o "$tmp/benkan" ./cmd/benkan)
env -u BENKAN_DATABASE_URL BENKAN_JWT_SECRET="audit-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
  "$tmp/benkan" serve --demo --addr 127.0.0.1:0 --data-dir "$tmp/data" --rate-limit 0 --shutdown-grace 1s \
  >"$tmp/out.log" 2>&1 &
pid=$!
. "$here/../listening.sh"
wait_listening "$tmp/out.log" "$pid"
token=$(awk '$1 == "demo" && $2 == "token" && $3 == "admin" { print $5 }' "$tmp/out.log")
BENKAN_AUDIT_TOKEN="$token" node "$here/audit.mjs" "$url/graphql"
