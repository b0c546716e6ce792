#!/usr/bin/env bash
# Installs whatever is missing to build and test Account Settings on a Debian
# machine with rustup: the wasm target, cargo-leptos, wasm-bindgen-cli at the
# version Cargo.lock pins, npm packages (wasm-opt, Playwright) and, with
# --browser, Debian's Chromium. Safe to run again: it skips what is there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Tools are built in a target directory of their own (cargo's default for
# `install`), so the project's stays free for its own builds meanwhile.
LEPTOS_VERSION=0.3.11
if ! cargo leptos --version 2>/dev/null | grep -q "$LEPTOS_VERSION"; then
  step "installing cargo-leptos $LEPTOS_VERSION (takes a while, once)"
  # Its lock file needs a newer rustc than some stable releases: use nightly
  # when the image has it, else try stable.
  if rustup toolchain list | grep -q '^nightly'; then
    env -u CARGO_TARGET_DIR cargo +nightly install cargo-leptos --version "$LEPTOS_VERSION" --locked
  else
    env -u CARGO_TARGET_DIR cargo install cargo-leptos --version "$LEPTOS_VERSION" --locked \
      || env -u CARGO_TARGET_DIR cargo install cargo-leptos --version "$LEPTOS_VERSION"
  fi
fi

WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WBG_VERSION"; then
  step "installing wasm-bindgen-cli $WBG_VERSION (must match Cargo.lock)"
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

# The tests' mail server (tools/smtp_sink.py) runs on Debian's Python.
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  step "installing aiosmtpd from Debian (the tests' mail server)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-aiosmtpd
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/playwright ]; then
  step "installing npm packages (wasm-opt, Playwright without browsers)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  step "installing Chromium from Debian"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
