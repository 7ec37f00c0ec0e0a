#!/usr/bin/env bash
# Makes sure a real OpenSearch node can be started for the tests and benchmarks: the
# integ-test-zip of OpenSearch (a Maven Central artifact: the core server with HTTP, no plugins)
# fetched once with Maven, unpacked once, and runnable on the machine's Java 17+.
#
# OpenSearch refuses to run as root, so when this runs as root the tree is unpacked outside the
# work tree (which may sit in a private temporary folder) and given to an unprivileged system user,
# created once. Idempotent: a second run only checks and prints.
#
# Prints two lines: the OpenSearch home, and the user to run it as (empty: the current user).
set -euo pipefail

VERSION="${HIDSMON_OPENSEARCH_VERSION:-2.19.6}"
ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:${VERSION}:zip"
SERVICE_USER="${HIDSMON_OPENSEARCH_USER:-hidsmon-os}"
here="$(cd "$(dirname "$0")/.." && pwd)"

fail() {
  cat >&2 <<MSG
ensure-opensearch: $1
The OpenSearch suites of npm test (the OpenSearch sink, the search backend, the conformance corpus)
run against a real single-node OpenSearch ${VERSION}. It needs Java 17 or newer (java on PATH, or
JAVA_HOME) and Maven (mvn) to fetch ${ARTIFACT} once.
MSG
  exit 1
}

if [ "$(id -u)" = "0" ]; then
  base="${HIDSMON_OPENSEARCH_DIR:-/var/cache/hidsmon/opensearch}"
  run_as="$SERVICE_USER"
else
  base="${HIDSMON_OPENSEARCH_DIR:-$here/.cache/opensearch}"
  run_as=""
fi
home="$base/opensearch-$VERSION"

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi
}
java="$(java_bin)"
[ -n "$java" ] || fail "no Java found."
major="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
[ -n "$major" ] && [ "$major" -ge 17 ] || fail "Java $major is too old (17 or newer is needed)."

if [ ! -x "$home/bin/opensearch" ]; then
  command -v mvn >/dev/null 2>&1 || fail "mvn is missing."
  command -v unzip >/dev/null 2>&1 || fail "unzip is missing (apt-get install unzip)."
  download="$(mktemp -d)"
  trap 'rm -rf "$download"' EXIT
  echo "ensure-opensearch: fetching OpenSearch ${VERSION} (once, about 56 MB)..." >&2
  mvn -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="$ARTIFACT" -DoutputDirectory="$download" >&2 \
    || fail "Maven could not fetch ${ARTIFACT}."
  mkdir -p "$base"
  rm -rf "$base/.unpack"
  unzip -q "$download/opensearch-$VERSION.zip" -d "$base/.unpack" || fail "the zip did not unpack."
  [ -x "$base/.unpack/opensearch-$VERSION/bin/opensearch" ] || fail "the zip holds no opensearch-$VERSION/bin/opensearch."
  # Renamed into place last, so that an interrupted run never leaves a half tree behind.
  mv "$base/.unpack/opensearch-$VERSION" "$home"
  rm -rf "$base/.unpack"
fi

if [ -n "$run_as" ]; then
  if ! id -u "$run_as" >/dev/null 2>&1; then
    echo "ensure-opensearch: creating the system user $run_as (OpenSearch refuses to run as root)" >&2
    useradd --system --no-create-home --shell /usr/sbin/nologin "$run_as" || fail "could not create the user $run_as."
  fi
  command -v runuser >/dev/null 2>&1 || fail "runuser is missing (util-linux)."
  # The whole tree is the service user's: bin/opensearch writes its keystore and GC log inside it.
  if [ "$(stat -c %U "$home")" != "$run_as" ]; then chown -R "$run_as" "$home"; fi
  # Each node's data and logs go in a runs folder the user owns.
  mkdir -p "$home/runs" && chown "$run_as" "$home/runs"
  chmod 755 "$base" "$(dirname "$base")" 2>/dev/null || true
else
  mkdir -p "$home/runs"
fi

echo "$home"
echo "$run_as"
