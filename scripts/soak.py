#!/usr/bin/env python3
"""The soak (issue 6; not in CI): mixed load against the real gateway for a long time, with sink outages
and gateway restarts, ending with a full reconciliation and the memory and file-descriptor curves.

Started by scripts/soak.sh, which builds the release binary. Standard library only. Every address is on
loopback; every loop is bounded by --minutes.

Reconciliation: every event id a client received (the Audit-Event-Id of any answer) is in the journal and in
every sink (file, Splunk HEC stub, webhook stub), and `readaudit verify` passes. The CSV has one row every
--sample-seconds: time, gateway pid, RSS, open fds, requests so far, errors so far.
"""
import argparse
import csv
import gzip
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AGENT = "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f"
INTERACTION = "0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
KEY = "ra_soak-integration-key-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def key_hash(key):
    import hashlib
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class Intake:
    """A sink stub (Splunk HEC or webhook) that keeps the event ids it was sent and can be down or failing."""

    def __init__(self, kind):
        self.kind = kind
        self.ids = set()
        self.lock = threading.Lock()
        self.failing = False  # answers 503 (the sink is up but unhealthy)
        self.port = free_port()
        self.server = None
        self.requests = 0

    def start(self):
        intake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with intake.lock:
                    intake.requests += 1
                    failing = intake.failing
                if failing:
                    self.send_response(503)
                    self.end_headers()
                    return
                ids = []
                if intake.kind == "hec":
                    decoder = json.JSONDecoder()
                    text = body.decode()
                    index = 0
                    while index < len(text):
                        while index < len(text) and text[index].isspace():
                            index += 1
                        if index >= len(text):
                            break
                        envelope, index = decoder.raw_decode(text, index)
                        ids.append(envelope["event"]["id"])
                    answer = b'{"text":"Success","code":0}'
                else:
                    ids = [event["id"] for event in json.loads(body)]
                    answer = b"{}"
                with intake.lock:
                    intake.ids.update(ids)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Down: the port refuses connections."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Gateway:
    def __init__(self, binary, config, log_path):
        self.binary, self.config, self.log_path = binary, config, log_path
        self.process = None

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([self.binary, "serve", "--config", self.config], stdout=log, stderr=log)

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)


