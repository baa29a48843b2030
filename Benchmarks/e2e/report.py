"""Prints the end-to-end benchmark's table (medians over rounds) with ratios to direct and to nginx-proxy,
the disk's fsync latency from the same run, and the issue-7 goals checked against them."""
import json, os, statistics, sys

work, seconds, rounds, rate, soak = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(os.path.join(work, "results.jsonl")) if l.strip()]
fsync = sorted(s for l in open(os.path.join(work, "fsync.jsonl")) for s in json.loads(l)["samples_us"])


def pct(values, p):
    return values[min(len(values) - 1, int(len(values) * p / 100))]


fs50, fs99 = pct(fsync, 50) / 1000, pct(fsync, 99) / 1000
targets = [t for t in ["direct", "nginx-proxy", "readaudit", "readaudit-os"] if any(r["target"] == t for r in rows)]
cases = [c for c in ["max", "light", "paced"] if any(r["case"] == c for r in rows)]
label = {"max": "64 conns", "light": "8 conns", "paced": f"paced ~{rate}/s"}

summary = {}
for c in cases:
    for t in targets:
        rs = [r for r in rows if r["target"] == t and r["case"] == c]
        if not rs:
            continue
        med = lambda f: statistics.median(f(r) for r in rs)
        summary[(t, c)] = dict(
            rps=med(lambda r: r["requests"] / r["duration_us"] * 1e6),
            p50=med(lambda r: r["p50_us"] / 1000), p99=med(lambda r: r["p99_us"] / 1000),
            p999=med(lambda r: r["p999_us"] / 1000),
            cpu_us=med(lambda r: r["cpu_s"] / max(1, r["requests"]) * 1e6),
            hwm_mb=max(r["hwm_kb"] for r in rs) / 1024,
            errors=sum(sum(r["errors"].values()) for r in rs),
            requests=sum(r["requests"] for r in rs))


def ratio(a, b):
    return f"{a / b:.2f}" if b else "-"


print(f"{rounds} rounds x {seconds} s per case; medians over rounds; disk fsync (512 B write + fsync, "
      f"{len(fsync)} samples in this run): p50 {fs50:.3f} ms, p99 {fs99:.3f} ms\n")
print("| case | target | req/s | p50 ms | p99 ms | p99.9 ms | CPU µs/req | peak RSS MB | errors "
      "| req/s ÷ direct | req/s ÷ proxy | p50 ÷ proxy | p99 ÷ proxy | CPU ÷ proxy |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in cases:
    d, n = summary.get(("direct", c)), summary.get(("nginx-proxy", c))
    for t in targets:
        s = summary.get((t, c))
        if not s:
            continue
        print(f"| {label[c]} | {t} | {s['rps']:,.0f} | {s['p50']:.3f} | {s['p99']:.3f} | {s['p999']:.3f} | "
              f"{s['cpu_us']:.1f} | {s['hwm_mb']:.1f} | {s['errors']} | "
              f"{ratio(s['rps'], d['rps']) if d else '-'} | {ratio(s['rps'], n['rps']) if n else '-'} | "
              f"{ratio(s['p50'], n['p50']) if n else '-'} | {ratio(s['p99'], n['p99']) if n else '-'} | "
              f"{ratio(s['cpu_us'], n['cpu_us']) if n else '-'} |")

print("\nGoals (issue 7):")
def goal(name, ok, detail):
    print(f"- [{'met' if ok else 'NOT met'}] {name}: {detail}")

ra, px, dr = summary.get(("readaudit", "max")), summary.get(("nginx-proxy", "max")), summary.get(("direct", "paced"))
if ra and px:
    goal("1 throughput at 64 connections ≥ 0.5 × nginx-proxy", ra["rps"] >= 0.5 * px["rps"],
         f"{ra['rps']:,.0f} vs {px['rps']:,.0f} req/s = {ra['rps'] / px['rps']:.2f} ×")
    goal("3 CPU per read at 64 connections ≤ 3 × nginx-proxy", ra["cpu_us"] <= 3 * px["cpu_us"],
         f"{ra['cpu_us']:.1f} vs {px['cpu_us']:.1f} µs = {ra['cpu_us'] / px['cpu_us']:.2f} ×")
    goal("4 peak RSS at 64 connections < 200 MB", ra["hwm_mb"] < 200, f"{ra['hwm_mb']:.1f} MB")
rp, ro = summary.get(("readaudit", "paced")), summary.get(("readaudit-os", "paced"))
if rp and dr:
    a50, a99 = rp["p50"] - dr["p50"], rp["p99"] - dr["p99"]
    goal("2 paced: added p50 ≤ fsync p50 + 0.5 ms", a50 <= fs50 + 0.5, f"added {a50:.3f} ms, limit {fs50 + 0.5:.3f} ms")
    goal("2 paced: added p99 ≤ fsync p99 + 2 ms", a99 <= fs99 + 2, f"added {a99:.3f} ms, limit {fs99 + 2:.3f} ms")
if ro and dr:
    a50 = ro["p50"] - dr["p50"]
    goal("2 paced, durability os: added p50 < 0.5 ms", a50 < 0.5, f"added {a50:.3f} ms")
total_errors = sum(s["errors"] for s in summary.values())
goal("5 zero errors in every case", total_errors == 0, f"{total_errors} errors over {sum(s['requests'] for s in summary.values()):,} requests")
soak_file = os.path.join(work, "soak.tsv")
if soak != "0" and os.path.exists(soak_file):
    samples = [l.split() for l in open(soak_file) if l.strip()]
    if len(samples) >= 2:
        first, peak, last = int(samples[0][1]) / 1024, max(int(s[1]) for s in samples) / 1024, int(samples[-1][1]) / 1024
        half = samples[len(samples) // 2:]
        goal(f"4 no RSS growth over a {soak}-minute soak", last <= max(int(s[1]) for s in half[:1]) / 1024 * 1.05,
             f"VmRSS first {first:.1f} MB, peak {peak:.1f} MB, last {last:.1f} MB ({len(samples)} samples)")
        soak_out = os.path.join(work, "soak-wrk.json")
        if os.path.exists(soak_out):
            r = json.loads(open(soak_out).read().strip().splitlines()[-1])
            print(f"  soak: {r['requests']:,} reads, {r['requests'] / r['duration_us'] * 1e6:,.0f} req/s, "
                  f"p99 {r['p99_us'] / 1000:.2f} ms, errors {sum(r['errors'].values())}")
