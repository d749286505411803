"""Shared by gpt_worker.py, gpt_leaky_worker.py and shape_probe.py: a small decoder-only
transformer (GPT-style) with random weights, and a greedy generate loop over a KV cache.

The model: token + position embeddings, 4 pre-norm blocks (d=256, 4 heads, causal
self-attention through F.scaled_dot_product_attention, GELU MLP), a final LayerNorm and a
vocabulary head (8000 tokens). fp16 on CUDA by default.

One generate call at input shape [batch, prompt]: random prompt ids of that shape, one
prefill pass over the prompt (causal attention), then greedy decode steps, one token each,
until `new_tokens` tokens exist. Keys and values of every layer go into a KV cache.

The KV cache lives in a Session: buffers for one (batch, prompt length), allocated once,
[layers, batch, heads, prompt + new_tokens, head_dim], written in place step by step.
Decode attention (GPT_DECODE_ATTENTION):
  static  (default) each step attends to the whole buffer with an additive mask that hides
          the positions not written yet (a "static cache"): one attention shape per call
          for the decode steps, one for the prefill.
  growing each step attends to the part written so far (k[:, :, :pos+1]): a new attention
          shape at every step, as a concatenating cache has.
Which SDPA kernel runs (cuDNN, flash, memory-efficient, math) is torch's choice unless
GPT_SDPA narrows it: default | no-cudnn | math.

Settings from the environment: GPT_NEW_TOKENS (default 16), GPT_CACHE_SIZE (sessions a
context keeps, default 8), GPT_DECODE_ATTENTION, GPT_SDPA.
"""
import collections
import os

import torch
import torch.nn.functional as F
from torch import nn

VOCAB = 8000
D_MODEL = 256
LAYERS = 4
HEADS = 4
HEAD_DIM = D_MODEL // HEADS
MAX_POSITIONS = 2048
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
SDPA_MODES = ("default", "no-cudnn", "math")
DECODE_MODES = ("static", "growing")


def env_int(name, default, minimum=1):
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError("%s must be an integer, got %r" % (name, raw))
    if value < minimum:
        raise RuntimeError("%s must be at least %d, got %d" % (name, minimum, value))
    return value


def env_choice(name, default, choices):
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise RuntimeError("%s must be one of %s, got %r" % (name, ", ".join(choices), value))
    return value


def set_sdpa(mode):
    """Narrows the SDPA backends torch may pick (process-wide flags)."""
    if mode not in SDPA_MODES:
        raise RuntimeError("SDPA mode must be one of %s, got %r" % (", ".join(SDPA_MODES), mode))
    if mode in ("no-cudnn", "math"):
        torch.backends.cuda.enable_cudnn_sdp(False)
    if mode == "math":
        torch.backends.cuda.enable_flash_sdp(False)
        torch.backends.cuda.enable_mem_efficient_sdp(False)
        torch.backends.cuda.enable_math_sdp(True)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL)
        self.proj = nn.Linear(D_MODEL, D_MODEL)
        self.ln2 = nn.LayerNorm(D_MODEL)
        self.fc1 = nn.Linear(D_MODEL, 4 * D_MODEL)
        self.fc2 = nn.Linear(4 * D_MODEL, D_MODEL)

    def forward(self, x, keys, values, start, mask):
        """x: [batch, t, d] at positions start..start+t-1; keys/values: this layer's cache."""
        batch, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(batch, t, 3, HEADS, HEAD_DIM).permute(2, 0, 3, 1, 4).unbind(0)
        end = start + t
        keys[:, :, start:end].copy_(k)
        values[:, :, start:end].copy_(v)
        if start == 0:  # prefill: the prompt attends to itself, causally
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        elif mask is None:  # growing: the filled part of the cache
            a = F.scaled_dot_product_attention(q, keys[:, :, :end], values[:, :, :end])
        else:  # static: the whole buffer, unwritten positions masked out
            a = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask)
        x = x + self.proj(a.transpose(1, 2).reshape(batch, t, D_MODEL))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TinyGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, D_MODEL)
        self.positions = nn.Embedding(MAX_POSITIONS, D_MODEL)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB, bias=False)
        nn.init.normal_(self.tokens.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)

    def forward(self, ids, session, start):
        """Logits of the last position, [batch, VOCAB]; fills the cache at start..start+t-1."""
        t = ids.size(1)
        x = self.tokens(ids) + self.positions(session.positions[start:start + t])
        mask = session.mask
        if mask is not None:
            mask[..., start:start + t] = 0.0  # these positions are written from here on
        for i, block in enumerate(self.blocks):
            x = block(x, session.keys[i], session.values[i], start, mask)
        return self.head(self.ln_f(x[:, -1]))


class Session:
    """Everything one generate call at (batch, prompt) needs, allocated once and reused."""

    def __init__(self, batch, prompt, new_tokens, device, dtype, static):
        total = prompt + new_tokens
        cache = (LAYERS, batch, HEADS, total, HEAD_DIM)
        # Zeros, not empty: masked positions still enter the kernels, and garbage there
        # could be NaN (0 * NaN is NaN).
        self.keys = torch.zeros(cache, device=device, dtype=dtype)
        self.values = torch.zeros(cache, device=device, dtype=dtype)
        self.tokens = torch.zeros((batch, total), device=device, dtype=torch.long)
        self.positions = torch.arange(total, device=device)
        self.mask = torch.zeros((1, 1, 1, total), device=device, dtype=dtype) if static else None

    def reset(self):
        if self.mask is not None:
            self.mask.fill_(float("-inf"))


