"""Blocks kept from the first instructions of a short script, for leaktop -- python3.

Keeps 3,000 bytes objects of 200 bytes (233-byte pymalloc blocks) in a list made beforehand,
says "kept" on stderr, and exits (os._exit: no interpreter teardown frees them), 0, on
SIGUSR1 or after 60 s: leaktop names Python frames from the live process, at its intervals.
"""
import os
import signal
import sys

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
KEPT = [None] * 3000
for i in range(len(KEPT)):
    KEPT[i] = bytes(200)  # LEAK:keep
print("kept", file=sys.stderr, flush=True)
signal.sigtimedwait({signal.SIGUSR1}, 60)
os._exit(0)
