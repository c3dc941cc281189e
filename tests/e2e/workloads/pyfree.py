"""pymalloc's frees, for leaktop's probe on them.

On SIGUSR1: churn() makes and frees 20,000 lists of 10 small bytes objects (pymalloc blocks,
every one freed, through PyObject_Free), then keep() keeps 3,000 bytes objects of 200 bytes
(233-byte blocks) in a list made beforehand. Prints "done".
"""
import signal
import time

KEPT = [None] * 3000


def churn(n):
    for _ in range(n):
        x = [bytes(100) for _ in range(10)]  # LEAK:churn
        del x


def keep():
    for i in range(len(KEPT)):
        KEPT[i] = bytes(200)  # LEAK:keep


signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
print("ready", flush=True)
signal.sigwait({signal.SIGUSR1})
churn(20000)
keep()
print("done", flush=True)
time.sleep(600)
