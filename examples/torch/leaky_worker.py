"""A PyTorch worker with the shape of the Polygraphy 0.49.0-0.49.7 bug (NVIDIA/TensorRT#3836):
every inference allocates a new output buffer and the long-lived context keeps each one alive.

  persistent (activate once):          device memory grows by one output buffer per call
  scoped     (activate/deactivate/call): the context and its buffers go every call, flat
  teardown   (deactivate at the end):   grows, then returns everything at the end

Needs a CUDA GPU and PyTorch. Run: vramgate bench examples/torch/leaky.yaml
"""
import torch

from convnet import WORKSPACE_BYTES, Net, only_input, versions
from vramgate_worker import Worker, serve


class LeakyContext:
    def __init__(self, net):
        self.workspace = torch.empty(WORKSPACE_BYTES, dtype=torch.uint8, device=net.device)
        self.outputs = []


class LeakyWorker(Worker):
    name = "torch-leaky"

    def __init__(self):
        self.net = None
        self.context = None

    def versions(self):
        return versions()

    def load(self, config):
        self.net = Net(config)

    def activate(self):
        self.context = LeakyContext(self.net)

    def infer(self, shape):
        dims = only_input(shape)
        # The bug: a fresh output allocation per call, owned by the context, never reused.
        out = torch.empty(self.net.output_shape(dims), device=self.net.device, dtype=self.net.dtype)
        self.context.outputs.append(out)
        self.net.run_into(dims, out)

    def deactivate(self):
        self.context = None
        torch.cuda.empty_cache()  # hand the cached blocks back to the driver, as a context teardown does

    def stats(self):
        return self.net.stats()


if __name__ == "__main__":
    serve(LeakyWorker())
