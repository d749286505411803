#!/usr/bin/env python3
"""Export a small transformer encoder over token ids as TorchScript, for the libtorch engine.

    python3 scripts/export-encoder.py models/encoder.pt [--seed 0] [--method auto|script|trace]

The model (random weights from torch.manual_seed; never commit the .pt it writes):

    input_ids int64 [batch, seq]  (seq <= 512)
      -> nn.Embedding(30522, 256) + learned positions nn.Embedding(512, 256)
      -> nn.TransformerEncoder: 4 x nn.TransformerEncoderLayer(d_model=256, nhead=4,
         dim_feedforward=1024, dropout=0, batch_first=True)
      -> mean over seq -> Linear(256, 256) + tanh -> Linear(256, 2)
    output float [batch, 2]

Batch and seq stay dynamic. nn.TransformerEncoder has a "fast path" with data-dependent
branches (grad mode, training, masks), and tracing records only the branch it happened to
take, with any Python int it read frozen into the graph. So the module is compiled with
torch.jit.script, which keeps the branches and reads the sizes at run time. `--method
trace` is there for comparison; `auto` (the default) scripts and falls back to tracing only
if scripting fails. Either way the saved file is loaded back and run at several (batch,
seq) shapes against the eager model; any mismatch or error fails the export (exit 1).

Attention backend: the SDPA backend (cuDNN, flash, memory-efficient or math) is not part of
the exported file. The libtorch engine runs under inference mode, where the encoder takes
its fast path and calls scaled-dot-product attention; which kernel runs is torch's choice
at run time (at::globalContext() SDP flags: all enabled by default). To compare backends,
see examples/gpt/shape_probe.py, which flips torch.backends.cuda.enable_*_sdp per run.

Needs torch only. On a machine with CUDA it also checks the module in fp16 on the GPU, as
the engine runs it (loaded to CUDA, cast with .half(), under inference mode).
"""

import argparse
import os
import sys

try:
    import torch
    from torch import nn
except ImportError:
    print("export-encoder: torch is not installed; this script needs PyTorch (pip install torch)", file=sys.stderr)
    sys.exit(3)

VOCAB = 30522
D_MODEL = 256
LAYERS = 4
HEADS = 4
FFN = 1024
MAX_SEQ = 512
LABELS = 2

# (batch, seq) shapes the saved module is checked at; two or more that differ in both dims.
CPU_CHECKS = [(2, 8), (5, 77), (1, 512)]
CUDA_CHECKS = [(3, 40), (16, 512), (1, 8)]


