"""Tests of vramgate_stats.py and the worker's automatic engine figures, with fake torch / cupy modules.

Run: python3 -m unittest discover -s python/tests
"""
import os
import sys
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from test_worker import HELLO_V2, Recorder, exchange  # noqa: E402
from vramgate_stats import EngineStats  # noqa: E402
from vramgate_worker import Worker  # noqa: E402


def fake_torch(initialised=True, allocated=100, reserved=400, free=7000, total=10000):
    torch = types.ModuleType("torch")
    state = {"allocated": allocated, "mem_info_calls": 0}

    def mem_get_info():
        state["mem_info_calls"] += 1
        return free, total

    torch.cuda = types.SimpleNamespace(
        is_initialized=lambda: initialised,
        current_device=lambda: 0,
        memory_allocated=lambda device=None: state["allocated"],
        memory_reserved=lambda device=None: reserved,
        mem_get_info=mem_get_info,
    )
    torch._C = types.SimpleNamespace()  # no private _cuda_memoryStats: the public API is used
    return torch, state


def fake_cupy(used=30, total=50, free=1000, device_total=4000):
    pool = types.SimpleNamespace(used_bytes=lambda: used, total_bytes=lambda: total)
    cupy = types.ModuleType("cupy")
    cupy.get_default_memory_pool = lambda: pool
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(memGetInfo=lambda: (free, device_total)))
    return cupy


class Modules:
    """Installs fake modules in sys.modules for a test, restoring what was there."""

    def __init__(self, **modules):
        self.modules = modules

    def __enter__(self):
        self.saved = {name: sys.modules.get(name) for name in ("torch", "cupy")}
        for name in ("torch", "cupy"):
            sys.modules.pop(name, None)
        sys.modules.update(self.modules)

    def __exit__(self, *exc):
        for name, module in self.saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module


class EngineStatsTest(unittest.TestCase):
    def test_torch_figures_and_device_used(self):
        torch, _ = fake_torch()
        with Modules(torch=torch):
            figures = EngineStats()()
        self.assertEqual(figures, {"torchAllocatedBytes": 100, "torchReservedBytes": 400, "cudaMemGetInfoUsedBytes": 3000})

    def test_nothing_before_cuda_is_initialised(self):
        torch, state = fake_torch(initialised=False)
        with Modules(torch=torch):
            self.assertEqual(EngineStats()(), {})
        self.assertEqual(state["mem_info_calls"], 0)  # reading never initialises CUDA

    def test_cupy_pool_and_its_runtime_mem_get_info(self):
        with Modules(cupy=fake_cupy()):
            figures = EngineStats()()
        self.assertEqual(figures, {"cupyUsedBytes": 30, "cupyTotalBytes": 50, "cudaMemGetInfoUsedBytes": 3000})

    def test_mem_get_info_is_read_at_most_once_per_interval(self):
        torch, state = fake_torch()
        now = [0]
        stats = EngineStats(mem_info_interval_ns=1000, clock=lambda: now[0])
        with Modules(torch=torch):
            for t in (0, 10, 999, 1000, 1500, 2100):
                now[0] = t
                self.assertEqual(stats()["cudaMemGetInfoUsedBytes"], 3000)
        self.assertEqual(state["mem_info_calls"], 3)  # at 0, 1000 and 2100

    def test_no_framework_loaded_means_not_available(self):
        with Modules():
            self.assertFalse(EngineStats.available())


class WorkerAutoStatsTest(unittest.TestCase):
    def test_a_worker_without_stats_reports_torch_figures_on_every_call(self):
        torch, state = fake_torch()
        w = Worker()
        w.infer = lambda shape: state.__setitem__("allocated", state["allocated"] + 10)
        with Modules(torch=torch):
            _, replies = exchange(
                w, HELLO_V2, {"id": 2, "op": "activate"}, {"id": 3, "op": "batch", "mode": "active", "shapes": [{"x": [1]}], "calls": [0, 0]}
            )
        self.assertIs(replies[0]["stats"], True)
        self.assertEqual(replies[2]["callStats"]["torchAllocatedBytes"], [110, 120])
        self.assertEqual(replies[2]["callStats"]["torchReservedBytes"], [400, 400])

    def test_the_users_figures_are_merged_over_and_win(self):
        torch, _ = fake_torch()
        w = Recorder()  # its stats(): {"heldBytes": ...}
        w.stats = lambda: {"heldBytes": 7, "torchReservedBytes": 1}
        with Modules(torch=torch):
            _, replies = exchange(w, {"id": 1, "op": "hello", "protocol": 1}, {"id": 2, "op": "stats"})
        self.assertEqual(replies[1]["stats"]["heldBytes"], 7)
        self.assertEqual(replies[1]["stats"]["torchReservedBytes"], 1)
        self.assertEqual(replies[1]["stats"]["torchAllocatedBytes"], 100)

    def test_cpu_only_workers_and_the_switch_get_no_automatic_figures(self):
        torch, _ = fake_torch()
        cpu = Worker()
        cpu.gpu = False
        off = Worker()
        off.engine_stats = False
        with Modules(torch=torch):
            _, (hello_cpu,) = exchange(cpu, {"id": 1, "op": "hello", "protocol": 1})
            _, (hello_off,) = exchange(off, {"id": 1, "op": "hello", "protocol": 1})
        self.assertIs(hello_cpu["stats"], False)
        self.assertIs(hello_off["stats"], False)


if __name__ == "__main__":
    unittest.main()
