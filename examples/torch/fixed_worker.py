"""The fixed counterpart of leaky_worker.py (what Polygraphy 0.49.10 does): the context allocates
one output buffer per distinct shape and reuses it, so a persistent context stays flat after
the first call of each shape, at persistent speed.

Needs a CUDA GPU and PyTorch. Run: vramgate bench examples/torch/fixed.yaml
"""
import torch

from convnet import WORKSPACE_BYTES, Net, only_input, versions
from vramgate_worker import Worker, serve


class FixedContext:
    def __init__(self, net):
        self.workspace = torch.empty(WORKSPACE_BYTES, dtype=torch.uint8, device=net.device)
        self.outputs = {}  # output shape -> the one buffer reused for it


class FixedWorker(Worker):
    name = "torch-fixed"

    def __init__(self):
        self.net = None
        self.context = None

    def versions(self):
        return versions()

    def load(self, config):
        self.net = Net(config)

    def activate(self):
        self.context = FixedContext(self.net)

    def infer(self, shape):
        dims = only_input(shape)
        out_shape = self.net.output_shape(dims)
        out = self.context.outputs.get(out_shape)
        if out is None:  # the fix: allocate once per shape, then reuse
            out = torch.empty(out_shape, device=self.net.device, dtype=self.net.dtype)
            self.context.outputs[out_shape] = out
        self.net.run_into(dims, out)

    def deactivate(self):
        self.context = None
        torch.cuda.empty_cache()

    def stats(self):
        return self.net.stats()


if __name__ == "__main__":
    serve(FixedWorker())
