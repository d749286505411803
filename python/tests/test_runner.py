"""Tests of vramgate_runner.py with a fake runner that keeps Polygraphy's contract (no Polygraphy).

Run: python3 -m unittest discover -s python/tests
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

from test_worker import HELLO_V2, exchange  # noqa: E402
from vramgate_runner import RunnerWorker, feed_dict, numpy_dtype  # noqa: E402

CONFIG = {
    "modelPath": "/models/m.onnx",
    "profile": {
        "input_ids": {"min": [1, 4], "opt": [2, 8], "max": [4, 16], "dtype": "int64", "values": {"min": 5, "max": 9}},
        "mask": {"min": [1, 4], "opt": [2, 8], "max": [4, 16], "dtype": "int64", "values": "ones"},
        "x": {"min": [1, 3], "opt": [2, 3], "max": [4, 3], "dtype": "float32", "values": None},
    },
}


class FakeRunner:
    """Polygraphy's contract: activate / infer(feed_dict) -> dict / deactivate / get_input_metadata."""

    log = []

    def __init__(self, path, fail=None, metadata=None):
        self.path = path
        self.fail = fail
        self.metadata = metadata
        self.active = False

    def activate(self):
        assert not self.active, "activated twice"
        self.active = True
        FakeRunner.log.append(("activate", id(self)))

    def get_input_metadata(self):
        if not self.active:
            raise RuntimeError("Must be activated prior to calling get_input_metadata()")
        return self.metadata or {}

    def infer(self, feed_dict):
        if not self.active:
            raise RuntimeError("Must be activated prior to calling infer()")
        FakeRunner.log.append(("infer", {k: (v.dtype.name, v.shape) for k, v in feed_dict.items()}))
        if self.fail is not None:
            raise self.fail
        return {"out": sum(float(v.sum()) for v in feed_dict.values())}

    def deactivate(self):
        self.active = False
        FakeRunner.log.append(("deactivate", id(self)))


def hello(config=CONFIG):
    return dict(HELLO_V2, config=config)


class FeedTest(unittest.TestCase):
    def test_feeds_follow_shapes_dtypes_and_value_specs(self):
        dtypes = {n: np.dtype(p["dtype"]) for n, p in CONFIG["profile"].items()}
        feeds = feed_dict({"input_ids": [2, 8], "mask": [2, 8], "x": [2, 3]}, CONFIG, dtypes)
        self.assertEqual(feeds["input_ids"].shape, (2, 8))
        self.assertEqual(feeds["input_ids"].dtype, np.int64)
        self.assertTrue(((feeds["input_ids"] >= 5) & (feeds["input_ids"] <= 9)).all())
        self.assertTrue((feeds["mask"] == 1).all())
        self.assertEqual(feeds["x"].dtype, np.float32)
        self.assertTrue(((feeds["x"] >= 0) & (feeds["x"] < 1)).all())

    def test_feeds_are_deterministic(self):
        dtypes = {"x": np.dtype("float32")}
        a = feed_dict({"x": [4, 3]}, CONFIG, dtypes)["x"]
        b = feed_dict({"x": [4, 3]}, CONFIG, dtypes)["x"]
        self.assertTrue(np.array_equal(a, b))

    def test_numpy_dtype_accepts_names_numpy_and_torch_like_dtypes(self):
        class TorchLike:
            def __str__(self):
                return "torch.float16"

        self.assertEqual(numpy_dtype("int32"), np.dtype("int32"))
        self.assertEqual(numpy_dtype(np.float32), np.dtype("float32"))
        self.assertEqual(numpy_dtype(TorchLike()), np.dtype("float16"))


