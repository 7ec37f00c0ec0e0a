#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (test/browser/).
# Idempotent: does nothing when it already runs; otherwise installs the `chromium` package once.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

runs() {
  [ -x "$CHROMIUM" ] && "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --version >/dev/null 2>&1
}

if runs; then
  exit 0
fi

fail() {
  cat >&2 <<MSG
ensure-chromium: $1
The browser tests (test/browser/) drive Debian's Chromium at $CHROMIUM.
Install it as root with:
  apt-get update && apt-get install -y chromium
then run the tests again.
MSG
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  fail "$CHROMIUM is missing and this system has no apt-get."
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    SUDO=sudo
  else
    fail "$CHROMIUM is missing and installing it needs root (no password-less sudo here)."
  fi
else
  SUDO=
fi

echo "ensure-chromium: installing Debian's chromium package (once)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || fail "apt-get update failed."
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 || fail "apt-get install chromium failed."
runs || fail "chromium was installed but '$CHROMIUM --version' does not run."
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null)" >&2
