"""A vramgate worker shaped like the Polygraphy TrtRunner usage in NVIDIA/TensorRT#3836.

NOT RUNNABLE WITHOUT TensorRT + Polygraphy + an NVIDIA GPU (none of the machines that
develop vramgate has TensorRT): it is for users who have them. It uses the public
Polygraphy API only (polygraphy.backend.trt: TrtRunner, engine_from_bytes,
engine_from_network, network_from_onnx_path, CreateConfig, Profile).

The three ways the reports drove the runner, and the vramgate strategy that replays each
(the harness decides when activate/deactivate are sent; this worker only forwards them):

  "activate only"   runner.activate() once, runner.infer() forever    -> persistent
  "atexit"          as above, runner.deactivate() when the app exits  -> teardown
  "with-block"      with TrtRunner(engine) as runner: runner.infer()  -> scoped (the baseline)

With Polygraphy 0.49.0-0.49.7 `persistent` grows on every call (each infer made a new output
allocator that the execution context kept alive); 0.49.10 and later stay flat. Compare:

    pip install "polygraphy==0.49.7" && vramgate bench examples/polygraphy/trt_runner.yaml
    pip install "polygraphy>=0.49.10" && vramgate bench examples/polygraphy/trt_runner.yaml

Model: the scenario's model file (an .onnx, built here with the scenario's profile and
precision), or a prebuilt plan named by VRAMGATE_TRT_ENGINE (built for that profile).
"""
import os

import numpy as np
import tensorrt as trt
import polygraphy
from polygraphy.backend.common import bytes_from_path
from polygraphy.backend.trt import (
    CreateConfig,
    Profile,
    TrtRunner,
    engine_from_bytes,
    engine_from_network,
    network_from_onnx_path,
)

from vramgate_worker import Worker, serve

NUMPY_DTYPES = {"float32": np.float32, "float16": np.float16, "int64": np.int64, "int32": np.int32}


def build_engine(config):
    """Deserialises VRAMGATE_TRT_ENGINE, or builds the scenario's ONNX model for its profile."""
    plan = os.environ.get("VRAMGATE_TRT_ENGINE")
    if plan:
        return engine_from_bytes(bytes_from_path(plan))
    onnx_path = config.get("modelPath")
    if not onnx_path or not os.path.exists(onnx_path):
        raise RuntimeError("no model: set model in the scenario (an .onnx file) or VRAMGATE_TRT_ENGINE (a plan); got %r" % (onnx_path,))
    profile = Profile()
    for name, p in config.get("profile", {}).items():
        profile.add(name, min=tuple(p["min"]), opt=tuple(p["opt"]), max=tuple(p["max"]))
    precision = config.get("precision", "fp32")
    flags = {"fp16": precision == "fp16"} if precision != "bf16" else {"bf16": True}  # bf16: newer Polygraphy only
    build_config = CreateConfig(profiles=[profile], **flags)
    return engine_from_network(network_from_onnx_path(onnx_path), config=build_config)


class TrtRunnerWorker(Worker):
    name = "polygraphy-trt-runner"

    def __init__(self):
        self.engine = None  # the ICudaEngine, built once: the runner is given the object, so it never owns it
        self.runner = None  # what a strategy keeps alive: the execution context and I/O buffers
        self.feeds = {}     # host input arrays per shape, made once (data creation is not what we measure)
        self.dtypes = {}

    def versions(self):
        return {"tensorrt": trt.__version__, "polygraphy": polygraphy.__version__}

    def load(self, config):
        self.engine = build_engine(config)
        self.dtypes = {name: NUMPY_DTYPES[p.get("dtype", "float32")] for name, p in config.get("profile", {}).items()}

    def activate(self):
        # TrtRunner(engine).activate() is what `with TrtRunner(engine) as runner:` does on entry.
        self.runner = TrtRunner(self.engine)
        self.runner.activate()

    def infer(self, shape):
        key = tuple((name, tuple(dims)) for name, dims in sorted(shape.items()))
        feed = self.feeds.get(key)
        if feed is None:
            rng = np.random.default_rng(0)
            feed = {
                name: rng.random(tuple(dims)).astype(self.dtypes.get(name, np.float32))
                for name, dims in shape.items()
            }
            self.feeds[key] = feed
        self.runner.infer(feed_dict=feed)

    def deactivate(self):
        # ... and what the with-block does on exit: the context and its buffers are freed.
        self.runner.deactivate()
        self.runner = None

    def stats(self):
        # Device memory a context of this engine needs (TensorRT >= 10 names it _v2).
        size = getattr(self.engine, "device_memory_size_v2", None)
        if size is None:
            size = self.engine.device_memory_size
        return {"trtContextMemoryBytes": int(size)}


if __name__ == "__main__":
    serve(TrtRunnerWorker())