class SessionCache:
    """Sessions keyed by shape, least recently used dropped first: at most `capacity` kept."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.entries = collections.OrderedDict()

    def get(self, key, make):
        session = self.entries.get(key)
        if session is not None:
            self.entries.move_to_end(key)
            return session
        while len(self.entries) >= self.capacity:
            self.entries.popitem(last=False)  # freed before the new one is allocated
        session = make()
        self.entries[key] = session
        return session


def token_range(config, input_name):
    """(lo, hi) token ids to draw, inclusive: hello's profile values if given, else the vocabulary."""
    entry = ((config.get("profile") or {}).get(input_name) or {})
    values = entry.get("values")
    if values is None:
        return 0, VOCAB - 1
    if values == "zeros":
        return 0, 0
    if values == "ones":
        return 1, 1
    if isinstance(values, dict) and "min" in values and "max" in values:
        lo, hi = values["min"], values["max"]
        if int(lo) != lo or int(hi) != hi or not 0 <= lo <= hi <= VOCAB - 1:
            raise RuntimeError("profile.inputs.%s.values must be integers within 0..%d (the vocabulary), got %r"
                               % (input_name, VOCAB - 1, values))
        return int(lo), int(hi)
    raise RuntimeError("profile.inputs.%s.values: expected { min, max }, ones or zeros, got %r" % (input_name, values))


class Generator:
    """Loaded once per worker (the "engine"): weights stay on the GPU under every strategy."""

    def __init__(self, config):
        if not torch.cuda.is_available():
            raise RuntimeError(
                "examples/gpt needs a CUDA GPU: torch.cuda.is_available() is False (torch %s, built for CUDA %s)"
                % (torch.__version__, torch.version.cuda)
            )
        precision = config.get("precision", "fp16")
        if precision not in DTYPES:
            raise RuntimeError("examples/gpt supports precisions %s, got %r" % (", ".join(DTYPES), precision))
        self.dtype = DTYPES[precision]
        self.device = torch.device("cuda", int(config.get("device", 0)))
        torch.cuda.set_device(self.device)
        self.new_tokens = env_int("GPT_NEW_TOKENS", 16)
        self.cache_size = env_int("GPT_CACHE_SIZE", 8)
        self.static = env_choice("GPT_DECODE_ATTENTION", "static", DECODE_MODES) == "static"
        self.sdpa = env_choice("GPT_SDPA", "default", SDPA_MODES)
        set_sdpa(self.sdpa)

        profile = config.get("profile") or {}
        if len(profile) > 1:
            raise RuntimeError("examples/gpt takes one input (token ids [batch, prompt]), the profile has %d: %s"
                               % (len(profile), ", ".join(profile)))
        self.input_name = next(iter(profile), "input_ids")
        self.lo, self.hi = token_range(config, self.input_name)
        longest = (profile.get(self.input_name) or {}).get("max")
        if longest and len(longest) == 2 and longest[1] + self.new_tokens > MAX_POSITIONS:
            raise RuntimeError("prompt length up to %d + GPT_NEW_TOKENS %d exceeds the model's %d positions"
                               % (longest[1], self.new_tokens, MAX_POSITIONS))

        torch.manual_seed(0)
        self.model = TinyGPT().to(self.device, self.dtype).eval()

    def dims(self, shape):
        """(batch, prompt) from an infer shape {name: [batch, prompt]}."""
        if len(shape) != 1:
            raise ValueError("expected one input, got %d: %s" % (len(shape), ", ".join(shape)))
        dims = next(iter(shape.values()))
        if len(dims) != 2 or not all(isinstance(d, int) and d >= 1 for d in dims):
            raise ValueError("expected token ids [batch, prompt length], got %s" % (dims,))
        if dims[1] + self.new_tokens > MAX_POSITIONS:
            raise ValueError("prompt length %d + %d new tokens exceeds %d positions" % (dims[1], self.new_tokens, MAX_POSITIONS))
        return dims[0], dims[1]

    def new_session(self, batch, prompt):
        return Session(batch, prompt, self.new_tokens, self.device, self.dtype, self.static)

    def generate(self, session, prompt):
        """Greedy generation into session.tokens; returns the generated ids [batch, new_tokens].

        Queues GPU work only (no host sync inside the loop); the caller synchronises.
        """
        with torch.inference_mode():
            tokens = session.tokens
            tokens[:, :prompt].random_(self.lo, self.hi + 1)  # random_(from, to): [from, to)
            session.reset()
            logits = self.model(tokens[:, :prompt], session, 0)
            for i in range(self.new_tokens):
                pos = prompt + i
                tokens[:, pos] = logits.argmax(dim=-1)
                if i + 1 == self.new_tokens:
                    break
                logits = self.model(tokens[:, pos:pos + 1], session, pos)
            return tokens[:, prompt:]

    def synchronize(self):
        torch.cuda.synchronize(self.device)

    def stats(self):
        return {
            "torchAllocatedBytes": torch.cuda.memory_allocated(self.device),
            "torchReservedBytes": torch.cuda.memory_reserved(self.device),
        }


def versions():
    return {"torch": torch.__version__, "cuda": str(torch.version.cuda)}
