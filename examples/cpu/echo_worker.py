"""A CPU-only vramgate worker: runs anywhere, no GPU, no packages beyond the standard library.

Each infer fills an output buffer sized from the shape it is given (float32), a stand-in for
real work. Set VRAMGATE_EXAMPLE_LEAK_BYTES to make every infer also keep that many bytes in
the context (the shape of the Polygraphy 0.49.0-0.49.7 output-allocator leak), so
`persistent` grows while `scoped` releases it on every call.

Without a GPU, vramgate judges this worker by its host RSS (the worker's pid is sampled).
"""
import os

from vramgate_worker import Worker

LEAK_BYTES = int(os.environ.get("VRAMGATE_EXAMPLE_LEAK_BYTES", "0"))
# Cap the "model's" work so huge shapes stay quick: a demo, not a benchmark of Python.
MAX_OUTPUT_BYTES = 4 * 1024 * 1024


class Context:
    """What a strategy keeps alive: with the leak switched on, one retained block per call."""

    def __init__(self):
        self.retained = []


class EchoWorker(Worker):
    name = "cpu-echo"
    gpu = False  # vramgate judges this worker by its host RSS

    def __init__(self):
        self.context = None

    def activate(self):
        self.context = Context()

    def infer(self, shape):
        elements = 1
        for dims in shape.values():
            for d in dims:
                elements *= d
        output = bytearray(min(elements * 4, MAX_OUTPUT_BYTES))
        output[::4096] = b"\x01" * len(output[::4096])  # touch the pages so RSS sees them
        if LEAK_BYTES > 0:
            block = bytearray(LEAK_BYTES)
            block[::4096] = b"\x01" * len(block[::4096])
            self.context.retained.append(block)

    def deactivate(self):
        self.context = None

    def stats(self):
        held = sum(len(b) for b in self.context.retained) if self.context else 0
        return {"retainedBytes": held}


if __name__ == "__main__":
    from vramgate_worker import serve

    serve(EchoWorker())
