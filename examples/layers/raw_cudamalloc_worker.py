"""Memory layers, case 2: growth outside the allocator. Besides a small PyTorch inference,
every call takes 2 MiB straight from the CUDA runtime (cudaMalloc through CuPy's runtime
bindings, or through ctypes on libcudart when CuPy is missing) and the context keeps the
pointer, as a library's private cache would. PyTorch's allocator never sees it.

  persistent: the process total and outsideAllocatorBytes grow 2 MiB per call; allocated
              and reserved stay flat
  scoped:     the context frees its raw blocks every call: flat
"""
import ctypes
import ctypes.util
import glob
import os

import torch

from layers_common import TinyNet, layer_stats, versions
from vramgate_worker import Worker, serve

RAW_BYTES_PER_CALL = 2 * 1024 * 1024


def _libcudart_candidates():
    torch_lib = os.path.join(os.path.dirname(torch.__file__), "lib")
    site = os.path.dirname(os.path.dirname(torch.__file__))
    found = [ctypes.util.find_library("cudart")]
    for pattern in (
        os.path.join(torch_lib, "libcudart.so*"),
        os.path.join(site, "nvidia", "*", "lib", "libcudart.so*"),
        os.path.join(site, "nvidia", "cuda_runtime", "lib", "libcudart.so*"),
        "/usr/local/cuda/lib64/libcudart.so*",
    ):
        found.extend(sorted(glob.glob(pattern)))
    return [p for p in found if p]


class RawCuda:
    """cudaMalloc / cudaFree without any caching allocator in between."""

    def __init__(self, device_index):
        try:
            import cupy

            cupy.cuda.Device(device_index).use()
            self.malloc = cupy.cuda.runtime.malloc
            self.free = cupy.cuda.runtime.free
            self.source = "cupy %s (cupy.cuda.runtime.malloc)" % cupy.__version__
            return
        except Exception as e:  # no CuPy: ctypes on the CUDA runtime library
            reason = "%s: %s" % (type(e).__name__, e)
        errors = [reason]
        for path in _libcudart_candidates():
            try:
                lib = ctypes.CDLL(path)
                lib.cudaMalloc.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
                lib.cudaMalloc.restype = ctypes.c_int
                lib.cudaFree.argtypes = [ctypes.c_void_p]
                lib.cudaFree.restype = ctypes.c_int
                lib.cudaSetDevice.argtypes = [ctypes.c_int]
                lib.cudaSetDevice(device_index)
                self._lib = lib
                self.malloc = self._ctypes_malloc
                self.free = self._ctypes_free
                self.source = "ctypes %s (cudaMalloc)" % path
                return
            except OSError as e:
                errors.append("%s: %s" % (path, e))
        raise RuntimeError("no way to call cudaMalloc: " + "; ".join(errors))

    def _ctypes_malloc(self, size):
        ptr = ctypes.c_void_p()
        rc = self._lib.cudaMalloc(ctypes.byref(ptr), size)
        if rc != 0:
            raise RuntimeError("cudaMalloc(%d) failed with cudaError %d (out of memory is 2)" % (size, rc))
        return ptr.value

    def _ctypes_free(self, ptr):
        rc = self._lib.cudaFree(ctypes.c_void_p(ptr))
        if rc != 0:
            raise RuntimeError("cudaFree failed with cudaError %d" % rc)


class RawCudaMallocWorker(Worker):
    name = "layers-raw-cudamalloc"
    engine_stats = False  # figures come from stats() below (and keeps CuPy's empty pool out of them)

    def __init__(self):
        self.net = None
        self.raw = None
        self.blocks = None

    def versions(self):
        v = versions()
        v["rawAllocator"] = self.raw.source if self.raw else "not loaded"
        return v

    def load(self, config):
        self.net = TinyNet(config)
        self.raw = RawCuda(self.net.device.index)
        print("raw allocations through", self.raw.source)  # goes to stderr (the helper claims stdout)

    def activate(self):
        self.blocks = []

    def infer(self, shape):
        self.net.run(shape)
        self.blocks.append(self.raw.malloc(RAW_BYTES_PER_CALL))  # THE LEAK: raw device memory kept by the context

    def deactivate(self):
        for ptr in self.blocks or []:
            self.raw.free(ptr)
        self.blocks = None
        torch.cuda.empty_cache()

    def stats(self):
        return layer_stats(self.net.device)


if __name__ == "__main__":
    serve(RawCudaMallocWorker())
