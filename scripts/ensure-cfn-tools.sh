#!/usr/bin/env bash
# Makes sure the template validators the infra tests run are here: cfn-lint (on PATH; pip installs it
# where it is missing) and checkov (pinned, in its own virtualenv under .cache/checkov-venv, made
# once: its many dependencies stay out of the Python that runs moto and the AWS CLI). Idempotent.
# Prints nothing when both are ready.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOV_VERSION=3.3.30
VENV=.cache/checkov-venv

fail() {
  cat >&2 <<MSG
ensure-cfn-tools: $1
The infra tests lint deploy/hids-stack.template.json with cfn-lint and checkov. Install them with:
  python3 -m pip install --user cfn-lint
  python3 -m venv $VENV && $VENV/bin/pip install checkov==$CHECKOV_VERSION
then run the tests again.
MSG
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is missing."
if ! (command -v cfn-lint >/dev/null 2>&1 && cfn-lint --version >/dev/null 2>&1); then
  echo "ensure-cfn-tools: installing cfn-lint with pip (once)..." >&2
  python3 -m pip install --quiet --disable-pip-version-check cfn-lint >&2 \
    || python3 -m pip install --quiet --disable-pip-version-check --user cfn-lint >&2 \
    || fail "pip install cfn-lint failed."
  hash -r
  cfn-lint --version >/dev/null 2>&1 || fail "cfn-lint was installed but does not run (is pip's bin directory on PATH?)."
fi
if ! "$VENV/bin/checkov" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  echo "ensure-cfn-tools: installing checkov $CHECKOV_VERSION into $VENV (once)..." >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)."
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >&2 || fail "pip install checkov failed."
  "$VENV/bin/checkov" --version >/dev/null 2>&1 || fail "checkov was installed but does not run."
fi
