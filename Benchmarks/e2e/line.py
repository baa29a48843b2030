"""One progress line for a case's JSON result (stdin)."""
import json, sys

r = json.load(sys.stdin)
errors = sum(r["errors"].values())
print(f"{r['requests'] / r['duration_us'] * 1e6:9.0f} req/s  p50 {r['p50_us'] / 1000:.3f} ms  "
      f"p99 {r['p99_us'] / 1000:.3f} ms  CPU {r['cpu_s']:.2f} s  HWM {r['hwm_kb'] / 1024:.1f} MB  errors {errors}")
