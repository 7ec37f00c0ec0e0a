#!/usr/bin/env bash
# Makes sure moto's server mode (`moto_server`) is here: the agent's integration tests ship to it as
# a second CloudWatch Logs implementation, one nobody here wrote. Idempotent: does nothing when
# `moto_server` runs; otherwise installs `moto[server]` with pip, once.
set -euo pipefail

have_moto() {
  command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1
}

if have_moto; then
  exit 0
fi

fail() {
  cat >&2 <<MSG
ensure-moto: $1
The agent's integration tests run moto's CloudWatch Logs (moto_server) next to the hidsmon server.
Install it with:
  python3 -m pip install --user 'moto[server]'
(and make sure the directory pip puts 'moto_server' in is on PATH), then run the tests again.
MSG
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is missing."
echo "ensure-moto: installing moto[server] with pip (once)..." >&2
python3 -m pip install --quiet --disable-pip-version-check 'moto[server]' >&2 \
  || python3 -m pip install --quiet --disable-pip-version-check --user 'moto[server]' >&2 \
  || fail "pip install 'moto[server]' failed."
hash -r
have_moto || fail "moto[server] was installed but 'moto_server --help' does not work (is pip's bin directory on PATH?)."
echo "ensure-moto: $(python3 -c 'import moto; print("moto", moto.__version__)' 2>&1)" >&2