class ServeRunnerTest(unittest.TestCase):
    def setUp(self):
        FakeRunner.log = []

    def test_persistent_style_activates_one_runner_and_runs_the_batch_in_it(self):
        made = []
        w = RunnerWorker(lambda config: made.append(FakeRunner(config["modelPath"])) or made[-1], name="fake")
        shapes = [{"input_ids": [1, 4], "mask": [1, 4], "x": [1, 3]}, {"input_ids": [2, 8], "mask": [2, 8], "x": [2, 3]}]
        _, replies = exchange(
            w, hello(), {"id": 2, "op": "activate"}, {"id": 3, "op": "batch", "mode": "active", "shapes": shapes, "calls": [0, 1, 1]}
        )
        self.assertTrue(all(r["ok"] for r in replies), replies)
        self.assertEqual(len(made), 1)
        self.assertEqual(made[0].path, "/models/m.onnx")
        infers = [e[1] for e in FakeRunner.log if e[0] == "infer"]
        self.assertEqual([f["x"][1] for f in infers], [(1, 3), (2, 3), (2, 3)])
        self.assertEqual(infers[0]["input_ids"][0], "int64")
        self.assertNotIn("deactivate", [e[0] for e in FakeRunner.log])

    def test_scoped_makes_activates_and_deactivates_a_runner_per_call(self):
        made = []
        w = RunnerWorker(lambda: made.append(FakeRunner("p")) or made[-1])  # no config argument is fine too
        shape = {"input_ids": [1, 4], "mask": [1, 4], "x": [1, 3]}
        _, replies = exchange(w, hello(), {"id": 2, "op": "batch", "mode": "scoped", "shapes": [shape], "calls": [0, 0]})
        self.assertIs(replies[1]["ok"], True, replies[1])
        self.assertEqual([e[0] for e in FakeRunner.log], ["activate", "infer", "deactivate"] * 2)
        self.assertEqual(len(made), 2)  # a new runner each call, each left inactive
        self.assertFalse(any(r.active for r in made))

    def test_metadata_dtype_wins_over_the_scenarios(self):
        meta = {"x": (np.float16, [-1, 3])}
        w = RunnerWorker(lambda: FakeRunner("p", metadata=meta))
        shape = {"input_ids": [1, 4], "mask": [1, 4], "x": [1, 3]}
        _, replies = exchange(w, hello(), {"id": 2, "op": "batch", "mode": "scoped", "shapes": [shape], "calls": [0]})
        self.assertIs(replies[1]["ok"], True, replies[1])
        infer = [e[1] for e in FakeRunner.log if e[0] == "infer"][0]
        self.assertEqual(infer["x"][0], "float16")

    def test_a_failing_infer_names_the_call_shape_and_runner_message(self):
        w = RunnerWorker(lambda: FakeRunner("p", fail=ValueError("input x: expected rank 4")))
        shape = {"input_ids": [1, 4], "mask": [1, 4], "x": [1, 3]}
        _, replies = exchange(
            w, hello(), {"id": 2, "op": "activate"}, {"id": 3, "op": "batch", "mode": "active", "shapes": [shape], "calls": [0]}
        )
        reply = replies[2]
        self.assertIs(reply["ok"], False)
        self.assertEqual(reply["kind"], "error")
        self.assertEqual(reply["failedAt"], 0)
        self.assertIn("FakeRunner.infer() (call 1, shape {input_ids: 1x4, mask: 1x4, x: 1x3}) failed", reply["error"])
        self.assertIn("ValueError: input x: expected rank 4", reply["error"])

    def test_an_out_of_memory_runner_error_stays_oom(self):
        class OutOfMemoryError(RuntimeError):
            pass

        w = RunnerWorker(lambda: FakeRunner("p", fail=OutOfMemoryError("Tried to allocate 2.00 GiB")))
        shape = {"input_ids": [1, 4], "mask": [1, 4], "x": [1, 3]}
        _, replies = exchange(w, hello(), {"id": 2, "op": "activate"}, {"id": 3, "op": "infer", "shape": shape})
        self.assertEqual(replies[2]["kind"], "oom")
        self.assertIn("OutOfMemoryError: Tried to allocate 2.00 GiB", replies[2]["error"])

    def test_a_failing_activate_is_reported_as_the_runners(self):
        class Broken(FakeRunner):
            def activate(self):
                raise RuntimeError("no session")

        w = RunnerWorker(lambda: Broken("p"))
        _, replies = exchange(w, hello(), {"id": 2, "op": "activate"})
        self.assertIs(replies[1]["ok"], False)
        self.assertIn("Broken.activate() failed: RuntimeError: no session", replies[1]["error"])

    def test_a_runner_returning_no_dict_is_an_error(self):
        class NoDict(FakeRunner):
            def infer(self, feed_dict):
                return [1]

        w = RunnerWorker(lambda: NoDict("p"))
        shape = {"input_ids": [1, 4], "mask": [1, 4], "x": [1, 3]}
        _, replies = exchange(w, hello(), {"id": 2, "op": "activate"}, {"id": 3, "op": "infer", "shape": shape})
        self.assertIn("returned list: expected a dict of outputs", replies[2]["error"])


if __name__ == "__main__":
    unittest.main()
