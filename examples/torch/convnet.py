"""Shared by leaky_worker.py and fixed_worker.py: a small random-weight conv net on CUDA and the
per-strategy "context" (what a TensorRT execution context owns: scratch memory for its life).

The two workers differ only in what their context does with each call's output buffer.
"""
import torch

# Scratch memory a context owns for its whole life, like TensorRT's context device memory.
WORKSPACE_BYTES = 64 * 1024 * 1024
OUT_CHANNELS = 16
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


class Net:
    """Loaded once per worker (the "engine"): weights stay on the GPU under every strategy."""

    def __init__(self, config):
        if not torch.cuda.is_available():
            raise RuntimeError(
                "examples/torch needs a CUDA GPU: torch.cuda.is_available() is False (torch %s, built for CUDA %s). "
                "Try examples/cpu/worker.yaml on a machine without a GPU." % (torch.__version__, torch.version.cuda)
            )
        precision = config.get("precision", "fp32")
        if precision not in DTYPES:
            raise RuntimeError("examples/torch supports precisions %s, got %r" % (", ".join(DTYPES), precision))
        self.dtype = DTYPES[precision]
        self.device = torch.device("cuda", int(config.get("device", 0)))
        torch.cuda.set_device(self.device)
        torch.manual_seed(0)
        self.model = torch.nn.Sequential(
            torch.nn.Conv2d(3, OUT_CHANNELS, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(OUT_CHANNELS, OUT_CHANNELS, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(OUT_CHANNELS, OUT_CHANNELS, 3, padding=1),
        ).to(self.device, self.dtype).eval()

    def output_shape(self, input_shape):
        n, _, h, w = input_shape
        return (n, OUT_CHANNELS, (h + 1) // 2, (w + 1) // 2)

    def run_into(self, input_shape, out):
        """One inference on random input of input_shape, written into `out`; returns when done."""
        with torch.no_grad():  # not inference_mode: `out` is a normal tensor written in place
            x = torch.rand(tuple(input_shape), device=self.device, dtype=self.dtype)
            out.copy_(self.model(x))
        torch.cuda.synchronize(self.device)

    def stats(self):
        return {
            "torchAllocatedBytes": torch.cuda.memory_allocated(self.device),
            "torchReservedBytes": torch.cuda.memory_reserved(self.device),
        }


def versions():
    return {"torch": torch.__version__, "cuda": str(torch.version.cuda)}


def only_input(shape):
    """The one input's dims: these workers take a single NCHW input, whatever it is named."""
    if len(shape) != 1:
        raise ValueError("expected one input, got %d: %s" % (len(shape), ", ".join(shape)))
    dims = next(iter(shape.values()))
    if len(dims) != 4:
        raise ValueError("expected an NCHW shape, got %s" % (dims,))
    return dims
