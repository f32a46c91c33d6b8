#!/usr/bin/env bash
# Runs the Apollo Client test (apollo.mjs) against a fresh `benkan serve
# --demo` on a free port: builds benkan, starts it on an empty data
# directory with a random BENKAN_JWT_SECRET, signs tokens for the demo
# coordinator and DIHR officer with `benkan token`, runs the test, stops
# the server. Fails when the test does.
#
# With a PostgreSQL URL, the server runs on a fresh schema of that
# database (its search_path), dropped afterwards, instead of SQLite.
#
#   tools/apollo-client/run.sh [postgres://…]        (from the repository's root)
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
tmp=$(mktemp -d)
pid=
pg="${1:-}"
schema=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$schema" ]; then PGOPTIONS='-c client_min_messages=warning' psql "$pg" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

[ -d node_modules/@apollo/client ] || npm ci --no-audit --no-fund --ignore-scripts >/dev/null
(cd ../.. && go build -o "$tmp/benkan" ./cmd/benkan)
export BENKAN_JWT_SECRET="apollo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
unset BENKAN_DATABASE_URL
db=(--data-dir "$tmp/data")
if [ -n "$pg" ]; then
  schema="apollo_test_$$"
  psql "$pg" -v ON_ERROR_STOP=1 -q -c "CREATE SCHEMA $schema"
  case "$pg" in *\?*) sep='&' ;; *) sep='?' ;; esac
  db=(--database-url "$pg${sep}search_path=$schema")
fi
"$tmp/benkan" serve --demo --addr 127.0.0.1:0 "${db[@]}" --rate-limit 0 --shutdown-grace 1s \
  >"$tmp/out.log" 2>&1 &
pid=$!
. "$here/../listening.sh"
wait_listening "$tmp/out.log" "$pid"
token() { "$tmp/benkan" token "${db[@]}" --user "$1" --ttl 10m; }
if [ -n "$pg" ]; then echo "benkan serve on PostgreSQL (schema $schema): $url"; else echo "benkan serve on SQLite: $url"; fi
BENKAN_COORDINATOR_TOKEN=$(token sory.diakite) BENKAN_DIHR_TOKEN=$(token dihr.officer) \
  node "$here/apollo.mjs" "$url/graphql"
