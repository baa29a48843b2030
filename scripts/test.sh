#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need from Debian's packages, runs every
# test against real services on loopback in a temporary directory, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
# "installed" means installed: dpkg -s also succeeds for a package removed with its config files kept.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# GRDB links the system SQLite.
installed libsqlite3-dev || need_packages+=(libsqlite3-dev)
# CompressNIO (gzip for HEC and Datadog) links the system zlib.
installed zlib1g-dev || need_packages+=(zlib1g-dev)
# The syslog tests run a real rsyslogd (TCP and TLS listeners) with certificates made by openssl.
installed rsyslog || need_packages+=(rsyslog)
installed rsyslog-gnutls || need_packages+=(rsyslog-gnutls)
installed openssl || need_packages+=(openssl)
# The web console's browser tests drive a real headless Chromium over the DevTools protocol (issue 9).
installed chromium || need_packages+=(chromium)
# The multi-node tests run real PostgreSQL servers (initdb in a temporary directory, loopback only; issue 8).
installed postgresql || need_packages+=(postgresql)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} from Debian's packages" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  # Installing rsyslog or postgresql must not start the system's daemons (it would bind /dev/log; CI has no init
  # anyway): a policy-rc.d that answers 101 forbids every service start for the install's duration.
  # The tests start their own rsyslogd on their own configuration and ports.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    own_policy=/usr/sbin/policy-rc.d
    trap '$SUDO rm -f "$own_policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
  if [ -n "$own_policy" ]; then $SUDO rm -f "$own_policy"; trap - EXIT; fi
fi

READAUDIT_TEST_TMP="$(mktemp -d -t readaudit-tests.XXXXXX)"
export READAUDIT_TEST_TMP
cleanup() {
  # DiskFullTests mounts a small tmpfs under here and unmounts it itself; a test killed half-way must not
  # leave a mount behind.
  awk -v dir="$READAUDIT_TEST_TMP" 'index($2, dir) == 1 {print $2}' /proc/mounts 2>/dev/null | sort -r \
    | while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
  rm -rf "$READAUDIT_TEST_TMP"
}
trap cleanup EXIT

# Logs from the gateways under test go to stderr at warning and above only.
export LOG_LEVEL="${LOG_LEVEL:-warning}"
SWIFT_TEST_LOG="$READAUDIT_TEST_TMP/swift-test.log"
swift test "$@" 2>&1 | tee "$SWIFT_TEST_LOG"
# With arguments (a filter, say) only the Swift tests run.
if [ $# -gt 0 ]; then exit 0; fi

# schemathesis against the real binary and openapi.yaml (issue 6), then the fuzzing total: the property
# suites print "readaudit-fuzz: <suite> <N> cases", schemathesis "schemathesis: <N> cases".
SCHEMATHESIS_LOG="$READAUDIT_TEST_TMP/schemathesis.log"
READAUDIT_BINARY="${READAUDIT_BINARY:-.build/debug/readaudit}" scripts/schemathesis.sh 2>&1 | tee "$SCHEMATHESIS_LOG"
property_cases=$(grep -Eo '^readaudit-fuzz: [A-Za-z]+ [0-9]+ cases' "$SWIFT_TEST_LOG" | awk '{sum += $3} END {print sum + 0}')
schemathesis_cases=$(grep -Eo '^schemathesis: [0-9]+ cases' "$SCHEMATHESIS_LOG" | awk '{print $2}' | tail -n 1)
schemathesis_cases=${schemathesis_cases:-0}
total=$((property_cases + schemathesis_cases))
echo "Fuzzing: $total cases ($property_cases property cases in Swift, $schemathesis_cases schemathesis cases), no failures"
if [ "$total" -lt 10000 ] || [ "$schemathesis_cases" -eq 0 ]; then
  echo "Fuzzing ran fewer cases than the 10,000 issue 6 asks for" >&2
  exit 1
fi
echo "schemathesis: $schemathesis_cases passed, 0 failed"
