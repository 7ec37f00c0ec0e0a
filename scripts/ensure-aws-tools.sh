#!/usr/bin/env bash
# Makes sure the independent AWS clients the tests check hidsmon against are here: the AWS CLI
# (`aws logs ...` against the server) and botocore (an independent SigV4 signer, from python3).
# Idempotent: does nothing when both run; otherwise installs the `awscli` package (which brings
# botocore) with pip, once.
set -euo pipefail

have_tools() {
  command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1 \
    && python3 -c 'import botocore.auth' >/dev/null 2>&1
}

if have_tools; then
  exit 0
fi

fail() {
  cat >&2 <<MSG
ensure-aws-tools: $1
The permission, TLS and SigV4 tests run the AWS CLI and botocore against the server.
Install them with:
  python3 -m pip install --user awscli
(and make sure the directory pip puts 'aws' in is on PATH), then run the tests again.
MSG
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is missing."
echo "ensure-aws-tools: installing the AWS CLI and botocore with pip (once)..." >&2
python3 -m pip install --quiet --disable-pip-version-check awscli >&2 \
  || python3 -m pip install --quiet --disable-pip-version-check --user awscli >&2 \
  || fail "pip install awscli failed."
hash -r
have_tools || fail "awscli was installed but 'aws --version' or 'import botocore' does not work (is pip's bin directory on PATH?)."
echo "ensure-aws-tools: $(aws --version 2>&1)" >&2
