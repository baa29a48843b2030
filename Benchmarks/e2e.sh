#!/usr/bin/env bash
# End-to-end benchmark (issue 7): the audited read next to nginx, on loopback, in one run.
#
# Targets, each in front of (or being) the same static CRM of 10,000 ~1 KB customer JSON files:
#   direct       nginx serving the CRM's files (GET /customers/{id}): the floor.
#   nginx-proxy  nginx as a logging reverse proxy: POST /v1/customer-data with the bearer key checked
#                (map), the customer id validated (regex) and routed from X-Customer-Id, proxied as
#                GET /customers/{id} over keep-alive to the CRM, one access-log line per request with
#                agent, interaction and customer ids (what an operations team would deploy instead).
#   readaudit    the gateway, durability fsync (default), file sink shipping, detector and checkpointer on.
#   readaudit-os the same with journal.durability: os.
# wrk sends every proxy the same request (Benchmarks/e2e/request.lua). Cases: 64 connections closed loop,
# 8 connections closed loop, and a paced load of about --rate req/s (16 connections, each waiting
# 16000/rate - 1 ms between a response and its next request, with wrk's delay(): wrk2 is not in Debian;
# the rate achieved is in the table, and since a slower target waits longer per request, it gets a
# slightly lower rate — the pacing is closed-loop with think time, not open-loop).
# Targets alternate within each case and their order rotates each round, so drift hits all alike.
#
# Usage: Benchmarks/e2e.sh [--seconds 20] [--rounds 2] [--rate 1000] [--soak-minutes 0] [--skip-build]
#                          [--only-cases max,light,paced] [--targets direct,nginx-proxy,readaudit,readaudit-os]
set -euo pipefail

SECONDS_PER_CASE=20
ROUNDS=2
RATE=1000
SOAK_MINUTES=0
SKIP_BUILD=0
CASES="max,light,paced"
TARGETS="direct,nginx-proxy,readaudit,readaudit-os"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_CASE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --soak-minutes) SOAK_MINUTES="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --only-cases) CASES="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/Benchmarks/e2e"
WORK="$ROOT/.build/e2e"
CRM_PORT=19090; PROXY_PORT=18081; RA_PORT=18082; RA_OS_PORT=18083
KEY="e2e-bench-key-0123456789abcdef"
CUSTOMERS=10000

# --- prerequisites (Debian's packages) -------------------------------------------------------------
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

if [ "$SKIP_BUILD" = 0 ]; then
  (cd "$ROOT" && swift build -c release --product readaudit 2>&1 | tail -1)
fi
READAUDIT="$ROOT/.build/release/readaudit"

# --- fixtures --------------------------------------------------------------------------------------
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for conf in crm proxy; do
    [ -f "$WORK/$conf/nginx.pid" ] && kill "$(cat "$WORK/$conf/nginx.pid")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$WORK"; mkdir -p "$WORK"
python3 "$HERE/make_crm.py" "$WORK/crm-data" "$CUSTOMERS"

nginx_conf() {  # name port server-block
  mkdir -p "$WORK/$1/tmp"
  cat > "$WORK/$1/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 4096; }
http {
  default_type application/json;
  client_body_temp_path $WORK/$1/tmp; proxy_temp_path $WORK/$1/tmp;
  fastcgi_temp_path $WORK/$1/tmp; uwsgi_temp_path $WORK/$1/tmp; scgi_temp_path $WORK/$1/tmp;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  sendfile on;
  $3
}
CONF
  "$NGINX" -c "$WORK/$1/nginx.conf" -p "$WORK/$1" 2>/dev/null || "$NGINX" -c "$WORK/$1/nginx.conf" -p "$WORK/$1"
}

nginx_conf crm $CRM_PORT "
  access_log off;
  server {
    listen 127.0.0.1:$CRM_PORT;
    root $WORK/crm-data;
    location /customers/ { try_files \$uri =404; }
  }"

nginx_conf proxy $PROXY_PORT "
  log_format audit '\$time_iso8601 \$remote_addr agent=\$http_x_agent_id interaction=\$http_x_interaction_id '
                   'customer=\$http_x_customer_id status=\$status bytes=\$body_bytes_sent rt=\$request_time';
  map \$http_authorization \$authorized { \"Bearer $KEY\" 1; default 0; }
  upstream crm { server 127.0.0.1:$CRM_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    access_log $WORK/proxy/access.log audit;
    location = /v1/customer-data {
      if (\$authorized = 0) { return 401; }
      if (\$http_x_customer_id !~ \"^[A-Za-z0-9._:-]{1,128}\$\") { return 400; }
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length \"\";
      proxy_set_header Connection \"\";
      proxy_set_header Accept application/json;
      proxy_http_version 1.1;
      add_header Cache-Control no-store always;
      proxy_pass http://crm/customers/\$http_x_customer_id;
    }
  }"

KEY_HASH="sha256:$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"
start_readaudit() {  # name port durability
  local dir="$WORK/$1"; mkdir -p "$dir"
  cat > "$dir/readaudit.yaml" <<CONF
node: e2e
dataDirectory: $dir/data
logLevel: info
listen: {host: 127.0.0.1, port: $2}
journal: {durability: $3}
crm: {url: "http://127.0.0.1:$CRM_PORT/customers/{customerId}", connectTimeoutMs: 1000, readTimeoutMs: 2000}
credentials:
  - name: e2e
    keyHash: "$KEY_HASH"
sinks:
  - {type: file, name: file, path: audit.jsonl}
CONF
  "$READAUDIT" serve --config "$dir/readaudit.yaml" > "$dir/stdout.log" 2> "$dir/stderr.log" &
  PIDS+=($!)
  echo $! > "$dir/pid"
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "readaudit ($1) did not start:" >&2; cat "$dir/stderr.log" >&2; exit 1
}
case ",$TARGETS," in *,readaudit,*) start_readaudit readaudit $RA_PORT fsync ;; esac
case ",$TARGETS," in *,readaudit-os,*) start_readaudit readaudit-os $RA_OS_PORT os ;; esac

