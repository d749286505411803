"""vramgate worker helper: serve your own inference code to vramgate's `process` engine.

Standard library only, Python >= 3.8. The protocol is described in docs/protocol.md.

    from vramgate_worker import serve

    serve(
        activate=lambda: ...,          # create what a context strategy keeps alive
        infer=lambda shape: ...,       # one inference; shape = {"input": [4, 3, 224, 224]}
        deactivate=lambda: ...,        # release what activate() created
        stats=lambda: {"torchAllocatedBytes": torch.cuda.memory_allocated()},  # optional
        name="my-model",
        versions={"torch": torch.__version__},
    )

or subclass Worker and call `MyWorker().serve()`.

Inputs with a `values:` spec in the scenario (token ids below the vocabulary size, 0/1
masks) reach load() in hello's config; `input_values(config, name)` reads one, and
`sample_values(config, name, count)` builds that many deterministic values from it:

    def load(config):
        ids = sample_values(config, "input_ids", 8 * 512)   # None: the scenario set no values

The helper answers the protocol on the process's real stdout and points sys.stdout (and
file descriptor 1, so native libraries' printf output too) at stderr: print() in your
code cannot corrupt the protocol channel. When vramgate starts the worker it sets
VRAMGATE_PROTOCOL, and importing this module claims stdout right away, so prints made
while your model loads are safe as well.
"""

import json
import math
import mmap
import os
import struct
import sys
import threading
import time

from vramgate_oom import is_out_of_memory  # the one OOM rule (python/vramgate_oom.py)
from vramgate_stats import EngineStats  # torch / cupy figures, read without user code
from vramgate_trace import AllocationTrace  # allocation stacks for a leak (traceAllocations op)

# The highest protocol version the helper speaks; it answers hello with the highest version
# vramgate offers (hello's "protocols", or "protocol" alone from vramgate before version 2).
PROTOCOL_VERSION = 2

# Progress journal record (protocol 2): request id, call index, start ns, end ns.
_JOURNAL_RECORD = struct.Struct("<qqqq")

__all__ = ["PROTOCOL_VERSION", "Worker", "serve", "claim_stdout", "is_out_of_memory", "input_values", "sample_values"]

_INTEGER_DTYPES = ("int32", "int64")

_protocol_out = None  # binary stream of the real stdout, once claimed


def claim_stdout():
    """Keeps the real stdout for protocol replies and sends everything else to stderr.

    Returns the binary stream replies are written to. Safe to call more than once.
    """
    global _protocol_out
    if _protocol_out is not None:
        return _protocol_out
    try:
        sys.stdout.flush()
    except Exception:
        pass
    proto_fd = os.dup(1)
    # fd 1 now writes to stderr: C/C++ libraries that printf (TensorRT loggers, CUDA
    # tools) land on stderr instead of the protocol channel.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _protocol_out = os.fdopen(proto_fd, "wb", buffering=0)
    return _protocol_out


def input_values(config, name):
    """The values to feed input `name`, from hello's config.

    Returns {"min": lo, "max": hi} (inclusive; "ones" is 1..1 and "zeros" is 0..0), or None
    when the scenario sets no values for the input and the worker chooses its own.
    Raises KeyError for an input the profile does not name, ValueError for a malformed spec.
    """
    profile = (config or {}).get("profile") or {}
    if name not in profile:
        raise KeyError("input %r is not in the scenario's profile (inputs: %s)" % (name, ", ".join(profile) or "none"))
    spec = profile[name].get("values")
    if spec is None:
        return None
    if spec == "ones":
        return {"min": 1, "max": 1}
    if spec == "zeros":
        return {"min": 0, "max": 0}
    if isinstance(spec, dict):
        lo, hi = spec.get("min"), spec.get("max")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi))
        if numbers and lo <= hi:
            return {"min": lo, "max": hi}
    raise ValueError('values of input %r: expected "ones", "zeros" or {"min": lo, "max": hi} with lo <= hi, got %r' % (name, spec))


