#!/usr/bin/env python3
"""Read leaktop's --json output for the end-to-end tests.

  ltjson.py FILE validate                 every line is an object with the documented keys
  ltjson.py FILE sum KIND FUNC FIELD      FIELD summed over the final report's stacks of KIND
                                          (heap, anon, file, tcp, udp, unix, other, or mmap
                                          for both mapping kinds) made in FUNC
  ltjson.py FILE trends KIND FUNC         the trend of that stack in each report, in order
  ltjson.py FILE stack KIND FUNC FIELD    FIELD of the final report's largest such stack
  ltjson.py FILE proc FIELD               FIELD of the final report's first process
  ltjson.py FILE cost PID FIELD           FIELD of process PID's cost in the final report
                                          ("trap.FIELD": of the calibrated trap, self.trap_ns)
  ltjson.py FILE costs PID FIELD          the same in every interval report, one per line,
                                          with its sample_bytes: "FIELD SAMPLE_BYTES"
  ltjson.py FILE leaks PID                "FUNC BYTES COUNT" per innermost frame of the final
                                          report's heap stacks in process PID
  ltjson.py FILE python PID               "FUNC FILE:LINE BYTES COUNT" per innermost Python
                                          frame of the final report's heap stacks in PID
  ltjson.py FILE pychain PID FUNC         the frames of PID's largest heap stack whose
                                          innermost Python frame is FUNC, one per line

A stack is "made in FUNC" when FUNC is its first frame outside the C library and the dynamic
loader: for a heap block, the allocator's caller; for a socket or mapping, the syscall
wrapper's caller.
"""
import json
import sys

SYSTEM = ("libc.so.6", "ld-linux-x86-64.so.2", "libc.so", "libpthread.so.0")
TOP_KEYS = {"type", "version", "elapsed_s", "interval_s", "window_s", "baseline_s",
            "sample_bytes", "max_overhead", "per_call",
            "traced", "scope", "processes", "containers", "group_by", "groups", "stacks",
            "drops", "unwind", "self"}
STACK_KEYS = {"pid", "kind", "stack_id", "bytes", "count", "delta", "growth", "allocs", "frees",
              "total_allocs", "total_frees", "rate_per_s", "trend", "age_s", "per_call",
              "frames", "own_frame"}
PROC_KEYS = {"pid", "comm", "exited", "rss", "anon", "heap_bytes", "mmap_bytes", "sockets",
             "rss_rate", "tracked_rate", "verdict", "calls", "go", "started_unprobed",
             "container", "node", "cost"}
NODE_PARTS = {"js_heap": "bytes", "external": "bytes", "native": "bytes", "sockets": "count"}
NODE_VERDICTS = {"too_early", "steady", "external_grows", "js_heap_grows", "both_grow",
                 "native_grows"}
COST_KEYS = {"probe_hits", "probe_hits_per_s", "added_cpu_ratio", "floor_cpu_ratio",
             "added_cpu_s", "sample_bytes", "at_floor", "stepped_hits"}
FRAME_KEYS = {"ip", "function", "offset", "module"}
TRACED_KEYS = {"heap", "mmap", "sockets"}
DROP_KEYS = {"alloc_map_full", "alloc_map_full_bytes", "totals_map_full", "stack_map_full",
             "stack_failed", "thread_state_failed", "events_lost", "socket_map_full",
             "socket_totals_full", "tree_full", "regions_not_kept", "started_unprobed",
             "cost_map_full"}
UNWIND_KEYS = {"walks", "frames", "fp_frames", "complete", "truncated", "err_no_cfi", "err_rule",
               "err_read", "err_loop", "table_rows", "table_bytes"}
KINDS = {"heap", "anon", "file", "tcp", "udp", "unix", "other"}
SCOPE_KEYS = {"kind", "name", "processes"}
CONTAINER_KEYS = {"name", "processes", "rss", "heap_bytes", "mmap_bytes", "sockets", "rss_rate",
                  "tracked_rate", "verdict"}
GROUP_KEYS = {"group", "pid", "kind", "stacks", "bytes", "count", "delta", "growth", "rate_per_s",
              "trend"}
SELF_KEYS = {"cpu_pct", "rss", "bpf_bytes", "purged_processes", "purged_allocations",
             "allocator_files", "trap_ns"}
TRAP_KEYS = {"entry", "return", "stepped", "clock"}
TRENDS = {"new", "growing", "steady", "sawtooth", "transient"}
VERDICTS = {"too_early", "rss_steady", "rss_shrinks", "tracked_explains", "untracked_growth"}


def has(obj, keys, what):
    assert keys <= set(obj), "%s lacks %s" % (what, keys - set(obj))