# --- measurement helpers ---------------------------------------------------------------------------
pids_of() {  # the server processes of a target: nginx master and workers, or readaudit
  case "$1" in
    direct) local master; master=$(cat "$WORK/crm/nginx.pid"); echo "$master $(pgrep -P "$master" | tr '\n' ' ')" ;;
    nginx-proxy) local master; master=$(cat "$WORK/proxy/nginx.pid"); echo "$master $(pgrep -P "$master" | tr '\n' ' ')" ;;
    readaudit|readaudit-os) cat "$WORK/$1/pid" ;;
  esac
}
cpu_ticks() { local t=0; for p in $*; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
hwm_kb() { local t=0; for p in $*; do t=$((t + $(awk '/VmHWM/ {print $2}' "/proc/$p/status"))); done; echo $t; }
reset_hwm() { for p in $*; do echo 5 > "/proc/$p/clear_refs" 2>/dev/null || true; done; }
url_of() {
  case "$1" in
    direct) echo "http://127.0.0.1:$CRM_PORT" ;; nginx-proxy) echo "http://127.0.0.1:$PROXY_PORT" ;;
    readaudit) echo "http://127.0.0.1:$RA_PORT" ;; readaudit-os) echo "http://127.0.0.1:$RA_OS_PORT" ;;
  esac
}
RESULTS="$WORK/results.jsonl"; : > "$RESULTS"
FSYNC="$WORK/fsync.jsonl"; : > "$FSYNC"
CLK_TCK=$(getconf CLK_TCK)

run_case() {  # target case seconds round
  local target=$1 case=$2 secs=$3 round=$4 conns delay=0 mode=post
  case "$case" in
    max) conns=64 ;; light) conns=8 ;; paced) conns=16; delay=$((16000 / RATE - 1)) ;;
  esac
  [ "$target" = direct ] && mode=get
  local pids; pids=$(pids_of "$target")
  reset_hwm $pids
  local before; before=$(cpu_ticks $pids)
  local out="$WORK/wrk-$target-$case-$round.json"; rm -f "$out"
  E2E_MODE=$mode E2E_KEY=$KEY E2E_CUSTOMERS=$CUSTOMERS E2E_DELAY_MS=$delay E2E_OUT="$out" \
    wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s "$HERE/request.lua" "$(url_of "$target")" > "$WORK/wrk-$target-$case-$round.txt"
  local after; after=$(cpu_ticks $pids)
  local hwm; hwm=$(hwm_kb $pids)
  python3 - "$out" "$target" "$case" "$round" "$((after - before))" "$CLK_TCK" "$hwm" >> "$RESULTS" <<'PY'
import json, sys
out, target, case, rnd, ticks, tck, hwm = sys.argv[1:]
r = json.loads(open(out).read().strip().splitlines()[-1])
r.update(target=target, case=case, round=int(rnd), cpu_s=int(ticks) / int(tck), hwm_kb=int(hwm))
print(json.dumps(r))
PY
  printf '  %-13s %-6s %s\n' "$target" "$case" "$(tail -1 "$RESULTS" | python3 "$HERE/line.py")"
}

IFS=, read -r -a target_list <<< "$TARGETS"
IFS=, read -r -a case_list <<< "$CASES"
# Warm-up: a few seconds per target, discarded.
for t in "${target_list[@]}"; do
  E2E_MODE=$([ "$t" = direct ] && echo get || echo post) E2E_KEY=$KEY wrk -t2 -c16 -d3s -s "$HERE/request.lua" "$(url_of "$t")" >/dev/null
done

n=${#target_list[@]}
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  python3 "$HERE/fsync_probe.py" "$WORK" 2 >> "$FSYNC"
  for c in "${case_list[@]}"; do
    for i in $(seq 0 $((n - 1))); do
      run_case "${target_list[$(( (i + round - 1) % n ))]}" "$c" "$SECONDS_PER_CASE" "$round"
    done
  done
done
python3 "$HERE/fsync_probe.py" "$WORK" 2 >> "$FSYNC"

if [ "$SOAK_MINUTES" != 0 ]; then
  echo "soak: readaudit at 64 connections for $SOAK_MINUTES min, VmRSS every 30 s"
  pid=$(cat "$WORK/readaudit/pid")
  E2E_MODE=post E2E_KEY=$KEY E2E_OUT="$WORK/soak-wrk.json" \
    wrk -t2 -c64 -d"$((SOAK_MINUTES * 60))s" --timeout 10s -s "$HERE/request.lua" "$(url_of readaudit)" > "$WORK/soak-wrk.txt" &
  wrk_pid=$!
  : > "$WORK/soak.tsv"
  while kill -0 $wrk_pid 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$pid/status)" >> "$WORK/soak.tsv"
    sleep 30
  done
  wait $wrk_pid || true
fi

echo
python3 "$HERE/report.py" "$WORK" "$SECONDS_PER_CASE" "$ROUNDS" "$RATE" "$SOAK_MINUTES"