def wait_http(port, path, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def proc_sample(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds
    except (OSError, StopIteration):
        return None, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sample-seconds", type=float, default=5)
    parser.add_argument("--outage-every", type=float, default=90, help="seconds between sink outages")
    parser.add_argument("--outage-seconds", type=float, default=30)
    parser.add_argument("--restart-every", type=float, default=300, help="seconds between gateway restarts")
    parser.add_argument("--csv", default="soak.csv")
    parser.add_argument("--work", default=None, help="keep the run's files here (default: a temporary directory)")
    args = parser.parse_args()

    work = args.work or tempfile.mkdtemp(prefix="readaudit-soak.")
    os.makedirs(work, exist_ok=True)
    print(f"soak: working in {work}", flush=True)
    crm_port, demo_port, port = free_port(), free_port(), free_port()
    demo = subprocess.Popen(
        [args.binary, "demo", "--port", str(demo_port), "--crm-port", str(crm_port), "--data-dir", os.path.join(work, "demo")],
        stdout=open(os.path.join(work, "demo.log"), "w"), stderr=subprocess.STDOUT)
    hec, webhook = Intake("hec"), Intake("webhook")
    hec.start()
    webhook.start()
    data = os.path.join(work, "data")
    config = os.path.join(work, "readaudit.yaml")
    with open(config, "w") as f:
        f.write(f"""node: soak
dataDirectory: {data}
logLevel: warning
listen: {{host: 127.0.0.1, port: {port}}}
crm: {{url: "http://127.0.0.1:{crm_port}/customers/{{customerId}}", connectTimeoutMs: 1000, readTimeoutMs: 2000}}
credentials:
  - name: soak
    keyHash: "{key_hash(KEY)}"
sinks:
  - {{type: file, name: file, path: audit.jsonl}}
  - {{type: splunk_hec, name: splunk, url: "http://127.0.0.1:{hec.port}", token: {{env: SOAK_HEC_TOKEN}}, gzip: false, degradedAfterSeconds: 20}}
  - {{type: webhook, name: webhook, url: "http://127.0.0.1:{webhook.port}/hook", secret: {{env: SOAK_WEBHOOK_SECRET}}, degradedAfterSeconds: 20}}
""")
    os.environ["SOAK_HEC_TOKEN"] = "soak-hec-token"
    os.environ["SOAK_WEBHOOK_SECRET"] = "soak-webhook-secret"
    gateway = Gateway(args.binary, config, os.path.join(work, "gateway.log"))
    if not wait_http(crm_port, "/customers/C-100001"):
        sys.exit("soak: the demo CRM did not start")
    gateway.start()
    if not wait_http(port, "/readyz"):
        sys.exit("soak: the gateway did not start")

    received = set()
    counts = {"requests": 0, "errors": 0, "by_status": {}}
    lock = threading.Lock()
    stop = threading.Event()
    end = time.time() + args.minutes * 60

    def client(number):
        rng = random.Random(number)
        connection = None
        while not stop.is_set():
            roll = rng.random()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
            customer = f"C-1000{rng.randint(1, 36):02d}"
            if roll < 0.05:
                customer = "C-404404"  # not found
            body = json.dumps({"customerId": customer, "agentId": AGENT, "interactionId": INTERACTION})
            if 0.05 <= roll < 0.08:
                body = '{"customerId": 1}'  # invalid
            if 0.08 <= roll < 0.10:
                headers["Authorization"] = "Bearer ra_wrong"  # denied
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("POST", "/v1/customer-data", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                event_id = response.getheader("Audit-Event-Id")
                with lock:
                    counts["requests"] += 1
                    counts["by_status"][response.status] = counts["by_status"].get(response.status, 0) + 1
                    if event_id:
                        received.add(event_id)
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["errors"] += 1
                if connection:
                    connection.close()
                connection = None
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    for thread in threads:
        thread.start()

    samples = open(args.csv, "w", newline="")
    writer = csv.writer(samples)
    writer.writerow(["elapsed_s", "pid", "rss_kib", "open_fds", "requests", "client_errors", "event_ids"])
    started = time.time()
    next_sample = started
    next_outage = started + args.outage_every
    outage_until = None
    outage_kind = 0
    next_restart = started + args.restart_every
    restarts = 0
    outages = 0
    while time.time() < end:
        now = time.time()
        if now >= next_sample:
            rss, fds = proc_sample(gateway.process.pid)
            with lock:
                writer.writerow([round(now - started, 1), gateway.process.pid, rss, fds, counts["requests"], counts["errors"], len(received)])
            samples.flush()
            next_sample += args.sample_seconds
        if outage_until is None and now >= next_outage:
            # Alternate: HEC refuses connections; the webhook answers 503; both at once.
            outage_kind = outages % 3
            if outage_kind in (0, 2):
                hec.stop()
            if outage_kind in (1, 2):
                webhook.failing = True
            outages += 1
            outage_until = now + args.outage_seconds
            print(f"soak: {round(now - started)} s: sink outage {outages} ({['hec down', 'webhook 503', 'both'][outage_kind]})", flush=True)
        if outage_until is not None and now >= outage_until:
            if outage_kind in (0, 2):
                hec.start()
            webhook.failing = False
            outage_until = None
            next_outage = now + args.outage_every
        if now >= next_restart:
            # Alternate SIGTERM (graceful) and SIGKILL (a crash).
            sig = signal.SIGTERM if restarts % 2 == 0 else signal.SIGKILL
            print(f"soak: {round(now - started)} s: restarting the gateway with {sig.name}", flush=True)
            gateway.stop(sig)
            gateway.start()
            if not wait_http(port, "/readyz"):
                sys.exit("soak: the gateway did not come back after a restart")
            restarts += 1
            next_restart = time.time() + args.restart_every
        time.sleep(0.2)

    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    if hec.server is None:
        hec.start()
    webhook.failing = False
    print(f"soak: load stopped after {round(time.time() - started)} s; {counts['requests']} answers, "
          f"{counts['errors']} client-side errors (restarts), statuses {counts['by_status']}", flush=True)

    # Reconciliation: every sink catches up (bounded), then the gateway stops and the journal is checked.
    def file_ids():
        ids = set()
        path = os.path.join(data, "audit.jsonl")
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    if line.strip():
                        ids.add(json.loads(line)["id"])
        return ids

    deadline = time.time() + 180
    while time.time() < deadline:
        with hec.lock, webhook.lock:
            caught_up = received <= hec.ids and received <= webhook.ids
        if caught_up and received <= file_ids():
            break
        time.sleep(1)
    rss, fds = proc_sample(gateway.process.pid)
    writer.writerow([round(time.time() - started, 1), gateway.process.pid, rss, fds, counts["requests"], counts["errors"], len(received)])
    samples.close()
    gateway.stop()
    demo.terminate()
    demo.wait(timeout=30)

    journal = sqlite3.connect(f"file:{os.path.join(data, 'journal.sqlite')}?mode=ro", uri=True)
    journal_ids = {row[0] for row in journal.execute("SELECT id FROM events")}
    journal.close()
    verify = subprocess.run([args.binary, "verify", "--data-dir", data, "--read-only"], capture_output=True, text=True)
    missing = {
        "journal": len(received - journal_ids),
        "file": len(received - file_ids()),
        "splunk_hec": len(received - hec.ids),
        "webhook": len(received - webhook.ids),
    }
    with open(args.csv) as f:
        rows = [row for row in csv.DictReader(f) if row["rss_kib"]]
    rss_values = [int(row["rss_kib"]) for row in rows]
    fd_values = [int(row["open_fds"]) for row in rows]
    print(f"soak: {len(received)} event ids received by clients; {len(journal_ids)} events in the journal; "
          f"{restarts} restarts; {outages} sink outages")
    print(f"soak: missing from: {missing}")
    print(f"soak: verify: {verify.stdout.strip().splitlines()[0] if verify.stdout.strip() else verify.stderr.strip()}")
    if rss_values:
        print(f"soak: RSS KiB first/last/max {rss_values[0]}/{rss_values[-1]}/{max(rss_values)}; "
              f"open fds first/last/max {fd_values[0]}/{fd_values[-1]}/{max(fd_values)}; curves in {args.csv}")
    ok = verify.returncode == 0 and not any(missing.values()) and len(received) > 0
    print("soak: PASSED" if ok else "soak: FAILED")
    hec.stop()
    webhook.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
