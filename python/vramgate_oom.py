"""The one rule for "does this error say memory ran out?" on the Python side.

Standard library only. The same markers live in src/engines/oom.ts and native/common/oom.h;
all three are tested against test/fixtures/oom-cases.json (python/tests/test_oom.py here).
"""

# Matched case-insensitively anywhere in the message; see src/engines/oom.ts for where each
# comes from (CUDA, cuDNN, cuBLAS, PyTorch, ONNX Runtime, TensorRT, std::bad_alloc).
OOM_MARKERS = (
    "out of memory",
    "outofmemory",
    "out_of_memory",
    "cudaerrormemoryallocation",
    "alloc_failed",
    "allocation_failed",
    "failed to allocate",
    "smaller than requested bytes",
    "could not be allocated",
    "bad_alloc",
)


def is_out_of_memory_message(message):
    """True when an error message reads as memory running out (device or host)."""
    text = str(message).lower()
    return any(marker in text for marker in OOM_MARKERS)


def is_out_of_memory(exc):
    """True for an out-of-memory exception: MemoryError, a class named like
    torch.OutOfMemoryError (or *OOM*), or a message the shared rule recognises."""
    if isinstance(exc, MemoryError):
        return True
    for cls in type(exc).__mro__:
        if "OutOfMemory" in cls.__name__ or "OOM" in cls.__name__:
            return True
    return is_out_of_memory_message(str(exc))
