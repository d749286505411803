"""The Python OOM rule (python/vramgate_oom.py) against the cases shared with the
TypeScript and C++ rules: test/fixtures/oom-cases.json.

Run: python3 -m unittest discover -s python/tests
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
CASES = os.path.join(PYTHON_DIR, "..", "test", "fixtures", "oom-cases.json")
sys.path.insert(0, PYTHON_DIR)

from vramgate_oom import is_out_of_memory, is_out_of_memory_message  # noqa: E402


class OutOfMemoryError(RuntimeError):
    """Named like torch.OutOfMemoryError."""


class SharedCases(unittest.TestCase):
    def setUp(self):
        with open(CASES, encoding="utf-8") as f:
            self.cases = json.load(f)["cases"]

    def test_the_case_file_has_both_kinds(self):
        self.assertGreaterEqual(sum(1 for c in self.cases if c["oom"]), 10)
        self.assertGreaterEqual(sum(1 for c in self.cases if not c["oom"]), 5)

    def test_every_message_is_classified_as_the_case_file_says(self):
        for case in self.cases:
            with self.subTest(source=case["source"], message=case["message"]):
                self.assertIs(is_out_of_memory_message(case["message"]), case["oom"])
                # An exception carrying the message is classified the same way.
                self.assertIs(is_out_of_memory(RuntimeError(case["message"])), case["oom"])


class ExceptionTypes(unittest.TestCase):
    def test_types_that_mean_oom_whatever_their_message(self):
        self.assertTrue(is_out_of_memory(MemoryError()))
        self.assertTrue(is_out_of_memory(OutOfMemoryError("")))

    def test_an_ordinary_error_is_not_oom(self):
        self.assertFalse(is_out_of_memory(ValueError("shape mismatch")))


if __name__ == "__main__":
    unittest.main()
