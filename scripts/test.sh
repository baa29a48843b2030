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
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} from Debian's packages" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  # Installing rsyslog must not start the system's daemon (it would bind /dev/log; CI has no init
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
cleanup() { rm -rf "$READAUDIT_TEST_TMP"; }
trap cleanup EXIT

# Logs from the gateways under test go to stderr at warning and above only.
export LOG_LEVEL="${LOG_LEVEL:-warning}"
swift test "$@"
