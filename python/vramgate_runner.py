"""Serve any runner with Polygraphy's contract to vramgate's `process` engine, unchanged.

    from polygraphy.backend.onnxrt import OnnxrtRunner, SessionFromOnnx
    from vramgate_runner import serve_runner

    serve_runner(lambda config: OnnxrtRunner(SessionFromOnnx(config["modelPath"])))

The contract (Polygraphy's BaseRunner; TrtRunner, OnnxrtRunner and a user's own class alike):
`activate()`, `infer(feed_dict)` returning a dict of outputs, `deactivate()`, and optionally
`get_input_metadata()` giving {name: (dtype, shape)}. Each strategy maps onto it as the
worker contract does (docs/protocol.md): `activate` makes a runner with make_runner() and
activates it, `deactivate` deactivates and drops it, so

    persistent   one runner, activate() once, infer() forever       ("activate only")
    teardown     the same, deactivate() at the end                  ("atexit")
    scoped       make, activate, infer, deactivate on every call    (`with Runner(...) as r:`)

make_runner takes hello's config when it accepts an argument (modelPath, profile, precision).
Given a loader, a Polygraphy runner owns what the loader builds: a scoped run then rebuilds
it per call, as a with-block around a loader does. Feeds are numpy arrays of the requested
shapes, with the dtype the runner's metadata states (else the scenario's) and values per the
scenario's `values:` spec; they are built once per shape, outside the calls' times. A runner
that raises is reported with the call, the shape and the runner's own message; an
out-of-memory error stays one (kind "oom", python/vramgate_oom.py).
"""

import inspect

from vramgate_oom import is_out_of_memory
from vramgate_worker import Worker, input_values, serve

__all__ = ["RunnerWorker", "RunnerError", "RunnerOutOfMemoryError", "serve_runner", "feed_dict"]


class RunnerError(RuntimeError):
    """A runner call failed; the message names the call, the shape and the runner's error."""


class RunnerOutOfMemoryError(RunnerError):
    """A runner call ran out of memory (the worker answers kind "oom" for this class)."""


def _numpy():
    import numpy  # imported on first use: the helper's import stays standard library only

    return numpy


