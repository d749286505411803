"""Allocation stacks for a leak: PyTorch's allocation history, grouped by the user's source line.

Standard library only (torch is taken from sys.modules when tracing starts). vramgate asks
for it in a short confirmation run of a strategy judged `leak` (or on --trace-allocations),
with the `traceAllocations` op (docs/protocol.md):

    start   torch.cuda.memory._record_memory_history(enabled="all", context="all",
            stacks="python", max_entries=...) from after warm-up on
    stop    torch.cuda.memory._snapshot(), pickled to the path vramgate gives (it opens in
            https://pytorch.org/memory_viz), then recording off; the reply carries the top
            allocation sites

A site is the first frame of a block's stack that is the user's code (frames of torch, of
the Python standard library, of installed packages and of vramgate's helper are skipped). Only blocks still
allocated (state "active_allocated") that carry frames count: blocks allocated before
recording started have none, so what is counted was allocated after warm-up and is alive.
"""

import os
import pickle
import sys
import sysconfig

__all__ = ["AllocationTrace", "top_sites", "user_frame"]

_HELPER_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_roots():
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):  # the standard library and installed packages
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(os.path.join(os.path.realpath(path), ""))
    torch = sys.modules.get("torch")
    if torch is not None and getattr(torch, "__file__", None):
        roots.add(os.path.join(os.path.dirname(os.path.realpath(torch.__file__)), ""))
    return tuple(roots)


def user_frame(frames, library_roots=None):
    """The first frame (innermost first, as in the snapshot) in the user's code, or None."""
    roots = _library_roots() if library_roots is None else tuple(library_roots)
    for frame in frames or ():
        filename = str(frame.get("filename", ""))
        if not filename or filename.startswith("<") or filename == "??":
            continue  # <frozen ...>, <string>, native frames
        if filename.startswith(roots):
            continue
        base = os.path.basename(filename)
        if base.startswith("vramgate_") and os.path.dirname(os.path.abspath(filename)) == _HELPER_DIR:
            continue
        return frame
    return None


def top_sites(snapshot, limit=10, library_roots=None):
    """Blocks still allocated with a recorded stack, grouped by user frame, most bytes first.

    Returns (sites, totals): sites is [{"file", "line", "function", "bytes", "count"}] (at most
    `limit`), totals is {"bytes", "count"} over every such block, sites beyond the limit included.
    A block whose stack has no user frame is grouped under its innermost frame.
    """
    groups = {}
    total_bytes = 0
    total_count = 0
    for segment in snapshot.get("segments", ()):
        for block in segment.get("blocks", ()):
            frames = block.get("frames") or []
            if block.get("state") != "active_allocated" or not frames:
                continue
            frame = user_frame(frames, library_roots) or frames[0]
            key = (str(frame.get("filename", "?")), int(frame.get("line", 0)), str(frame.get("name", "?")))
            size = int(block.get("requested_size") or block.get("size") or 0)
            entry = groups.setdefault(key, [0, 0])
            entry[0] += size
            entry[1] += 1
            total_bytes += size
            total_count += 1
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))
    sites = [
        {"file": key[0], "line": key[1], "function": key[2], "bytes": value[0], "count": value[1]}
        for key, value in ordered[:limit]
    ]
    return sites, {"bytes": total_bytes, "count": total_count}


class AllocationTrace:
    """PyTorch's allocation history, started and stopped on vramgate's request."""

    def __init__(self):
        self.recording = False

    @staticmethod
    def _memory():
        torch = sys.modules.get("torch")
        if torch is None or not torch.cuda.is_available():
            raise RuntimeError("allocation tracing needs PyTorch with CUDA in the worker (torch is not loaded or sees no GPU)")
        return torch.cuda.memory

    def start(self, max_entries=100000):
        memory = self._memory()
        memory._record_memory_history(enabled="all", context="all", stacks="python", max_entries=int(max_entries))
        self.recording = True

    def stop(self, snapshot_path, limit=10):
        """Saves the snapshot, stops recording, and returns the reply's allocationSites object."""
        if not self.recording:
            raise RuntimeError("traceAllocations stop without start")
        memory = self._memory()
        try:
            snapshot = memory._snapshot()
        finally:
            memory._record_memory_history(enabled=None)
            self.recording = False
        saved = None
        if snapshot_path:
            with open(snapshot_path, "wb") as f:
                pickle.dump(snapshot, f)
            saved = snapshot_path
        sites, totals = top_sites(snapshot, limit)
        return {"snapshotFile": saved, "sites": sites, "bytes": totals["bytes"], "count": totals["count"]}
