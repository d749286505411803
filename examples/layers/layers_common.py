"""Shared by the three memory-layer workers: a small conv net on CUDA and the figures each
worker reports itself (so the evidence does not depend on the helper's automatic stats).

Every worker reports the layers vramgate splits the process total into:
    torchAllocatedBytes      bytes in live tensors (PyTorch's caching allocator)
    torchReservedBytes       bytes the caching allocator holds from the driver
    cudaMemGetInfoUsedBytes  total - free of the whole device (a second source)
vramgate derives outsideAllocatorBytes = NVML process bytes - torchReservedBytes per call.
"""
import torch

OUT_CHANNELS = 16


class TinyNet:
    """Loaded once per worker: its weights stay on the GPU under every strategy."""

    def __init__(self, config):
        if not torch.cuda.is_available():
            raise RuntimeError("examples/layers needs a CUDA GPU: torch.cuda.is_available() is False")
        self.device = torch.device("cuda", int(config.get("device", 0)))
        torch.cuda.set_device(self.device)
        torch.manual_seed(0)
        self.model = torch.nn.Sequential(
            torch.nn.Conv2d(3, OUT_CHANNELS, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(OUT_CHANNELS, OUT_CHANNELS, 3, padding=1),
        ).to(self.device).eval()

    def run(self, shape):
        """One inference on random input of the request's one NCHW input; returns the output."""
        if len(shape) != 1:
            raise ValueError("expected one input, got %d: %s" % (len(shape), ", ".join(shape)))
        dims = tuple(next(iter(shape.values())))
        with torch.no_grad():
            x = torch.rand(dims, device=self.device)
            y = self.model(x)
        torch.cuda.synchronize(self.device)
        return y


def layer_stats(device):
    free, total = torch.cuda.mem_get_info(device)
    return {
        "torchAllocatedBytes": int(torch.cuda.memory_allocated(device)),
        "torchReservedBytes": int(torch.cuda.memory_reserved(device)),
        "cudaMemGetInfoUsedBytes": int(total) - int(free),
    }


def versions():
    return {"torch": torch.__version__, "cuda": str(torch.version.cuda)}
