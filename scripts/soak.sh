#!/usr/bin/env bash
# The soak (issue 6; not in CI, about an hour by default): the release binary under mixed load with sink
# outages (Splunk HEC refusing connections, the webhook answering 503) and gateway restarts (SIGTERM and
# SIGKILL in turn), ending with a full reconciliation and the RSS and open-fd curves as a CSV.
#
#   scripts/soak.sh [--minutes 60] [--clients 8] [--restart-every 300] [--outage-every 90] [--csv soak.csv]
#
# Exits non-zero when a client-received event id is missing from the journal or any sink, or verify fails.
# See docs/soak.md for what it checks and the last recorded run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${READAUDIT_BINARY:-}"
if [ -z "$BIN" ]; then
  swift build -c release --product readaudit >&2
  BIN="$(swift build -c release --show-bin-path)/readaudit"
fi
exec python3 scripts/soak.py --binary "$BIN" "$@"
