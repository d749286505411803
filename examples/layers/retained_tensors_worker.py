"""Memory layers, case 1: growth in your tensors. The context keeps a copy of every call's
output in a list (about 3 MiB at 4x3x224x224), so torchAllocatedBytes grows, reserved follows
in 20 MiB segments, and nothing grows outside the allocator.

  persistent: allocated, reserved and the process total grow ~3 MiB per call
  scoped:     the list goes with the context every call (and the cache is emptied): flat
"""
import torch

from layers_common import TinyNet, layer_stats, versions
from vramgate_worker import Worker, serve


class RetainedTensorsWorker(Worker):
    name = "layers-retained-tensors"
    engine_stats = False  # figures come from stats() below, whatever the helper reports itself

    def __init__(self):
        self.net = None
        self.kept = None

    def versions(self):
        return versions()

    def load(self, config):
        self.net = TinyNet(config)

    def activate(self):
        self.kept = []

    def infer(self, shape):
        out = self.net.run(shape)
        self.kept.append(out.clone())  # THE LEAK: every call's output stays referenced by the context

    def deactivate(self):
        self.kept = None
        torch.cuda.empty_cache()

    def stats(self):
        return layer_stats(self.net.device)


if __name__ == "__main__":
    serve(RetainedTensorsWorker())