class TokenEncoder(nn.Module):
    """Defined at module level: TorchScript reads its source and resolves names in its globals."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, D_MODEL)
        self.positions = nn.Embedding(MAX_SEQ, D_MODEL)
        layer = nn.TransformerEncoderLayer(
            d_model=D_MODEL, nhead=HEADS, dim_feedforward=FFN, dropout=0.0, batch_first=True
        )
        # No padding mask is ever passed, so nested tensors would never be used; off also
        # silences the constructor's warning.
        self.encoder = nn.TransformerEncoder(layer, num_layers=LAYERS, enable_nested_tensor=False)
        self.pool = nn.Linear(D_MODEL, D_MODEL)
        self.head = nn.Linear(D_MODEL, LABELS)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        seq = input_ids.size(1)  # read at run time: script keeps it a graph value
        positions = torch.arange(seq, device=input_ids.device)
        x = self.tokens(input_ids) + self.positions(positions).unsqueeze(0)
        x = self.encoder(x)
        pooled = torch.tanh(self.pool(x.mean(dim=1)))
        return self.head(pooled)


def compile_module(model, method):
    """Returns (compiled module, method used). Raises when the requested method fails."""
    errors = []
    if method in ("auto", "script"):
        try:
            return torch.jit.script(model), "script"
        except Exception as exc:  # TorchScript front-end errors come in several types
            if method == "script":
                raise
            errors.append("torch.jit.script failed: %s: %s" % (type(exc).__name__, str(exc).splitlines()[0] if str(exc) else ""))
            print("export-encoder: %s; falling back to torch.jit.trace (checked below)" % errors[-1], file=sys.stderr)
    example = torch.randint(0, VOCAB, (4, 64), dtype=torch.long)
    with torch.no_grad():
        traced = torch.jit.trace(model, example, check_trace=False)
    return traced, "trace"


def random_ids(batch, seq, device, generator):
    return torch.randint(0, VOCAB, (batch, seq), dtype=torch.long, generator=generator).to(device)


def check(label, reference, candidate, shapes, device, tolerance):
    """Runs both at each shape; returns a list of failure lines (empty when all agree)."""
    failures = []
    generator = torch.Generator().manual_seed(1234)
    for batch, seq in shapes:
        ids = random_ids(batch, seq, device, generator)
        try:
            with torch.no_grad():
                want = reference(ids).float()
            with torch.inference_mode():  # what the libtorch engine does: fast path on
                got = candidate(ids).float()
        except Exception as exc:
            lines = [l.strip() for l in str(exc).splitlines() if l.strip()]
            # TorchScript's interpreter puts the real cause on the last line.
            failures.append("%s [%d, %d]: %s: %s" % (label, batch, seq, type(exc).__name__, lines[-1] if lines else ""))
            continue
        if tuple(got.shape) != (batch, LABELS):
            failures.append("%s [%d, %d]: output shape %s, expected [%d, %d]" % (label, batch, seq, list(got.shape), batch, LABELS))
            continue
        if not bool(torch.isfinite(got).all()):
            failures.append("%s [%d, %d]: output has NaN or inf" % (label, batch, seq))
            continue
        scale = max(1.0, float(want.abs().max()))
        diff = float((got - want).abs().max())
        status = "ok" if diff <= tolerance * scale else "MISMATCH"
        print("export-encoder: check %-10s [%2d, %3d]  max |saved - eager| = %.2e  (limit %.1e)  %s"
              % (label, batch, seq, diff, tolerance * scale, status), file=sys.stderr)
        if status != "ok":
            failures.append("%s [%d, %d]: saved module differs from eager by %.3g (limit %.3g)" % (label, batch, seq, diff, tolerance * scale))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output .pt path (its folder is created)")
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the random weights (default 0)")
    parser.add_argument("--method", default="auto", choices=["auto", "script", "trace"],
                        help="how to compile: script (keeps shapes dynamic), trace, or auto = script, else trace")
    parser.add_argument("--no-cuda-check", action="store_true", help="skip the fp16 check on the GPU even when one is present")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = TokenEncoder().eval()
    try:
        compiled, method = compile_module(model, args.method)
    except Exception as exc:
        print("export-encoder: could not compile the encoder with --method %s: %s: %s"
              % (args.method, type(exc).__name__, exc), file=sys.stderr)
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    compiled.save(tmp)

    # Check what was written, not what is in memory: load it back, run it at shapes it was
    # never traced at, compare with eager.
    failures = check("cpu fp32", model, torch.jit.load(tmp, map_location="cpu").eval(), CPU_CHECKS, "cpu", 1e-3)
    checked = list(CPU_CHECKS)
    cuda_note = "no CUDA check (no GPU)"
    if not args.no_cuda_check and torch.cuda.is_available():
        device = torch.device("cuda", 0)
        eager_cuda = TokenEncoder().eval()
        eager_cuda.load_state_dict(model.state_dict())
        eager_cuda = eager_cuda.to(device)
        saved_cuda = torch.jit.load(tmp, map_location=device).eval()
        saved_cuda.half()  # as the engine does: module.to(kHalf) after loading onto the device
        # fp16 against the fp32 eager model: a loose bound that still catches frozen shapes.
        failures += check("cuda fp16", eager_cuda, saved_cuda, CUDA_CHECKS, device, 5e-2)
        checked += CUDA_CHECKS
        cuda_note = "fp16 checked on %s" % torch.cuda.get_device_name(device)
    elif args.no_cuda_check:
        cuda_note = "CUDA check skipped"

    if failures:
        os.remove(tmp)
        print("export-encoder: the saved torch.jit.%s module does not reproduce the eager model at every checked "
              "(batch, seq) shape: its shapes are frozen or the export is broken. Nothing written:" % method, file=sys.stderr)
        for line in failures:
            print("  " + line, file=sys.stderr)
        if method == "trace":
            print("  tracing freezes sizes it reads as Python ints; use --method script", file=sys.stderr)
        return 1
    os.replace(tmp, args.out)
    params = sum(p.numel() for p in model.parameters())
    size_mib = os.path.getsize(args.out) / 2**20
    shapes = " ".join("[%d,%d]" % s for s in checked)
    print("export-encoder: wrote %s (torch.jit.%s, transformer encoder %d layers d=%d heads=%d ffn=%d vocab=%d, "
          "%.1fM params, seed %d, %.1f MiB, torch %s; dynamic batch and seq checked at %s; %s)"
          % (args.out, method, LAYERS, D_MODEL, HEADS, FFN, VOCAB, params / 1e6, args.seed, size_mib,
             torch.__version__, shapes, cuda_note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
