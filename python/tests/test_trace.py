"""Tests of vramgate_trace.py's site grouping on a synthetic snapshot (no torch needed).

Run: python3 -m unittest discover -s python/tests
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from test_worker import Recorder, exchange  # noqa: E402
from vramgate_trace import top_sites, user_frame  # noqa: E402

LIB = "/usr/lib/python3/site-packages/torch/"
STDLIB = "/usr/lib/python3.11/"
USER = "/home/me/serve.py"


def frame(filename, line, name):
    return {"filename": filename, "line": line, "name": name}


def block(size, state, frames):
    return {"address": 0, "size": size + 512, "requested_size": size, "state": state, "frames": frames}


# Innermost frame first, as in torch.cuda.memory._snapshot().
LEAK = [frame(LIB + "nn/modules/linear.py", 125, "forward"), frame(USER, 42, "infer"), frame(STDLIB + "runpy.py", 88, "_run_code")]
CACHE = [frame(USER, 17, "activate")]
SNAPSHOT = {
    "segments": [
        {
            "address": 0,
            "total_size": 1 << 24,
            "blocks": [
                block(1000, "active_allocated", LEAK),
                block(1000, "active_allocated", LEAK),
                block(5000, "active_allocated", CACHE),
                block(9999, "active_allocated", []),  # allocated before recording began: no frames
                block(7777, "inactive", LEAK),  # freed: not alive
                block(3333, "active_pending_free", LEAK),
            ],
        },
        {"address": 1 << 30, "total_size": 1 << 21, "blocks": [block(500, "active_allocated", LEAK)]},
    ]
}


class SitesTest(unittest.TestCase):
    def test_groups_live_recorded_blocks_by_user_line_most_bytes_first(self):
        sites, totals = top_sites(SNAPSHOT, library_roots=[LIB, STDLIB])
        self.assertEqual(
            sites,
            [
                {"file": USER, "line": 17, "function": "activate", "bytes": 5000, "count": 1},
                {"file": USER, "line": 42, "function": "infer", "bytes": 2500, "count": 3},
            ],
        )
        self.assertEqual(totals, {"bytes": 7500, "count": 4})

    def test_limit_keeps_the_biggest_and_totals_count_all(self):
        sites, totals = top_sites(SNAPSHOT, limit=1, library_roots=[LIB, STDLIB])
        self.assertEqual([s["line"] for s in sites], [17])
        self.assertEqual(totals["count"], 4)

    def test_a_stack_with_no_user_frame_falls_back_to_its_innermost_frame(self):
        only_lib = [frame(LIB + "functional.py", 9, "pad"), frame("<frozen runpy>", 1, "x")]
        snap = {"segments": [{"blocks": [block(64, "active_allocated", only_lib)]}]}
        self.assertIsNone(user_frame(only_lib, [LIB]))
        sites, _ = top_sites(snap, library_roots=[LIB])
        self.assertEqual((sites[0]["file"], sites[0]["line"]), (LIB + "functional.py", 9))

    def test_the_helpers_own_frames_are_skipped(self):
        helper = os.path.join(os.path.dirname(HERE), "vramgate_worker.py")
        frames = [frame(helper, 300, "batch"), frame(USER, 5, "infer")]
        self.assertEqual(user_frame(frames, [])["line"], 5)

    def test_an_empty_snapshot_has_no_sites(self):
        self.assertEqual(top_sites({"segments": []}), ([], {"bytes": 0, "count": 0}))


class OpTest(unittest.TestCase):
    def test_trace_without_torch_is_an_error_reply_and_the_worker_keeps_serving(self):
        saved = sys.modules.pop("torch", None)
        try:
            _, replies = exchange(
                Recorder(),
                {"id": 1, "op": "hello", "protocol": 1},
                {"id": 2, "op": "traceAllocations", "action": "start"},
                {"id": 3, "op": "traceAllocations", "action": "sideways"},
                {"id": 4, "op": "activate"},
            )
        finally:
            if saved is not None:
                sys.modules["torch"] = saved
        self.assertIs(replies[1]["ok"], False)
        self.assertIn("allocation tracing needs PyTorch with CUDA", replies[1]["error"])
        self.assertIn('needs "action": "start" or "stop"', replies[2]["error"])
        self.assertIs(replies[3]["ok"], True)


if __name__ == "__main__":
    unittest.main()
