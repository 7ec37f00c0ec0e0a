#!/usr/bin/env bash
# Runs a command with a Node.js the project supports first on PATH (see ensure-node.sh), so that
# `npm test`, `npm start` and `npm run bench` run on Node 24 even where the machine's Node is older.
set -euo pipefail
NODE_BIN="$(bash "$(dirname "$0")/ensure-node.sh")"
export PATH="$NODE_BIN:$PATH"
exec "$@"
