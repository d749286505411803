"""Memory layers, case 3: growth in the allocator's cache (fragmentation), allocated flat.

Every call needs a scratch buffer a little larger than the last one (a session whose
context length keeps growing) and frees it before returning. PyTorch's caching allocator
rounds requests of 10 MiB and more up to 2 MiB and takes each from a segment of its own;
a freed segment stays cached (no empty_cache) but is smaller than every later request, and
separate segments never merge. So each call cudaMallocs a new segment: torchReservedBytes
and the process total grow while torchAllocatedBytes after the call stays flat.

  persistent: reserved grows 10 MiB + 2 MiB x calls per call (superlinear), allocated flat
  scoped:     the session restarts each call and the cache is emptied: flat

Sizes: after n calls the cache holds about 10 n + n^2 MiB (200 calls: about 42 GB);
keep warm-up + iterations + confirmation well under the GPU's memory.
"""
import torch

from layers_common import TinyNet, layer_stats, versions
from vramgate_worker import Worker, serve

MIB = 1024 * 1024
SCRATCH_FROM = 10 * MIB  # at and above this, the allocator gives a request its own 2 MiB-rounded segment
SCRATCH_GROWTH = 2 * MIB


class FragmentationWorker(Worker):
    name = "layers-fragmentation"
    engine_stats = False  # figures come from stats() below

    def __init__(self):
        self.net = None
        self.calls = 0

    def versions(self):
        return versions()

    def load(self, config):
        self.net = TinyNet(config)

    def activate(self):
        self.calls = 0  # a new session

    def infer(self, shape):
        self.net.run(shape)
        size = SCRATCH_FROM + SCRATCH_GROWTH * self.calls
        self.calls += 1
        scratch = torch.empty(size, dtype=torch.uint8, device=self.net.device)
        scratch.fill_(1)  # the call's work in its scratch; freed (to the cache) when the call returns
        torch.cuda.synchronize(self.net.device)
        del scratch

    def deactivate(self):
        torch.cuda.empty_cache()

    def stats(self):
        return layer_stats(self.net.device)


if __name__ == "__main__":
    serve(FragmentationWorker())
