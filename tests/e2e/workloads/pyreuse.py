"""Code objects freed and made again at the same address, for leaktop's name cache.

On SIGUSR1, makes N functions one after the other, each compiled from its own source file
name, each keeping one block of its own size (1000 + 100 * k bytes) and then deleted: its
code object is freed, and the next one is usually made in the same memory. The last one
lives on. Their names
outlive them (kept in NAMES, as a module's names often are): leaktop tells code objects
apart by their address and a checksum of fields that include their name's and file name's
addresses, and a code object whose strings were freed and reused with it in lockstep would
look the same. Prints "done".
"""
import signal
import time
import types

N = 20
KEPT = [None] * N
NAMES = []
SRC = "def gen_{k}(kept, size):\n    kept[{k}] = b'x' * size\n"

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
print("ready", flush=True)
signal.sigwait({signal.SIGUSR1})
addrs = []
for k in range(N):
    module = compile(SRC.format(k=k), "<gen-%d>" % k, "exec")
    code = [c for c in module.co_consts if isinstance(c, types.CodeType)][0]
    del module
    fn = types.FunctionType(code, {})
    fn(KEPT, 1000 + 100 * k)
    NAMES.append((code.co_name, code.co_filename))
    addrs.append(id(code))
    if k < N - 1:  # the last one lives on
        del fn, code
for k, addr in enumerate(addrs):
    print("code", k, hex(addr), flush=True)
print("done", flush=True)
time.sleep(600)
