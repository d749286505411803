"""Polygraphy's own OnnxrtRunner, served unchanged to vramgate through serve_runner.

This is the TensorRT#3836 user's situation with a runner that runs anywhere: their runner
code stays as it is, vramgate drives it. Needs Polygraphy (pure Python: PYTHONPATH to its
package) and onnxruntime (the CPU build is enough). Run: vramgate bench
examples/polygraphy/onnxrt_runner.yaml (the model is a generated ResNet-18, as
`vramgate model resnet18 --seed 1` writes it).

The three usages, and the strategy that replays each (serve_runner maps them):

  runner = OnnxrtRunner(SessionFromOnnx(path)); runner.activate(); runner.infer(...)  -> persistent
  ... and runner.deactivate() when the application exits                            -> teardown
  with OnnxrtRunner(SessionFromOnnx(path)) as runner: runner.infer(...)              -> scoped

Given the SessionFromOnnx loader, the runner owns the session it builds: scoped rebuilds the
session on every call, as a with-block around a loader does, and is the slow baseline.
"""
import onnxruntime
import polygraphy
from polygraphy.backend.onnxrt import OnnxrtRunner, SessionFromOnnx

from vramgate_runner import serve_runner


def make_runner(config):
    # CPU execution provider: the GPU machine's onnxruntime is the CPU build. vramgate then
    # judges host memory (gpu=False below); the runner code is the same with CUDA providers.
    return OnnxrtRunner(SessionFromOnnx(config["modelPath"], providers=["CPUExecutionProvider"]))


if __name__ == "__main__":
    serve_runner(
        make_runner,
        name="polygraphy-onnxrt-runner",
        versions={"polygraphy": polygraphy.__version__, "onnxruntime": onnxruntime.__version__},
        gpu=False,
    )