_MASK64 = (1 << 64) - 1


def _mix64(x):
    """splitmix64's finaliser: element i's draw depends on (seed, i) only."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK64
    return x ^ (x >> 31)


def sample_values(config, name, count, seed=0):
    """`count` deterministic values for input `name` per its values spec, as a list.

    Integer dtypes (int32, int64) get ints in [min, max]; float dtypes get floats in
    [min, max). Element i depends only on (seed, i), so a longer list starts with a shorter
    one's values. Returns None when the scenario sets no values for the input. Pure Python:
    fine for ids and masks; for large float tensors prefer your framework's own generator.
    """
    spec = input_values(config, name)
    if spec is None:
        return None
    lo, hi = spec["min"], spec["max"]
    integer = config["profile"][name].get("dtype") in _INTEGER_DTYPES
    base = (seed * 0x9E3779B97F4A7C15) & _MASK64
    if integer:
        lo, hi = int(lo), int(hi)
        n = hi - lo + 1
        if n == 1:
            return [lo] * count
        # 64-bit draws modulo n: the bias is below n / 2^64, nothing for id ranges.
        return [lo + _mix64((base + (i + 1) * 0x9E3779B97F4A7C15) & _MASK64) % n for i in range(count)]
    if lo == hi:
        return [float(lo)] * count
    scale = (hi - lo) / float(1 << 53)
    return [lo + (_mix64((base + (i + 1) * 0x9E3779B97F4A7C15) & _MASK64) >> 11) * scale for i in range(count)]


def _watch_parent(interval_s=0.5):
    """Exits when the process that started us dies, so a worker never outlives vramgate."""
    parent = os.getppid()

    def run():
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                os._exit(3)

    thread = threading.Thread(target=run, name="vramgate-parent-watch", daemon=True)
    thread.start()


class Worker:
    """Base class: override activate/infer/deactivate (and stats, load) as needed.

    Lifecycle guards mirror a runner's: infer() only while active, activate() only while
    inactive. A failing activate() leaves the worker inactive.
    """

    name = "worker"
    # Set to False when the model runs on the CPU only: vramgate then judges host RSS.
    gpu = True

    def versions(self):
        """Library versions to record, e.g. {"torch": torch.__version__}."""
        return {}

    def load(self, config):
        """Called once with hello's config (scenario, strategy, precision, modelPath, device, profile).

        profile[name] has min/opt/max, dtype and values (see input_values / sample_values).
        """

    def activate(self):
        """Create what the strategy keeps alive (context, buffers)."""

    def infer(self, shape):
        """One inference. shape: {input name: [dims]}. Return when outputs are ready."""
        raise NotImplementedError("infer() is not implemented")

    def deactivate(self):
        """Release what activate() created."""

    # Set to a callable returning {signal name: bytes} to report engine memory figures. When
    # torch (CUDA initialised) or cupy is loaded, their figures are reported without it
    # (python/vramgate_stats.py); this callable's figures are merged over them.
    stats = None
    # False turns the automatic torch / cupy figures off (also VRAMGATE_ENGINE_STATS=0).
    engine_stats = True
    # Optional: a callable given a batch's distinct shapes before its first call's clock
    # starts (build input data there: vramgate_runner.RunnerWorker does).
    prepare = None

    def serve(self, stdin=None, stdout=None):
        """Runs the protocol loop until shutdown or end of input. Returns the exit status."""
        return _Loop(self, stdin, stdout).run()


class _FunctionWorker(Worker):
    def __init__(self, activate, infer, deactivate, stats, name, versions, load, gpu=True):
        self.name = name
        self.gpu = gpu
        self._activate = activate
        self._infer = infer
        self._deactivate = deactivate
        self._versions = dict(versions or {})
        self._load = load
        self.stats = stats

    def versions(self):
        return self._versions

    def load(self, config):
        if self._load is not None:
            self._load(config)

    def activate(self):
        if self._activate is not None:
            self._activate()

    def infer(self, shape):
        if self._infer is None:
            raise NotImplementedError("serve() was given no infer function")
        self._infer(shape)

    def deactivate(self):
        if self._deactivate is not None:
            self._deactivate()


class _Loop:
    def __init__(self, worker, stdin, stdout):
        self.worker = worker
        self.stdin = stdin if stdin is not None else sys.stdin.buffer
        self.stdout = stdout if stdout is not None else claim_stdout()
        self.active = False
        self.protocol = 1
        self.journal = None
        self.journal_calls = 0
        self.auto_stats = None  # EngineStats once hello finds torch or cupy loaded
        self.stats_on = worker.stats is not None
        self.trace = AllocationTrace()

    def send(self, reply):
        data = json.dumps(reply, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"
        self.stdout.write(data)
        self.stdout.flush()

    def enable_auto_stats(self):
        """Called after load(): the worker's imports are done, so torch / cupy are loaded or not."""
        wanted = getattr(self.worker, "engine_stats", True) and bool(self.worker.gpu)
        if wanted and os.environ.get("VRAMGATE_ENGINE_STATS", "1") != "0" and EngineStats.available():
            self.auto_stats = EngineStats()
        self.stats_on = self.worker.stats is not None or self.auto_stats is not None

    def stats(self):
        if not self.stats_on:
            return None
        fn = self.worker.stats
        figures = self.auto_stats() if self.auto_stats is not None else {}
        if fn is not None:
            figures.update(dict(fn()))  # the user's own figures win
        out = {}
        for key, value in figures.items():
            number = float(value)
            if not math.isfinite(number) or number < 0:
                raise ValueError("stats()[%r] must be a non-negative number of bytes, got %r" % (key, value))
            out[str(key)] = int(number) if number.is_integer() else number
        return out

    def run(self):
        while True:
            line = self.stdin.readline()
            if not line:
                return 0  # end of input: vramgate is gone or closed the channel
            if not line.strip():
                continue
            request_id = None
            try:
                try:
                    request = json.loads(line)
                except ValueError as exc:
                    raise _BadRequest("expected a JSON object per line, got %r (%s)" % (line[:80], exc))
                if not isinstance(request, dict):
                    raise _BadRequest("expected a JSON object per line, got %r" % (line[:80],))
                request_id = request.get("id")
                if not isinstance(request_id, int) or isinstance(request_id, bool):
                    request_id = None
                    raise _BadRequest("request has no integer id: %r" % (line[:80],))
                reply = self.handle(request)
            except _BadRequest as exc:
                reply = {"id": request_id, "ok": False, "error": "bad request: %s" % exc, "kind": "error"}
            except _Shutdown as done:
                self.send(done.reply)
                return 0
            except BaseException as exc:  # the user's code failed: report, stay alive
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                reply = _failure(request_id, exc)
            self.send(reply)

    def timed(self, fn, *args):
        start = time.perf_counter_ns()
        fn(*args)
        return (time.perf_counter_ns() - start) / 1e6

    def handle(self, request):
        op = request.get("op")
        rid = request["id"]
        if op == "hello":
            start = time.perf_counter_ns()
            config = request.get("config") or {}
            offered = request.get("protocols")
            if not isinstance(offered, list):
                offered = [request.get("protocol", 1)]
            self.protocol = 2 if 2 in offered else 1
            self.worker.load(config)
            self.enable_auto_stats()
            if self.protocol >= 2:
                self.open_journal(config)
            versions = {"python": "%d.%d.%d" % sys.version_info[:3]}
            versions.update({str(k): str(v) for k, v in dict(self.worker.versions()).items()})
            reply = {
                "id": rid,
                "ok": True,
                "ms": (time.perf_counter_ns() - start) / 1e6,
                "protocol": self.protocol,
                "worker": str(self.worker.name),
                "versions": versions,
                "pid": os.getpid(),
                "stats": self.stats_on,
                "gpu": bool(self.worker.gpu),
            }
            if self.protocol >= 2:
                # time.monotonic_ns() is clock_gettime(CLOCK_MONOTONIC) on Linux: the clock
                # vramgate reads too, so it can check that batch times need no mapping.
                reply["clock"] = "CLOCK_MONOTONIC"
                reply["monotonicNs"] = time.monotonic_ns()
            return reply
        if op == "batch" and self.protocol >= 2:
            return self.batch(request, rid)
        if op == "activate":
            if self.active:
                raise _BadRequest("activate while already active (deactivate first)")
            ms = self.timed(self.worker.activate)
            self.active = True
        elif op == "infer":
            shape = request.get("shape")
            if not isinstance(shape, dict):
                raise _BadRequest('infer needs "shape": {input name: [dims]}')
            if not self.active:
                raise _BadRequest("infer while not active (activate first)")
            ms = self.timed(self.worker.infer, shape)
        elif op == "deactivate":
            if not self.active:
                raise _BadRequest("deactivate while not active")
            # Inactive from here even if the user's deactivate fails: what it held is undefined.
            self.active = False
            ms = self.timed(self.worker.deactivate)
        elif op == "stats":
            if not self.stats_on:
                raise _BadRequest("this worker reports no stats")
            start = time.perf_counter_ns()
            figures = self.stats()
            return {"id": rid, "ok": True, "ms": (time.perf_counter_ns() - start) / 1e6, "stats": figures}
        elif op == "traceAllocations":
            return self.trace_allocations(request, rid)
        elif op == "shutdown":
            raise _Shutdown({"id": rid, "ok": True, "ms": 0.0})
        else:
            raise _BadRequest("unknown op %r" % (op,))
        reply = {"id": rid, "ok": True, "ms": ms}
        # Figures are read after the timed call, so they never count in its time.
        figures = self.stats()
        if figures is not None:
            reply["stats"] = figures
        return reply

    def trace_allocations(self, request, rid):
        """Optional op: PyTorch allocation history on ("start") / snapshot and sites ("stop")."""
        action = request.get("action")
        start = time.perf_counter_ns()
        if action == "start":
            max_entries = request.get("maxEntries", 100000)
            if not isinstance(max_entries, int) or isinstance(max_entries, bool) or max_entries <= 0:
                raise _BadRequest('traceAllocations "maxEntries" must be a positive integer, got %r' % (max_entries,))
            self.trace.start(max_entries)
            return {"id": rid, "ok": True, "ms": (time.perf_counter_ns() - start) / 1e6}
        if action == "stop":
            path = request.get("snapshotPath")
            if path is not None and not isinstance(path, str):
                raise _BadRequest('traceAllocations "snapshotPath" must be a string, got %r' % (path,))
            sites = self.trace.stop(path, int(request.get("limit", 10)))
            return {"id": rid, "ok": True, "ms": (time.perf_counter_ns() - start) / 1e6, "allocationSites": sites}
        raise _BadRequest('traceAllocations needs "action": "start" or "stop", got %r' % (action,))

    def open_journal(self, config):
        path = config.get("journal")
        calls = config.get("journalCalls")
        if not isinstance(path, str) or not isinstance(calls, int) or calls <= 0:
            return
        try:
            with open(path, "r+b") as f:
                self.journal = mmap.mmap(f.fileno(), calls * _JOURNAL_RECORD.size)
            self.journal_calls = calls
        except (OSError, ValueError) as exc:
            sys.stderr.write("vramgate_worker: no progress journal (%s): a death mid-batch loses that batch's times\n" % exc)

    def batch(self, request, rid):
        """Protocol 2: runs request["calls"] back to back, timing each on CLOCK_MONOTONIC."""
        mode = request.get("mode")
        shapes = request.get("shapes")
        calls = request.get("calls")
        if mode not in ("active", "scoped"):
            raise _BadRequest('batch needs "mode": "active" or "scoped", got %r' % (mode,))
        if not isinstance(shapes, list) or not all(isinstance(s, dict) for s in shapes):
            raise _BadRequest('batch needs "shapes": a list of {input name: [dims]}')
        if not isinstance(calls, list) or not all(isinstance(i, int) and 0 <= i < len(shapes) for i in calls):
            raise _BadRequest('batch needs "calls": a list of indices into "shapes"')
        if mode == "active" and not self.active:
            raise _BadRequest("batch in active mode while not active (activate first)")
        if mode == "scoped" and self.active:
            raise _BadRequest("batch in scoped mode while active (deactivate first)")
        n = len(calls)
        starts = [0] * n
        ends = [0] * n
        per_call = {} if self.stats_on else None
        worker = self.worker
        prepare = getattr(worker, "prepare", None)
        infer = worker.infer
        clock = time.monotonic_ns
        journal = self.journal if n <= self.journal_calls else None
        pack = _JOURNAL_RECORD.pack_into
        scoped = mode == "scoped"
        k = 0
        t_begin = time.perf_counter_ns()
        try:
            if prepare is not None:
                prepare(shapes)  # serve_runner builds its feeds here, outside every call's time
            for k in range(n):
                shape = shapes[calls[k]]
                if scoped:
                    t0 = clock()
                    worker.activate()
                    self.active = True
                    infer(shape)
                    self.active = False
                    worker.deactivate()
                    t1 = clock()
                else:
                    t0 = clock()
                    infer(shape)
                    t1 = clock()
                starts[k] = t0
                ends[k] = t1
                if journal is not None:
                    pack(journal, k * 32, rid, k, t0, t1)
                if per_call is not None:
                    # Read after the call's clock stopped, so figures never count in its time.
                    for key, value in self.stats().items():
                        column = per_call.get(key)
                        if column is None:
                            column = per_call[key] = [0] * k
                        column.append(value)
                    for column in per_call.values():
                        if len(column) <= k:
                            column.append(column[-1] if column else 0)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            if scoped and self.active:
                self.active = False
                try:
                    worker.deactivate()
                except Exception:
                    pass
            reply = _failure(rid, exc)
            reply.update({"failedAt": k, "startNs": starts[:k], "endNs": ends[:k]})
            if per_call is not None:
                reply["callStats"] = {key: column[:k] for key, column in per_call.items()}
            return reply
        reply = {"id": rid, "ok": True, "ms": (time.perf_counter_ns() - t_begin) / 1e6, "startNs": starts, "endNs": ends}
        if per_call is not None:
            reply["callStats"] = per_call
            reply["stats"] = {key: column[-1] for key, column in per_call.items()} if n else self.stats()
        return reply


class _BadRequest(Exception):
    pass


class _Shutdown(Exception):
    def __init__(self, reply):
        Exception.__init__(self, "shutdown")
        self.reply = reply


def _failure(request_id, exc):
    """The reply to a request the user's code failed: its error in one line, `oom` when it ran out of memory."""
    return {
        "id": request_id,
        "ok": False,
        "error": "%s: %s" % (type(exc).__name__, exc),
        "kind": "oom" if is_out_of_memory(exc) else "error",
    }


def serve(worker=None, activate=None, infer=None, deactivate=None, stats=None, name="worker", versions=None, load=None, gpu=True):
    """Serves a Worker instance, or the given functions, until vramgate shuts the worker down.

    Exits the process when done (status 0), so code after serve() does not run.
    """
    if worker is None:
        worker = _FunctionWorker(activate, infer, deactivate, stats, name, versions, load, gpu)
    out = claim_stdout()
    _watch_parent()
    status = worker.serve(stdout=out)
    sys.stderr.flush()
    sys.exit(status)


if os.environ.get("VRAMGATE_PROTOCOL"):
    claim_stdout()
