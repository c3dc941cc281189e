"""Leaks under known chains of Python functions, for leaktop's Python frames.

Each site keeps blocks of its own size, on the line marked `# LEAK:<site>`, so the test can
find its line and check its bytes: a bytes object of n bytes takes 33 + n bytes (its header
and NUL) from PyObject_Malloc. Sizes are variables, so the compiler cannot fold them. Each
site stores into a list made beforehand at its full size, so that no list grows on its line.

    python pyframes.py        prints "ready", leaks on SIGUSR1, prints "done", sleeps
"""
import ctypes
import json
import signal
import threading
import time

KEEP = [None] * 16
N_REMEMBER, SZ_REMEMBER = 500, 10000
N_INNER, SZ_INNER = 300, 6000
N_LAMBDA, SZ_LAMBDA = 200, 7000
N_GEN, SZ_GEN = 100, 8000
N_CLASS, SZ_CLASS = 50, 9000
N_JSON, SZ_JSON = 40, 5000
N_THREAD, SZ_THREAD = 60, 4000
N_NATIVE, SZ_NATIVE = 70, 3000
N_SMALL, SZ_SMALL = 3000, 100



def slots(n):
    return [None] * n


class SessionStore:
    def __init__(self):
        self.payloads = slots(N_REMEMBER)

    def remember(self, i, n):
        self.payloads[i] = b"r" * n  # LEAK:remember


def handle_request(store, i):
    store.remember(i, SZ_REMEMBER)


def outer():
    kept = KEEP[1] = slots(N_INNER)

    def inner(i):
        kept[i] = b"i" * SZ_INNER  # LEAK:inner
    for i in range(N_INNER):
        inner(i)


make = lambda kept, i: kept.__setitem__(i, b"l" * SZ_LAMBDA)  # LEAK:lambda


def gen():
    for _ in range(N_GEN):
        yield b"g" * SZ_GEN  # LEAK:gen


class Key:
    """Not JSON: the encoder hands it to json_default, which stores its block at key.i."""

    def __init__(self, i):
        self.i = i


def json_default(obj):
    kept = KEEP[4]
    kept[obj.i] = b"j" * SZ_JSON  # LEAK:json_default
    return 0


def make_small():
    kept = KEEP[5] = slots(N_SMALL)
    for i in range(N_SMALL):
        kept[i] = b"s" * SZ_SMALL  # LEAK:make_small


def thread_a():
    kept = KEEP[6] = slots(N_THREAD)
    for i in range(N_THREAD):
        kept[i] = b"t" * SZ_THREAD  # LEAK:thread_a


def native_b(malloc):
    # ctypes releases the GIL around the call: this thread allocates without holding it.
    # The pointers are not kept as Python ints, which would be allocated on this line too.
    for i in range(N_NATIVE):
        malloc(SZ_NATIVE)  # LEAK:native_b


def main():
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    print("ready", flush=True)
    signal.sigwait({signal.SIGUSR1})
    store = KEEP[0] = SessionStore()
    for i in range(N_REMEMBER):
        handle_request(store, i)
    outer()
    kept = KEEP[2] = slots(N_LAMBDA)
    for i in range(N_LAMBDA):
        make(kept, i)
    kept = KEEP[3] = slots(N_GEN)
    for i, block in enumerate(gen()):
        kept[i] = block
    del block

    class Holder:
        kept = KEEP[7] = slots(N_CLASS)
        for i in range(N_CLASS):
            kept[i] = b"c" * SZ_CLASS  # LEAK:Holder

    KEEP[4] = slots(N_JSON)
    json.dumps([Key(i) for i in range(N_JSON)], default=json_default)
    make_small()
    ta = threading.Thread(target=thread_a)
    tb = threading.Thread(target=native_b, args=(libc.malloc,))
    ta.start()
    tb.start()
    ta.join()
    tb.join()
    print("done", flush=True)
    time.sleep(600)


main()
