# Benchmark workload: dict- and JSON-heavy Python, the shape of a service handling records.
# Prints "ready", waits for SIGUSR1, runs a fixed amount of work and prints "elapsed_ns N" and
# "cpu_ns N" (its CPU since it started), and exits at once: the interpreter's teardown, whose
# frees come after that CPU figure, would count in leaktop's estimate and not in it.
import json
import os
import signal
import sys
import time

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
print("ready", flush=True)
signal.sigwait({signal.SIGUSR1})

t0 = time.monotonic_ns()
for r in range(rounds):
    # Strings past 512 bytes come from libc's malloc rather than CPython's pymalloc.
    records = [{"id": i, "name": "user-%d" % i, "tags": ["a" * (i % 50), "b"],
                "score": i * 0.5, "body": ("%d," % i) * (150 + i % 200)} for i in range(400)]
    text = json.dumps(records)
    back = json.loads(text)
    index = {rec["name"]: rec for rec in back}
    del records, text, back, index
print("elapsed_ns", time.monotonic_ns() - t0)
print("cpu_ns", time.process_time_ns(), flush=True)
os._exit(0)
