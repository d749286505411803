"""gpt_worker.py with a per-call leak of the Polygraphy 0.49.0-0.49.7 kind: every call gets a
fresh response buffer (GPT_LEAK_BYTES, default 256 KiB, sized for the longest reply) that
the generated ids are copied into, and the context keeps every one of them.

  persistent   grows by one response buffer per call (leak)
  teardown     grows the same way, returns it all at the end (leak)
  scoped       the context and its buffers go after every call (no leak)

The bounded session cache and everything else are gpt_worker.py's, so the growth from new
shapes is the same as there; the leak is on top of it.

Needs a CUDA GPU and PyTorch. Run: vramgate bench examples/gpt/gpt-leaky.yaml
"""
import torch

from gpt_model import env_int
from gpt_worker import GptContext, GptWorker
from vramgate_worker import serve


class LeakyContext(GptContext):
    def __init__(self, capacity):
        GptContext.__init__(self, capacity)
        self.responses = []


class GptLeakyWorker(GptWorker):
    name = "gpt-leaky"

    def load(self, config):
        GptWorker.load(self, config)
        # Whole int64 elements, so the buffer can be viewed as token ids.
        self.leak_bytes = (env_int("GPT_LEAK_BYTES", 262144, minimum=8) + 7) // 8 * 8

    def make_context(self):
        return LeakyContext(self.engine.cache_size)

    def respond(self, generated):
        # The bug: a new response buffer per call, owned by the context and never reused.
        with torch.inference_mode():
            buffer = torch.empty(self.leak_bytes, dtype=torch.uint8, device=self.engine.device)
            ids = buffer.view(torch.long)
            n = min(ids.numel(), generated.numel())
            ids[:n].copy_(generated.reshape(-1)[:n])
        self.context.responses.append(buffer)


if __name__ == "__main__":
    serve(GptLeakyWorker())
