"""The disk's raw fsync latency, as JournalBenchmark measures it: a 512-byte write + fsync, in a loop.

Usage: fsync_probe.py DIR SECONDS  -> prints one JSON line {"samples_us": [...]}.
"""
import json, os, sys, time

directory, seconds = sys.argv[1], float(sys.argv[2])
path = os.path.join(directory, "fsync-probe.bin")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block = b"x" * 512
samples = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    start = time.perf_counter_ns()
    os.write(fd, block)
    os.fsync(fd)
    samples.append((time.perf_counter_ns() - start) / 1000)
os.close(fd)
os.unlink(path)
print(json.dumps({"samples_us": samples}))
