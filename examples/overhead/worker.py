"""The overhead benchmark's Python worker (npm run bench:overhead): the helper serving a call
of VRAMGATE_OVERHEAD_ITERS iterations of work.work (about 1 ms), with a cheap stats figure
on every reply as a PyTorch worker's torch.cuda.memory_allocated() would be."""
import os

from vramgate_worker import serve
from work import work

ITERS = int(os.environ.get("VRAMGATE_OVERHEAD_ITERS", "20000"))


def infer(shape):
    work(ITERS)


serve(infer=infer, stats=lambda: {"heldBytes": 0}, name="overhead-python", gpu=False)