def numpy_dtype(dtype):
    """np.dtype from a numpy dtype, a name ("float16"), a torch dtype or a Polygraphy DataType."""
    np = _numpy()
    try:
        return np.dtype(dtype)
    except TypeError:
        pass
    to_numpy = getattr(dtype, "numpy", None)  # polygraphy.datatype.DataType
    if callable(to_numpy):
        try:
            return np.dtype(to_numpy())
        except Exception:
            pass
    name = str(getattr(dtype, "name", None) or dtype).lower()
    for prefix in ("torch.", "datatype."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    try:
        return np.dtype({"float": "float32", "half": "float16", "double": "float64", "long": "int64", "int": "int32"}.get(name, name))
    except TypeError:
        raise TypeError("no numpy dtype for the runner's input dtype %r" % (dtype,))


def feed_dict(shape, config, dtypes, seed=0):
    """{name: numpy array} for one call: `shape` {name: [dims]}, dtypes {name: np.dtype}.

    Values follow the scenario's spec (input_values): integers uniform in [min, max], floats
    uniform in [min, max); without a spec, floats uniform in [0, 1) and integers zero.
    """
    np = _numpy()
    rng = np.random.default_rng(seed)
    feeds = {}
    for name, dims in shape.items():
        dtype = dtypes.get(name) or np.dtype("float32")
        dims = tuple(int(d) for d in dims)
        try:
            spec = input_values(config, name)
        except KeyError:
            spec = None  # a runner input the scenario's profile does not list
        if dtype.kind == "b":
            value = bool(spec and spec["max"])
            feeds[name] = np.full(dims, value, dtype=dtype)
        elif dtype.kind in "iu":
            lo, hi = (int(spec["min"]), int(spec["max"])) if spec else (0, 0)
            feeds[name] = rng.integers(lo, hi + 1, size=dims, dtype=np.int64).astype(dtype)
        elif dtype.kind == "f":
            lo, hi = (float(spec["min"]), float(spec["max"])) if spec else (0.0, 1.0)
            feeds[name] = (lo + (hi - lo) * rng.random(dims)).astype(dtype) if lo != hi else np.full(dims, lo, dtype=dtype)
        else:
            raise TypeError("input %r: cannot build values of dtype %s" % (name, dtype))
    return feeds


def _shape_text(shape):
    return "{%s}" % ", ".join("%s: %s" % (name, "x".join(str(d) for d in dims)) for name, dims in shape.items())


def _takes_config(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    return any(p.kind in positional for p in params)


class RunnerWorker(Worker):
    """A Worker that drives a Polygraphy-style runner made by make_runner."""

    def __init__(self, make_runner, name=None, versions=None, stats=None, load=None, gpu=True):
        self.make_runner = make_runner
        self.name = name or getattr(make_runner, "__name__", "runner")
        self.gpu = gpu
        self._versions = dict(versions or {})
        self._load = load
        if stats is not None:
            self.stats = stats
        self.config = {}
        self.runner = None
        self.runner_name = None
        self.metadata_dtypes = None  # {name: np.dtype} from get_input_metadata(), read once
        self.feeds = {}
        self.calls = 0

    def versions(self):
        return self._versions

    def load(self, config):
        self.config = config or {}
        if self._load is not None:
            self._load(self.config)

    def _fail(self, what, exc, shape=None):
        where = "%s.%s()" % (self.runner_name or "runner", what)
        if shape is not None:
            where += " (call %d, shape %s)" % (self.calls, _shape_text(shape))
        cls = RunnerOutOfMemoryError if is_out_of_memory(exc) else RunnerError
        return cls("%s failed: %s: %s" % (where, type(exc).__name__, exc))

    def activate(self):
        try:
            runner = self.make_runner(self.config) if _takes_config(self.make_runner) else self.make_runner()
        except Exception as exc:
            raise self._fail("make_runner", exc)
        self.runner_name = type(runner).__name__
        try:
            runner.activate()
        except Exception as exc:
            raise self._fail("activate", exc)
        self.runner = runner
        if self.metadata_dtypes is None:
            self.metadata_dtypes = self._read_metadata(runner)
            self.feeds.clear()  # feeds a scoped batch prepared before this used the scenario's dtypes

    def _read_metadata(self, runner):
        np = _numpy()
        dtypes = {}
        for name, p in (self.config.get("profile") or {}).items():
            dtypes[name] = np.dtype(p.get("dtype") or "float32")
        get = getattr(runner, "get_input_metadata", None)
        if get is None:
            return dtypes
        try:
            meta = get()
        except Exception as exc:
            raise self._fail("get_input_metadata", exc)
        for name, entry in dict(meta).items():
            dtype = entry[0] if isinstance(entry, (tuple, list)) else getattr(entry, "dtype", None)
            if dtype is not None:
                dtypes[name] = numpy_dtype(dtype)  # the runner knows what it takes
        return dtypes

    def prepare(self, shapes):
        for shape in shapes:
            self._feed(shape)

    def _feed(self, shape):
        key = tuple((name, tuple(dims)) for name, dims in shape.items())
        feed = self.feeds.get(key)
        if feed is None:
            dtypes = self.metadata_dtypes
            if dtypes is None:  # scoped batches prepare before the first activate
                np = _numpy()
                dtypes = {n: np.dtype(p.get("dtype") or "float32") for n, p in (self.config.get("profile") or {}).items()}
            feed = self.feeds[key] = feed_dict(shape, self.config, dtypes)
        return feed

    def infer(self, shape):
        self.calls += 1
        feed = self._feed(shape)
        try:
            outputs = self.runner.infer(feed)
        except Exception as exc:
            raise self._fail("infer", exc, shape)
        if not isinstance(outputs, dict):
            raise RunnerError(
                "%s.infer() (call %d, shape %s) returned %s: expected a dict of outputs"
                % (self.runner_name, self.calls, _shape_text(shape), type(outputs).__name__)
            )

    def deactivate(self):
        runner, self.runner = self.runner, None
        if runner is None:
            return
        try:
            runner.deactivate()
        except Exception as exc:
            raise self._fail("deactivate", exc)


def serve_runner(make_runner, name=None, versions=None, stats=None, load=None, gpu=True):
    """Serves the runners make_runner builds until vramgate shuts the worker down (exits)."""
    serve(RunnerWorker(make_runner, name=name, versions=versions, stats=stats, load=load, gpu=gpu))
