#!/usr/bin/env python3
"""Kill a target process at a chosen point of leaktop's attach, deterministically.

    exit_on_open.py [--zombie] N OUTDIR TARGET [ARGS...] -- LEAKTOP [ARGS...]

Starts TARGET (which prints "ready"), then LEAKTOP with "{pid}" in its arguments replaced by
the target's pid. Every open(2) of TARGET's executable file waits, through a fanotify
permission event, for this script's answer; the Nth open by leaktop is answered only once the
target has been killed, so leaktop goes on with a process that is already gone (reaped, or a
zombie with --zombie), exactly there. Writes OUTDIR/lt.out and OUTDIR/lt.err (leaktop's
streams), OUTDIR/pid (the target's), OUTDIR/rc (leaktop's exit status, or "timeout") and
OUTDIR/when: "before-attached N" when the target was killed before leaktop said it was
attached, "after-attached" when leaktop had not opened the file N times by then (the target is
then killed once leaktop is attached). Exits 0, 4 when fanotify is not available (the test
skips), 3 on any other trouble.
"""
import ctypes
import os
import select
import signal
import struct
import subprocess
import sys
import time

FAN_CLOEXEC = 0x1
FAN_CLASS_CONTENT = 0x4
FAN_OPEN_PERM = 0x10000
FAN_MARK_ADD = 0x1
FAN_ALLOW = 0x1
AT_FDCWD = -100
META = struct.Struct("=IBBHQii")  # struct fanotify_event_metadata

libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_init.argtypes = [ctypes.c_uint, ctypes.c_uint]
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int,
                               ctypes.c_char_p]


def die(msg, code=3):
    print(f"exit_on_open: {msg}", file=sys.stderr)
    sys.exit(code)


def dead(pid):
    """Gone, or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def allow_all(fan, seen):
    """Answer every pending open: allowed, after seen(opener's pid) has run."""
    buf = os.read(fan, 4096)
    off = 0
    while off + META.size <= len(buf):
        length, _, _, _, _, fd, pid = META.unpack_from(buf, off)
        seen(pid)
        os.write(fan, struct.pack("=iI", fd, FAN_ALLOW))
        os.close(fd)
        off += length


def main():
    args = sys.argv[1:]
    zombie = args[0] == "--zombie"
    if zombie:
        args = args[1:]
    n, outdir = int(args[0]), args[1]
    sep = args.index("--")
    target_cmd, lt_cmd = args[2:sep], args[sep + 1:]
    exe = os.path.realpath(target_cmd[0])

    # Marked once it runs: its own exec opens the file too, and would wait for an answer
    # while this script waits for the exec (vfork).
    target = subprocess.Popen(target_cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if not target.stdout.readline().startswith(b"ready"):
        die("the target did not start")
    fan = libc.fanotify_init(FAN_CLOEXEC | FAN_CLASS_CONTENT, os.O_RDONLY | os.O_LARGEFILE)
    if fan < 0:
        target.kill()
        die(f"fanotify_init: {os.strerror(ctypes.get_errno())}", 4)
    if libc.fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, exe.encode()) < 0:
        target.kill()
        die(f"fanotify_mark {exe}: {os.strerror(ctypes.get_errno())}", 4)
    with open(os.path.join(outdir, "pid"), "w") as f:
        f.write(f"{target.pid}\n")

    err_path = os.path.join(outdir, "lt.err")
    with open(os.path.join(outdir, "lt.out"), "w") as out, open(err_path, "w") as err:
        lt = subprocess.Popen([a.replace("{pid}", str(target.pid)) for a in lt_cmd],
                              stdout=out, stderr=err)
    opens, when = 0, None
    deadline = time.monotonic() + 60

    def kill_target():
        target.kill()
        if zombie:
            while not dead(target.pid):
                time.sleep(0.001)
        else:
            target.wait()

    def attached():
        with open(err_path) as f:
            return "leaktop: attached" in f.read()

    def seen(pid):
        nonlocal opens, when
        if pid != lt.pid or when is not None:
            return
        opens += 1
        if opens == n:
            when = "after-attached" if attached() else f"before-attached {n}"
            kill_target()

    rc = None
    while lt.poll() is None:
        if time.monotonic() > deadline:
            lt.kill()
            lt.wait()
            rc = "timeout"
            break
        if when is None and attached():
            when = "after-attached"
            kill_target()
        ready, _, _ = select.select([fan], [], [], 0.05)
        if ready:
            allow_all(fan, seen)
    if target.poll() is None:
        target.kill()
    target.wait()
    with open(os.path.join(outdir, "rc"), "w") as f:
        f.write(f"{rc or lt.returncode}\n")
    with open(os.path.join(outdir, "when"), "w") as f:
        f.write(f"{when or 'never'}\n")


if __name__ == "__main__":
    main()
