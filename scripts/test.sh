#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need from Debian's packages, runs every
# test against real services on loopback in a temporary directory, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
# GRDB links the system SQLite.
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need_packages+=(libsqlite3-dev)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} from Debian's packages" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

READAUDIT_TEST_TMP="$(mktemp -d -t readaudit-tests.XXXXXX)"
export READAUDIT_TEST_TMP
cleanup() { rm -rf "$READAUDIT_TEST_TMP"; }
trap cleanup EXIT

# Logs from the gateways under test go to stderr at warning and above only.
export LOG_LEVEL="${LOG_LEVEL:-warning}"
swift test "$@"
