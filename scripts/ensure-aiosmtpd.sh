#!/usr/bin/env bash
# Makes sure aiosmtpd (PyPI) is here: the e-mail notification tests send to it, a real SMTP server
# nobody here wrote, over STARTTLS. Idempotent: does nothing when `import aiosmtpd` works;
# otherwise installs it with pip, once.
set -euo pipefail

have_aiosmtpd() {
  python3 -c 'import aiosmtpd.controller, aiosmtpd.smtp' >/dev/null 2>&1
}

if have_aiosmtpd; then
  exit 0
fi

fail() {
  cat >&2 <<MSG
ensure-aiosmtpd: $1
The e-mail notification tests (src/notify/channels.test.ts) run aiosmtpd as the SMTP server.
Install it with:
  python3 -m pip install --user aiosmtpd
then run the tests again.
MSG
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is missing."
echo "ensure-aiosmtpd: installing aiosmtpd with pip (once)..." >&2
python3 -m pip install --quiet --disable-pip-version-check aiosmtpd >&2 \
  || python3 -m pip install --quiet --disable-pip-version-check --user aiosmtpd >&2 \
  || fail "pip install aiosmtpd failed."
have_aiosmtpd || fail "aiosmtpd was installed but 'import aiosmtpd' does not work."
