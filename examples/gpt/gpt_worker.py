"""A GPT-style generate loop served to vramgate's `process` engine, done right: the context
keeps a bounded session cache.

Each infer({"input_ids": [batch, prompt]}) draws random prompt ids of that shape and runs a
greedy generate loop of GPT_NEW_TOKENS (default 16) tokens over a KV cache (gpt_model.py).
The context (what a strategy keeps alive) is a session cache keyed by (batch, prompt): the
KV buffers of one shape are allocated once and reused while the shape stays in the cache,
and the cache holds at most GPT_CACHE_SIZE (default 8) sessions, least recently used
dropped first. So memory is bounded by the 8 largest sessions (8 x 8.5 MiB at batch 8,
prompt 256, fp16) plus what libraries keep per new shape; nothing grows on shapes seen before.

  persistent   activate once: the cache fills, then stays bounded (no leak)
  teardown     the same, released at the end
  scoped       activate/deactivate per call: a fresh cache every call, emptied after

Needs a CUDA GPU and PyTorch. Run: vramgate bench examples/gpt/gpt.yaml
"""
import torch

from gpt_model import Generator, SessionCache, versions
from vramgate_worker import Worker, serve


class GptContext:
    def __init__(self, capacity):
        self.sessions = SessionCache(capacity)


class GptWorker(Worker):
    name = "gpt"

    def __init__(self):
        self.engine = None
        self.context = None

    def versions(self):
        return versions()

    def load(self, config):
        self.engine = Generator(config)

    def make_context(self):
        return GptContext(self.engine.cache_size)

    def activate(self):
        self.context = self.make_context()

    def infer(self, shape):
        batch, prompt = self.engine.dims(shape)
        session = self.context.sessions.get((batch, prompt), lambda: self.engine.new_session(batch, prompt))
        generated = self.engine.generate(session, prompt)
        self.respond(generated)
        self.engine.synchronize()

    def respond(self, generated):
        """Hands the reply on; here it stays in the session's buffer until the next call."""

    def deactivate(self):
        self.context = None
        torch.cuda.empty_cache()  # hand the cached blocks back to the driver, as a context teardown does

    def stats(self):
        return self.engine.stats()


if __name__ == "__main__":
    serve(GptWorker())
