#!/usr/bin/env bash
# Re-creates vendor/axe.min.js, the axe-core the dashboard's browser test
# (e2e/dashboard_browser_test.go) injects into the page, from the npm
# registry: `npm ci` installs the exact version and integrity pinned in
# package-lock.json, and the file is copied unchanged. The test reads the
# committed copy and never downloads anything.
#
#   ./update.sh           install and overwrite vendor/
#   ./update.sh --check   install and only compare; exit 1 if anything differs
#
# To move to another version, change it in package.json, run
# `npm install --ignore-scripts`, then this script, and commit the three.
set -euo pipefail
cd "$(dirname "$0")"
check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
npm ci --no-audit --no-fund --ignore-scripts >/dev/null
status=0
for f in axe.min.js LICENSE; do
  src="node_modules/axe-core/$f"
  dst="vendor/$([ "$f" = LICENSE ] && echo LICENSE.axe-core || echo "$f")"
  if [ "$check" = 1 ]; then
    cmp -s "$src" "$dst" || { echo "$dst differs from $src" >&2; status=1; }
  else
    cp "$src" "$dst"
  fi
done
[ "$check" = 1 ] || sha256sum vendor/axe.min.js
exit $status
