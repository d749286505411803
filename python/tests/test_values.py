"""Tests of input_values / sample_values in vramgate_worker.py (standard library only).

Run: python3 -m unittest discover -s python/tests
"""
import io
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from vramgate_worker import Worker, input_values, sample_values  # noqa: E402


def config(**inputs):
    """A hello config whose profile has the given {name: (dtype, values)} inputs."""
    profile = {}
    for name, (dtype, values) in inputs.items():
        profile[name] = {"min": [1, 16], "opt": [2, 64], "max": [8, 128], "dtype": dtype, "values": values}
    return {"scenario": "s", "profile": profile}


class InputValuesTest(unittest.TestCase):
    def test_range_ones_zeros_and_none(self):
        c = config(ids=("int64", {"min": 0, "max": 50256}), mask=("int64", "ones"), pad=("int32", "zeros"), x=("float32", None))
        self.assertEqual(input_values(c, "ids"), {"min": 0, "max": 50256})
        self.assertEqual(input_values(c, "mask"), {"min": 1, "max": 1})
        self.assertEqual(input_values(c, "pad"), {"min": 0, "max": 0})
        self.assertIsNone(input_values(c, "x"))

    def test_values_key_absent_means_none(self):
        # Older harnesses send no "values" key at all.
        c = {"profile": {"x": {"min": [1], "opt": [1], "max": [1], "dtype": "float32"}}}
        self.assertIsNone(input_values(c, "x"))
        self.assertIsNone(sample_values(c, "x", 4))

    def test_unknown_input_names_the_inputs(self):
        with self.assertRaises(KeyError) as ctx:
            input_values(config(ids=("int64", "ones")), "input_ids")
        self.assertIn("'input_ids' is not in the scenario's profile (inputs: ids)", str(ctx.exception))

    def test_malformed_spec(self):
        for bad in ("twos", {"min": 3, "max": 1}, {"min": 0}, {"min": True, "max": 2}, [0, 1]):
            with self.assertRaises(ValueError, msg=repr(bad)):
                input_values(config(ids=("int64", bad)), "ids")


class SampleValuesTest(unittest.TestCase):
    def test_integers_cover_the_inclusive_range_uniformly(self):
        c = config(ids=("int64", {"min": 3, "max": 12}))
        values = sample_values(c, "ids", 20000)
        self.assertEqual(len(values), 20000)
        self.assertTrue(all(isinstance(v, int) for v in values))
        self.assertEqual(set(values), set(range(3, 13)))  # both ends included
        counts = [values.count(v) for v in range(3, 13)]
        # 2000 expected per value; 5 standard deviations (about 212) either way.
        self.assertTrue(all(1788 < n < 2212 for n in counts), counts)

    def test_ones_and_zeros(self):
        c = config(mask=("int64", "ones"), pad=("int32", "zeros"), scale=("float16", "ones"))
        self.assertEqual(sample_values(c, "mask", 5), [1] * 5)
        self.assertEqual(sample_values(c, "pad", 3), [0] * 3)
        self.assertEqual(sample_values(c, "scale", 2), [1.0, 1.0])

    def test_floats_within_range(self):
        values = sample_values(config(x=("float32", {"min": -0.5, "max": 2.0})), "x", 5000)
        self.assertTrue(all(isinstance(v, float) and -0.5 <= v <= 2.0 for v in values))
        self.assertLess(min(values), -0.4)
        self.assertGreater(max(values), 1.9)

    def test_deterministic_prefix_stable_and_seeded(self):
        c = config(ids=("int64", {"min": 0, "max": 1000}))
        self.assertEqual(sample_values(c, "ids", 100), sample_values(c, "ids", 100))
        self.assertEqual(sample_values(c, "ids", 300)[:100], sample_values(c, "ids", 100))
        self.assertNotEqual(sample_values(c, "ids", 100, seed=1), sample_values(c, "ids", 100, seed=2))

    def test_int64_range_wider_than_two_to_the_32(self):
        lo, hi = -(2**40), 2**40
        values = sample_values(config(ids=("int64", {"min": lo, "max": hi})), "ids", 2000)
        self.assertTrue(all(lo <= v <= hi for v in values))
        # Draws spread over the range, not stuck in a 32-bit corner of it.
        self.assertGreater(max(values) - min(values), 2**40)


class HelloCarriesValuesTest(unittest.TestCase):
    def test_load_gets_values_through_the_protocol(self):
        seen = {}

        class W(Worker):
            def load(self, cfg):
                seen["ids"] = sample_values(cfg, "ids", 4)
                seen["x"] = input_values(cfg, "x")

            def infer(self, shape):
                pass

        hello = {"id": 1, "op": "hello", "protocol": 1, "config": config(ids=("int64", {"min": 7, "max": 7}), x=("float32", None))}
        stdin = io.BytesIO((json.dumps(hello) + "\n" + json.dumps({"id": 2, "op": "shutdown"}) + "\n").encode())
        stdout = io.BytesIO()
        self.assertEqual(W().serve(stdin=stdin, stdout=stdout), 0)
        replies = [json.loads(line) for line in stdout.getvalue().splitlines()]
        self.assertTrue(replies[0]["ok"])
        self.assertEqual(seen, {"ids": [7, 7, 7, 7], "x": None})


if __name__ == "__main__":
    unittest.main()
