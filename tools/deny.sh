#!/usr/bin/env bash
# cargo-deny against deny.toml: licenses, bans (duplicate versions are
# listed as warnings), sources; then known advisories, from a local copy of
# the RustSec advisory database (a git checkout at ADVISORY_DB, default
# ~/.cache/account-settings/advisory-db), since its home on GitHub is out of
# this machine's reach. Without a copy the advisories are reported as not
# checked, with how to provide one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$DENY_VERSION"; then
  env -u CARGO_TARGET_DIR cargo install cargo-deny --version "$DENY_VERSION" --locked
fi
cargo deny check --hide-inclusion-graph licenses bans sources 2>&1 \
  | grep -E '^(error|warning)\[|(licenses|bans|sources|advisories) (ok|FAILED)' || true
cargo deny check --hide-inclusion-graph licenses bans sources >/dev/null 2>&1

db="${ADVISORY_DB:-$HOME/.cache/account-settings/advisory-db}"
if [ -d "$db" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # cargo-deny keeps the default database in a folder named after a hash
  # of its address; a fresh clone of the local copy goes there.
  git clone -q "$db" "$tmp/advisory-db-3157b0e258782691"
  { cat deny.toml; printf 'db-path = "%s"\n' "$tmp"; } > "$tmp/deny.toml"
  printf 'advisory database: %s (last change %s)\n' "$db" \
    "$(git -C "$db" log -1 --format=%cs)"
  cargo deny --offline --config "$tmp/deny.toml" check --hide-inclusion-graph advisories
else
  echo "advisories: not checked: no copy of the RustSec advisory database at $db" \
       "(clone it there, or set ADVISORY_DB to a checkout)"
fi
