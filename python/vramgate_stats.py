"""Engine memory figures read automatically when PyTorch (CUDA initialised) or CuPy is loaded.

Standard library only; torch and cupy are looked up in sys.modules, never imported here, so
a worker that does not use them pays nothing and a CPU-only worker never creates a CUDA
context. The names are the ones vramgate's memory layers read (docs/protocol.md):

    torchAllocatedBytes       torch.cuda.memory_allocated(): bytes in live tensors
    torchReservedBytes        torch.cuda.memory_reserved(): what the caching allocator holds
    cupyUsedBytes             cupy's default memory pool, bytes in use
    cupyTotalBytes            cupy's default memory pool, bytes held (used + cached)
    cudaMemGetInfoUsedBytes   total - free from cudaMemGetInfo (the whole device, all processes)

Per call (protocol 2 reads them after every batch call) the allocator figures cost a few
microseconds; cudaMemGetInfo is a driver call, so it is read at most once per
`mem_info_interval_ns` and the last value is repeated in between.
"""

import sys
import time

__all__ = ["EngineStats"]


class EngineStats:
    """Callable returning {signal: bytes} for whatever of torch / cupy is loaded and initialised."""

    def __init__(self, mem_info_interval_ns=1_000_000, clock=time.monotonic_ns):
        self.mem_info_interval_ns = mem_info_interval_ns
        self._clock = clock
        self._mem_info_at = None
        self._mem_info_used = None
        self._torch_device = None
        self._torch_fast = True  # torch._C._cuda_memoryStats: one C call, no flattening

    @staticmethod
    def available():
        """True when torch or cupy is imported: figures may appear (after CUDA initialises)."""
        return "torch" in sys.modules or "cupy" in sys.modules

    def __call__(self):
        out = {}
        torch_live = self._torch(out)
        cupy_live = self._cupy(out)
        if torch_live or cupy_live:
            self._mem_info(out, torch_live)
        return out

    def _torch(self, out):
        torch = sys.modules.get("torch")
        cuda = getattr(torch, "cuda", None) if torch is not None else None
        if cuda is None or not cuda.is_initialized():
            return False  # reading figures must not initialise CUDA itself
        if self._torch_device is None:
            self._torch_device = cuda.current_device()
        if self._torch_fast:
            try:
                stats = torch._C._cuda_memoryStats(self._torch_device)
                out["torchAllocatedBytes"] = int(stats["allocated_bytes"]["all"]["current"])
                out["torchReservedBytes"] = int(stats["reserved_bytes"]["all"]["current"])
                return True
            except Exception:
                self._torch_fast = False  # a torch without the private call: public API from now on
        out["torchAllocatedBytes"] = int(cuda.memory_allocated(self._torch_device))
        out["torchReservedBytes"] = int(cuda.memory_reserved(self._torch_device))
        return True

    def _cupy(self, out):
        cupy = sys.modules.get("cupy")
        if cupy is None or not hasattr(cupy, "get_default_memory_pool"):
            return False
        pool = cupy.get_default_memory_pool()
        total = int(pool.total_bytes())
        out["cupyUsedBytes"] = int(pool.used_bytes())
        out["cupyTotalBytes"] = total
        # A pool that never allocated may mean no CUDA context: cudaMemGetInfo would create one.
        return total > 0

    def _mem_info(self, out, via_torch):
        now = self._clock()
        if self._mem_info_at is None or now - self._mem_info_at >= self.mem_info_interval_ns:
            try:
                if via_torch:
                    free, total = sys.modules["torch"].cuda.mem_get_info()
                else:
                    free, total = sys.modules["cupy"].cuda.runtime.memGetInfo()
                self._mem_info_used = int(total) - int(free)
            except Exception:
                self._mem_info_used = None
            self._mem_info_at = now
        if self._mem_info_used is not None:
            out["cudaMemGetInfoUsedBytes"] = self._mem_info_used
