#!/usr/bin/env bash
# Re-creates the third-party files in this directory from the npm registry.
#
# It downloads the exact package versions below with `npm pack` into a
# temporary directory, checks each tarball against its pinned npm integrity
# hash, and copies the needed files here unchanged.
#
#   ./update.sh           download and overwrite the vendored files
#   ./update.sh --check   download and only compare; exit 1 if anything differs
#
# To move to another version, change the version and integrity below (get the
# integrity with `npm view PACKAGE@VERSION dist.integrity`), run this script,
# and update the versions and sha256 sums in README.md.
set -euo pipefail

# package@version  npm dist.integrity
PACKAGES=(
  "graphiql@4.1.2 sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg=="
  "react@18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  "react-dom@18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
)

# package  path-inside-tarball  name-in-this-directory
FILES=(
  "graphiql package/graphiql.min.js graphiql.min.js"
  "graphiql package/graphiql.min.css graphiql.min.css"
  "graphiql package/LICENSE LICENSE.graphiql"
  "react package/umd/react.production.min.js react.production.min.js"
  "react package/LICENSE LICENSE.react"
  "react-dom package/umd/react-dom.production.min.js react-dom.production.min.js"
  "react-dom package/LICENSE LICENSE.react-dom"
)

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

dest="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for entry in "${PACKAGES[@]}"; do
  read -r spec integrity <<<"$entry"
  name="${spec%@*}"
  version="${spec##*@}"
  mkdir -p "$tmp/$name"
  (cd "$tmp/$name" && npm pack --silent "$spec" >/dev/null)
  tarball="$tmp/$name/$name-$version.tgz"
  got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$got" != "$integrity" ]]; then
    echo "integrity mismatch for $spec: got $got, want $integrity" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$tmp/$name"
done

status=0
for entry in "${FILES[@]}"; do
  read -r name src out <<<"$entry"
  if [[ $check -eq 1 ]]; then
    if cmp -s "$tmp/$name/$src" "$dest/$out"; then
      echo "ok      $out"
    else
      echo "DIFFERS $out" >&2
      status=1
    fi
  else
    install -m 0644 "$tmp/$name/$src" "$dest/$out"
  fi
done

if [[ $check -eq 0 ]]; then
  (cd "$dest" && for entry in "${FILES[@]}"; do read -r _ _ out <<<"$entry"; sha256sum "$out"; done)
fi
exit $status
