"""Tests of vramgate_worker.py (standard library only).

Run: python3 -m unittest discover -s python/tests
"""
import io
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
sys.path.insert(0, PYTHON_DIR)

import vramgate_worker  # noqa: E402
from vramgate_worker import Worker, is_out_of_memory  # noqa: E402


class OutOfMemoryError(RuntimeError):
    """Named like torch.cuda.OutOfMemoryError."""


class Recorder(Worker):
    """Records the calls it gets; behaviour switched by attributes."""

    name = "recorder"

    def __init__(self):
        self.calls = []
        self.fail_infer = None
        self.held = 0

    def versions(self):
        return {"lib": "1.2.3"}

    def load(self, config):
        self.calls.append(("load", config))

    def activate(self):
        self.calls.append(("activate",))

    def infer(self, shape):
        self.calls.append(("infer", shape))
        if self.fail_infer is not None:
            raise self.fail_infer
        self.held += 100

    def deactivate(self):
        self.calls.append(("deactivate",))
        self.held = 0

    def stats(self):
        return {"heldBytes": self.held}


def exchange(worker, *requests):
    """Feeds request lines (dicts or raw strings) to the loop; returns (status, replies)."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in requests]
    stdin = io.BytesIO(("\n".join(lines) + "\n").encode())
    stdout = io.BytesIO()
    status = worker.serve(stdin=stdin, stdout=stdout)
    replies = [json.loads(l) for l in stdout.getvalue().decode().splitlines()]
    return status, replies


class HelloTest(unittest.TestCase):
    def test_hello_reports_protocol_name_versions_pid_and_stats_support(self):
        w = Recorder()
        status, (hello,) = exchange(w, {"id": 1, "op": "hello", "protocol": 1, "config": {"strategy": "scoped"}})
        self.assertEqual(status, 0)
        self.assertEqual(hello["id"], 1)
        self.assertIs(hello["ok"], True)
        self.assertEqual(hello["protocol"], 1)  # a vramgate that offers version 1 only gets 1
        self.assertNotIn("monotonicNs", hello)
        self.assertEqual(hello["worker"], "recorder")
        self.assertEqual(hello["versions"]["lib"], "1.2.3")
        self.assertRegex(hello["versions"]["python"], r"^3\.\d+\.\d+$")
        self.assertEqual(hello["pid"], os.getpid())
        self.assertIs(hello["stats"], True)
        self.assertIs(hello["gpu"], True)
        self.assertGreaterEqual(hello["ms"], 0)
        self.assertEqual(w.calls, [("load", {"strategy": "scoped"})])

    def test_hello_without_stats_function_on_cpu(self):
        w = Worker()
        w.gpu = False
        _, (hello,) = exchange(w, {"id": 1, "op": "hello", "protocol": 1})
        self.assertIs(hello["stats"], False)
        self.assertIs(hello["gpu"], False)


HELLO_V2 = {"id": 1, "op": "hello", "protocol": 1, "protocols": [1, 2]}


class BatchTest(unittest.TestCase):
    """Protocol 2: the batch op."""

    def test_hello_takes_version_2_when_offered_and_reports_the_monotonic_clock(self):
        import time

        before = time.monotonic_ns()
        _, (hello,) = exchange(Recorder(), HELLO_V2)
        self.assertEqual(hello["protocol"], vramgate_worker.PROTOCOL_VERSION)
        self.assertEqual(hello["protocol"], 2)
        self.assertEqual(hello["clock"], "CLOCK_MONOTONIC")
        self.assertTrue(before <= hello["monotonicNs"] <= time.monotonic_ns())

    def test_batch_of_mixed_shapes_in_the_active_context(self):
        w = Recorder()
        a, b = {"input": [1, 3]}, {"input": [4, 3]}
        _, replies = exchange(
            w, HELLO_V2, {"id": 2, "op": "activate"}, {"id": 3, "op": "batch", "mode": "active", "shapes": [a, b], "calls": [0, 1, 1, 0]}
        )
        batch = replies[2]
        self.assertIs(batch["ok"], True)
        self.assertEqual([c for c in w.calls if c[0] == "infer"], [("infer", a), ("infer", b), ("infer", b), ("infer", a)])
        self.assertEqual(len(batch["startNs"]), 4)
        for k in range(4):
            self.assertLessEqual(batch["startNs"][k], batch["endNs"][k])
            if k:
                self.assertLessEqual(batch["endNs"][k - 1], batch["startNs"][k])
        self.assertEqual(batch["callStats"], {"heldBytes": [100, 200, 300, 400]})
        self.assertEqual(batch["stats"], {"heldBytes": 400})

    def test_scoped_batch_activates_and_deactivates_around_every_call(self):
        w = Recorder()
        _, replies = exchange(w, HELLO_V2, {"id": 2, "op": "batch", "mode": "scoped", "shapes": [{"x": [1]}], "calls": [0, 0]})
        self.assertIs(replies[1]["ok"], True)
        self.assertEqual([c[0] for c in w.calls[1:]], ["activate", "infer", "deactivate"] * 2)
        self.assertEqual(replies[1]["callStats"], {"heldBytes": [0, 0]})

    def test_a_failure_mid_batch_keeps_the_calls_before_it(self):
        w = Recorder()

        def infer(shape, original=w.infer):
            if sum(1 for c in w.calls if c[0] == "infer") == 2:
                w.fail_infer = MemoryError("out of memory at the third call")
            original(shape)

        w.infer = infer
        _, replies = exchange(
            w, HELLO_V2, {"id": 2, "op": "activate"}, {"id": 3, "op": "batch", "mode": "active", "shapes": [{"x": [1]}], "calls": [0] * 5}
        )
        fail = replies[2]
        self.assertIs(fail["ok"], False)
        self.assertEqual(fail["kind"], "oom")
        self.assertEqual(fail["failedAt"], 2)
        self.assertEqual(len(fail["startNs"]), 2)
        self.assertEqual(fail["callStats"], {"heldBytes": [100, 200]})

    def test_batch_needs_version_2_and_the_right_mode(self):
        _, replies = exchange(
            Recorder(),
            {"id": 1, "op": "hello", "protocol": 1},
            {"id": 2, "op": "batch", "mode": "active", "shapes": [], "calls": []},
        )
        self.assertIn("unknown op 'batch'", replies[1]["error"])
        _, replies = exchange(Recorder(), HELLO_V2, {"id": 2, "op": "batch", "mode": "active", "shapes": [{"x": [1]}], "calls": [0]})
        self.assertIn("while not active", replies[1]["error"])

    def test_progress_journal_records_each_finished_call(self):
        import struct
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "calls.bin")
            with open(path, "wb") as f:
                f.write(b"\0" * 32 * 8)
            hello = dict(HELLO_V2, config={"journal": path, "journalCalls": 8})
            _, replies = exchange(
                Recorder(), hello, {"id": 2, "op": "activate"}, {"id": 3, "op": "batch", "mode": "active", "shapes": [{"x": [1]}], "calls": [0, 0, 0]}
            )
            with open(path, "rb") as f:
                data = f.read()
        records = [struct.unpack_from("<qqqq", data, k * 32) for k in range(4)]
        for k in range(3):
            self.assertEqual(records[k], (3, k, replies[2]["startNs"][k], replies[2]["endNs"][k]))
        self.assertEqual(records[3], (0, 0, 0, 0))


class CycleTest(unittest.TestCase):
    def test_persistent_and_scoped_cycles_with_inline_stats(self):
        w = Recorder()
        shape = {"input": [4, 3, 224, 224]}
        _, replies = exchange(
            w,
            {"id": 1, "op": "activate"},
            {"id": 2, "op": "infer", "shape": shape},
            {"id": 3, "op": "infer", "shape": shape},
            {"id": 4, "op": "stats"},
            {"id": 5, "op": "deactivate"},
            {"id": 6, "op": "activate"},
            {"id": 7, "op": "infer", "shape": shape},
            {"id": 8, "op": "deactivate"},
        )
        self.assertEqual([r["id"] for r in replies], list(range(1, 9)))
        self.assertTrue(all(r["ok"] for r in replies))
        self.assertTrue(all(isinstance(r["ms"], float) and r["ms"] >= 0 for r in replies))
        self.assertEqual([r["stats"]["heldBytes"] for r in replies], [0, 100, 200, 200, 0, 0, 100, 0])
        self.assertEqual(
            w.calls,
            [("activate",), ("infer", shape), ("infer", shape), ("deactivate",), ("activate",), ("infer", shape), ("deactivate",)],
        )

    def test_function_form(self):
        seen = []
        w = vramgate_worker._FunctionWorker(
            activate=lambda: seen.append("a"), infer=lambda s: seen.append(s["x"][0]), deactivate=lambda: seen.append("d"),
            stats=None, name="fn", versions={"v": 1}, load=None,
        )
        _, replies = exchange(w, {"id": 1, "op": "activate"}, {"id": 2, "op": "infer", "shape": {"x": [7]}}, {"id": 3, "op": "deactivate"})
        self.assertEqual(seen, ["a", 7, "d"])
        self.assertNotIn("stats", replies[1])

    def test_ms_measures_the_call(self):
        import time

        w = vramgate_worker._FunctionWorker(None, lambda s: time.sleep(0.05), None, None, "sleepy", None, None)
        _, replies = exchange(w, {"id": 1, "op": "activate"}, {"id": 2, "op": "infer", "shape": {}})
        self.assertGreaterEqual(replies[1]["ms"], 45)
        self.assertLess(replies[1]["ms"], 1000)


class ErrorTest(unittest.TestCase):
    def test_user_exception_is_an_error_reply_and_the_worker_goes_on(self):
        w = Recorder()
        w.fail_infer = ValueError("bad input tensor")
        _, replies = exchange(
            w, {"id": 1, "op": "activate"}, {"id": 2, "op": "infer", "shape": {"x": [1]}}, {"id": 3, "op": "deactivate"}
        )
        self.assertEqual(replies[1], {"id": 2, "ok": False, "error": "ValueError: bad input tensor", "kind": "error"})
        self.assertIs(replies[2]["ok"], True)

    def test_out_of_memory_is_kind_oom(self):
        for exc in (
            OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
            RuntimeError("CUDA error: out of memory"),
            MemoryError(),
        ):
            w = Recorder()
            w.fail_infer = exc
            _, replies = exchange(w, {"id": 1, "op": "activate"}, {"id": 2, "op": "infer", "shape": {}})
            self.assertEqual(replies[1]["kind"], "oom", repr(exc))
            self.assertIs(replies[1]["ok"], False)
        self.assertFalse(is_out_of_memory(RuntimeError("shape mismatch")))

    def test_bad_stats_figures_are_an_error_reply(self):
        w = vramgate_worker._FunctionWorker(None, None, None, lambda: {"x": float("nan")}, "nan", None, None)
        _, replies = exchange(w, {"id": 1, "op": "activate"}, {"id": 2, "op": "stats"})
        self.assertIs(replies[0]["ok"], False)
        self.assertIn("non-negative number of bytes", replies[0]["error"])
        self.assertIs(replies[1]["ok"], False)

    def test_lifecycle_guards(self):
        w = Recorder()
        _, replies = exchange(
            w,
            {"id": 1, "op": "infer", "shape": {}},
            {"id": 2, "op": "deactivate"},
            {"id": 3, "op": "activate"},
            {"id": 4, "op": "activate"},
            {"id": 5, "op": "infer"},
        )
        self.assertIn("infer while not active", replies[0]["error"])
        self.assertIn("deactivate while not active", replies[1]["error"])
        self.assertIs(replies[2]["ok"], True)
        self.assertIn("already active", replies[3]["error"])
        self.assertIn('needs "shape"', replies[4]["error"])
        self.assertEqual([c[0] for c in w.calls], ["activate"])

    def test_unknown_op_and_stats_without_function(self):
        _, replies = exchange(Worker(), {"id": 1, "op": "explode"}, {"id": 2, "op": "stats"})
        self.assertEqual(replies[0]["id"], 1)
        self.assertIn("unknown op 'explode'", replies[0]["error"])
        self.assertIn("reports no stats", replies[1]["error"])


class GarbageInputTest(unittest.TestCase):
    def test_garbage_lines_get_error_replies_with_null_id(self):
        w = Recorder()
        _, replies = exchange(w, "this is not json", "[1, 2]", '{"op": "activate"}', "", {"id": 4, "op": "activate"})
        self.assertEqual(len(replies), 4)  # the blank line is skipped
        for r in replies[:3]:
            self.assertIsNone(r["id"])
            self.assertIs(r["ok"], False)
            self.assertEqual(r["kind"], "error")
            self.assertTrue(r["error"].startswith("bad request:"))
        self.assertEqual(replies[3], {"id": 4, "ok": True, "ms": replies[3]["ms"], "stats": {"heldBytes": 0}})


class ShutdownTest(unittest.TestCase):
    def test_shutdown_replies_and_stops_reading(self):
        w = Recorder()
        status, replies = exchange(w, {"id": 1, "op": "shutdown"}, {"id": 2, "op": "activate"})
        self.assertEqual(status, 0)
        self.assertEqual(replies, [{"id": 1, "ok": True, "ms": 0.0}])
        self.assertEqual(w.calls, [])

    def test_end_of_input_ends_the_loop(self):
        status, replies = exchange(Recorder(), {"id": 1, "op": "activate"})
        self.assertEqual(status, 0)
        self.assertEqual(len(replies), 1)


WORKER_SCRIPT = r"""
import os, sys
from vramgate_worker import serve
print("loading model...")                # before serve(): VRAMGATE_PROTOCOL made import claim stdout
os.write(1, b"native printf to fd 1\n")  # what a C library's printf does
serve(activate=lambda: print("activating"), infer=lambda s: None, name="sub")
"""


class SubprocessTest(unittest.TestCase):
    def run_worker(self, requests):
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, VRAMGATE_PROTOCOL="1")
        lines = "".join(json.dumps(r) + "\n" for r in requests)
        return subprocess.run(
            [sys.executable, "-c", WORKER_SCRIPT], input=lines.encode(), capture_output=True, env=env, timeout=30
        )

    def test_prints_go_to_stderr_and_stdout_carries_only_replies(self):
        proc = self.run_worker(
            [{"id": 1, "op": "hello", "protocol": 1}, {"id": 2, "op": "activate"}, {"id": 3, "op": "shutdown"}]
        )
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        replies = [json.loads(l) for l in proc.stdout.decode().splitlines()]
        self.assertEqual([r["id"] for r in replies], [1, 2, 3])
        self.assertIsInstance(replies[0]["pid"], int)
        self.assertNotEqual(replies[0]["pid"], os.getpid())
        err = proc.stderr.decode()
        self.assertIn("loading model...", err)
        self.assertIn("native printf to fd 1", err)
        self.assertIn("activating", err)

    def test_exits_at_end_of_input(self):
        proc = self.run_worker([{"id": 1, "op": "hello", "protocol": 1}])
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(len(proc.stdout.decode().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
