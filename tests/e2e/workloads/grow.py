# A Python process that builds JSON strings and keeps the last fifty: steady allocation
# through CPython's allocator and libc. Prints "ready" once running.
import json
import time

keep = []
print("ready", flush=True)
while True:
    d = {str(i): [i, str(i) * 10, {"k": i}] for i in range(2000)}
    keep.append(json.dumps(d))
    if len(keep) > 50:
        keep.pop(0)
    time.sleep(0.02)
