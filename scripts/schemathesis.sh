#!/usr/bin/env bash
# Fuzzes a running gateway against its own OpenAPI document with schemathesis (issue 6): every operation,
# with valid and invalid inputs, under the real binary. Fails on any 5xx other than the documented ones,
# on a status the document does not list, and on a body that does not match its schema.
#
# Called by scripts/test.sh after `swift test`; runs alone too: scripts/schemathesis.sh [--max-examples N]
# Prints "schemathesis: N cases" (for the total scripts/test.sh reports) and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=150
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) MAX_EXAMPLES="$2"; shift 2 ;;
    *) echo "usage: $0 [--max-examples N]" >&2; exit 2 ;;
  esac
done

BIN="${READAUDIT_BINARY:-.build/debug/readaudit}"
if [ ! -x "$BIN" ]; then swift build --product readaudit >&2; fi

# schemathesis from PyPI in a virtualenv, cached between runs (a clean CI clone installs it once per machine).
# Python 3.11's ast.parse can fail with "AST constructor recursion depth mismatch" inside hypothesis (CPython
# gh-106905), which schemathesis reports as a runtime error: prefer a newer python3 when the machine has one.
PYTHON=python3
for candidate in python3.13 python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3; do
  if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
PYTHON_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV="${READAUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/readaudit}/schemathesis-$SCHEMATHESIS_VERSION-py$PYTHON_VERSION"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  if [ "$PYTHON" = python3 ] && { ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; }; then
    echo "Installing python3-venv from Debian's packages" >&2
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$VENV"
  echo "Installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $VENV ($("$PYTHON" --version))" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK="$(mktemp -d -t readaudit-schemathesis.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
key_hash() { printf 'sha256:%s' "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"; }
wait_http() {
  for _ in $(seq 1 600); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('$1', timeout=1)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$1 did not come up" >&2
  return 1
}

# The demo's sample CRM (36 fictitious customers) is the gateway's CRM; the gateway under test is `serve`
# with a configuration that has an integration key and an admin key (role admin) known to this script.
DEMO_PORT=$(free_port); CRM_PORT=$(free_port); PORT=$(free_port)
"$BIN" demo --port "$DEMO_PORT" --crm-port "$CRM_PORT" --data-dir "$WORK/demo" >"$WORK/demo.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$CRM_PORT/customers/C-100001"

export RA_KEY="ra_schemathesis-integration-key-0123456789"
export RA_ADMIN_KEY="ra_schemathesis-admin-key-0123456789"
cat >"$WORK/readaudit.yaml" <<EOF
node: schemathesis
dataDirectory: $WORK/data
listen: {host: 127.0.0.1, port: $PORT}
crm: {url: "http://127.0.0.1:$CRM_PORT/customers/{customerId}", connectTimeoutMs: 1000, readTimeoutMs: 2000}
credentials:
  - name: schemathesis
    keyHash: "$(key_hash "$RA_KEY")"
adminCredentials:
  - name: schemathesis-admin
    keyHash: "$(key_hash "$RA_ADMIN_KEY")"
    role: admin
sinks:
  - {type: file, name: file, path: audit.jsonl}
EOF
"$BIN" serve --config "$WORK/readaudit.yaml" >"$WORK/gateway.log" 2>&1 &
GATEWAY=$!
pids+=($GATEWAY)
wait_http "http://127.0.0.1:$PORT/healthz"

# Each security scheme of the document gets its credential, so every operation is reached past the door.
cat >"$WORK/schemathesis.toml" <<'EOF'
[auth.openapi.bearerAuth]
bearer = "${RA_KEY}"
[auth.openapi.basicAuth]
username = "schemathesis"
password = "${RA_KEY}"
[auth.openapi.adminBearerAuth]
bearer = "${RA_ADMIN_KEY}"
EOF

# not_a_server_error: no 5xx but the documented ones (the document lists 502/503/504 where they may occur).
# status_code_conformance, content_type_conformance, response_schema_conformance: every answer is one the
# document lists, with its media type and schema. Positive and negative cases, fixed seed: reproducible.
set +e
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" --no-color run openapi.yaml \
  --url "http://127.0.0.1:$PORT" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" --seed 20260601 --workers 2 --request-timeout 10 \
  --generation-database none \
  --report junit --report-junit-path "$WORK/junit.xml" \
  --suppress-health-check all \
  >"$WORK/schemathesis.out" 2>&1
status=$?
set -e
cat "$WORK/schemathesis.out"

# The gateway must have survived all of it, and its journal must verify.
if ! kill -0 "$GATEWAY" 2>/dev/null; then
  echo "schemathesis: the gateway died during the run; its log:" >&2
  tail -n 50 "$WORK/gateway.log" >&2
  status=1
fi
if grep -Eq '(Fatal error|panic|Segmentation)' "$WORK/gateway.log"; then
  echo "schemathesis: the gateway's log shows a crash:" >&2
  grep -E '(Fatal error|panic|Segmentation)' "$WORK/gateway.log" >&2
  status=1
fi
kill "$GATEWAY" 2>/dev/null || true
wait "$GATEWAY" 2>/dev/null || true
if ! "$BIN" verify --data-dir "$WORK/data" --read-only; then status=1; fi

# The number of generated cases, from the JUnit report (one testcase per operation with its case count in
# the console summary); the console's "N generated" line is the count.
cases=$(grep -Eo '[0-9]+ generated' "$WORK/schemathesis.out" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
echo "schemathesis: $cases cases"
exit $status