def reports(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def made_in(stack):
    for frame in stack["frames"]:
        if frame["module"] not in SYSTEM:
            return frame["function"]
    return None


def matches(stack, kind, func):
    kinds = ("anon", "file") if kind == "mmap" else (kind,)
    return stack["kind"] in kinds and made_in(stack) == func


def main():
    path, what = sys.argv[1], sys.argv[2]
    rs = reports(path)
    final = rs[-1]
    if what == "validate":
        assert rs and final["type"] == "final", "the last object is the final report"
        assert all(r["type"] == "interval" for r in rs[:-1]), "intervals before it"
        for r in rs:
            has(r, TOP_KEYS, "a report")
            assert r["version"] == 1, r["version"]
            has(r["traced"], TRACED_KEYS, "traced")
            has(r["drops"], DROP_KEYS, "drops")
            has(r["unwind"], UNWIND_KEYS, "unwind")
            has(r["scope"], SCOPE_KEYS, "scope")
            has(r["self"], SELF_KEYS, "self")
            assert r["scope"]["kind"] in ("pids", "all", "cgroup", "command"), r["scope"]
            assert r["group_by"] in ("stack", "process", "container"), r["group_by"]
            for c in r["containers"]:
                has(c, CONTAINER_KEYS, "a container")
                assert c["verdict"] in VERDICTS, c
            for g in r["groups"]:
                has(g, GROUP_KEYS, "a group")
                assert g["kind"] in KINDS and g["trend"] in TRENDS, g
            for s in r["stacks"]:
                has(s, STACK_KEYS, "a stack")
                assert s["kind"] in KINDS and s["trend"] in TRENDS, s
                assert s["stack_id"].startswith("0") and all(
                    f["ip"].startswith("0x") for f in s["frames"]), s
                own = s["own_frame"]
                assert (own is None) == (not s["frames"]), s
                assert own is None or 0 <= own < len(s["frames"]), s
                for f in s["frames"]:
                    has(f, FRAME_KEYS, "a frame")
                    if f["module"] == "python":
                        has(f, {"file", "line"}, "a Python frame")
            if r["self"]["trap_ns"] is not None:
                has(r["self"]["trap_ns"], TRAP_KEYS, "trap_ns")
            for p in r["processes"]:
                has(p, PROC_KEYS, "a process")
                assert p["verdict"] in VERDICTS, p
                if p["node"] is not None:
                    n = p["node"]
                    assert n["verdict"] in NODE_VERDICTS, n
                    for part, unit in NODE_PARTS.items():
                        has(n[part], {unit, "rate_per_s", "trend"}, "a node part")
                        assert n[part]["trend"] in TRENDS - {"transient"}, n
                if p["cost"] is not None:
                    has(p["cost"], COST_KEYS, "a process's cost")
                    assert p["cost"]["added_cpu_ratio"] >= 0 and p["cost"]["probe_hits"] >= 0, p
        print(len(rs))
    elif what == "cost":
        pid, field = int(sys.argv[3]), sys.argv[4]
        if field.startswith("trap."):
            print(final["self"]["trap_ns"][field[5:]])
        else:
            print([p for p in final["processes"] if p["pid"] == pid][0]["cost"][field])
    elif what == "costs":
        pid, field = int(sys.argv[3]), sys.argv[4]
        for r in rs[:-1]:
            for p in r["processes"]:
                if p["pid"] == pid and p["cost"] is not None:
                    print(p["cost"][field], p["cost"]["sample_bytes"])
    elif what == "sum":
        kind, func, field = sys.argv[3:6]
        print(sum(s[field] for s in final["stacks"] if matches(s, kind, func)))
    elif what == "trends":
        kind, func = sys.argv[3:5]
        out = []
        for r in rs:
            hits = [s for s in r["stacks"] if matches(s, kind, func)]
            if hits:
                out.append(max(hits, key=lambda s: s["bytes"] + s["count"])["trend"])
        print(" ".join(out))
    elif what == "stack":
        kind, func, field = sys.argv[3:6]
        hits = [s for s in final["stacks"] if matches(s, kind, func)]
        print(max(hits, key=lambda s: s["bytes"] + s["count"])[field] if hits else "none")
    elif what == "proc":
        print(final["processes"][0][sys.argv[3]])
    elif what in ("python", "pychain"):
        # python PID [KIND]: heap stacks, or those of KIND (anon: anonymous mappings).
        pid, sums, best = int(sys.argv[3]), {}, None
        kind = sys.argv[4] if what == "python" and len(sys.argv) > 4 else "heap"
        for s in final["stacks"]:
            py = [f for f in s["frames"] if f["module"] == "python"]
            if s["pid"] != pid or s["kind"] != kind or not py:
                continue
            key = "%s %s:%d" % (py[0]["function"], (py[0]["file"] or "?").rsplit("/", 1)[-1], py[0]["line"])
            b, c = sums.get(key, (0, 0))
            sums[key] = (b + s["bytes"], c + s["count"])
            if what == "pychain" and py[0]["function"] == sys.argv[4] and (
                    best is None or s["bytes"] > best["bytes"]):
                best = s
        if what == "pychain":
            for f in (best or {"frames": []})["frames"]:
                if f["module"] == "python":
                    print("%s (%s:%d)" % (f["function"], (f["file"] or "?").rsplit("/", 1)[-1], f["line"]))
                else:
                    print("%s [%s]" % (f["function"], f["module"]))
        else:
            for key, (b, c) in sorted(sums.items()):
                print(key, b, c)
    elif what == "rows":
        # What the final report holds of process PID, for a failure's message.
        pid = int(sys.argv[3])
        for p in final["processes"]:
            if p["pid"] == pid:
                print("process:", {k: p[k] for k in ("comm", "exited", "heap_bytes", "verdict",
                                                     "started_unprobed")})
        for s in final["stacks"]:
            if s["pid"] == pid and s["kind"] == "heap":
                print(s["bytes"], s["count"], ";".join(
                    "%s[%s]" % (f["function"], f["module"]) for f in s["frames"][:4]))
    elif what == "leaks":
        pid, sums = int(sys.argv[3]), {}
        for s in final["stacks"]:
            if s["pid"] == pid and s["kind"] == "heap" and s["frames"]:
                func = s["frames"][0]["function"] or "[unknown]"  # null: not symbolized
                b, c = sums.get(func, (0, 0))
                sums[func] = (b + s["bytes"], c + s["count"])
        for func, (b, c) in sorted(sums.items()):
            print(func, b, c)
    else:
        sys.exit("unknown query " + what)


if __name__ == "__main__":
    main()
