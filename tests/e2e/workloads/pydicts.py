"""Dicts kept, for leaktop on a python3 built with link-time optimization.

On SIGUSR1, keep() keeps 100,000 dicts of two keys in a list: a dict object and its keys
object each (PYTHONMALLOC=malloc: 200,000 blocks from malloc, fewer by the dicts CPython's
free list gives back; pymalloc: some 22 MiB of its 1 MiB arenas). Prints "done".
"""
import signal
import time

KEPT = []


def keep(n):
    for i in range(n):
        KEPT.append({"a": i, "b": i})  # LEAK:keep


signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
print("ready", flush=True)
signal.sigwait({signal.SIGUSR1})
keep(100000)
print("done", flush=True)
time.sleep(600)
