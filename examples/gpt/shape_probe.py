#!/usr/bin/env python3
"""Cross-check of vramgate's dynamic-shape figures, measured directly with torch and NVML:
what a first-seen input shape costs in memory and time, against a shape seen before, under
different SDPA backends.

    python3 examples/gpt/shape_probe.py encoder --model models/encoder.pt [--new-shapes 20]
    python3 examples/gpt/shape_probe.py gpt [--new-shapes 20]
    options: --modes default,no-cudnn,math  --repeats 100  --seed 0  --out FILE.json

Targets:
  encoder  the TorchScript encoder of scripts/export-encoder.py, run as vramgate's libtorch
           engine runs it: loaded onto the GPU, cast to fp16, under inference mode.
           Shapes: batch 1-16 x seq 8-512 (scenarios/encoder-torch.yaml).
  gpt      one greedy generate call of examples/gpt (gpt_model.py), fp16, with an 8-entry
           session cache as gpt_worker.py keeps. Shapes: batch 1-8 x prompt 8-256.

Each SDPA mode runs in a fresh Python process (the flags and the libraries' plan caches are
per process):
  default   torch's own choice (cuDNN attention where torch prefers it)
  no-cudnn  torch.backends.cuda.enable_cudnn_sdp(False)
  math      flash, memory-efficient and cuDNN off: the unfused math path only

In each: 3 warm-up calls at the profile's opt shape, then N first-seen shapes (each called
twice: the first call, then an immediate repeat), then R calls at shapes already seen.
Memory is read around every call, after torch.cuda.synchronize():
  NVML      this process's device memory (pynvml, from nvidia-ml-py), what nvidia-smi and
            vramgate's primary signal show; device-wide used memory when the process is not
            listed (a container's pid namespace)
  reserved  torch.cuda.memory_reserved(): PyTorch's caching allocator
  outside   NVML - reserved: CUDA context, library workspaces, plan caches, loaded kernels
The table: median latency of first calls and of repeats, memory growth per first-seen
shape, and growth over the R repeat calls (a leak grows there; shape growth does not).
NVML counts in 2 MiB pages, so growth per shape is the total over N shapes divided by N.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ("default", "no-cudnn", "math")
TARGETS = {
    # name: (batch range, length range, opt shape)
    "encoder": ((1, 16), (8, 512), (8, 128)),
    "gpt": ((1, 8), (8, 256), (4, 64)),
}
KIB = 1024.0


def draw_shapes(target, count, seed, exclude):
    (bmin, bmax), (smin, smax), _ = TARGETS[target]
    allowed = (bmax - bmin + 1) * (smax - smin + 1) - len(exclude)
    if count > allowed:
        raise SystemExit("shape_probe: %d new shapes asked, the %s profile allows %d" % (count, target, allowed))
    rng = random.Random(seed)
    shapes, seen = [], set(exclude)
    while len(shapes) < count:
        shape = (rng.randint(bmin, bmax), rng.randint(smin, smax))
        if shape not in seen:
            seen.add(shape)
            shapes.append(shape)
    return shapes


# ---------------------------------------------------------------- child: one SDPA mode


class Nvml:
    """This process's device memory from NVML, or device-wide used memory as a fallback."""

    def __init__(self, index):
        self.source = "unavailable"
        self.error = None
        try:
            import pynvml

            pynvml.nvmlInit()
            self.nvml = pynvml
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            self.source = "process" if self.process_bytes() is not None else "device"
        except Exception as exc:  # no nvidia-ml-py, no driver: report, keep going
            self.nvml = None
            self.error = "%s: %s" % (type(exc).__name__, exc)

    def process_bytes(self):
        pid = os.getpid()
        for proc in self.nvml.nvmlDeviceGetComputeRunningProcesses(self.handle):
            if proc.pid == pid and proc.usedGpuMemory is not None:
                return int(proc.usedGpuMemory)
        return None

    def read(self):
        if self.nvml is None:
            return None
        if self.source == "process":
            value = self.process_bytes()
            if value is not None:
                return value
        return int(self.nvml.nvmlDeviceGetMemoryInfo(self.handle).used)


def load_target(torch, args, device):
    """Returns run(shape) -> None: one inference at (batch, length), queued on the GPU."""
    if args.target == "encoder":
        if not args.model or not os.path.isfile(args.model):
            raise SystemExit("shape_probe: encoder needs --model PATH to an existing TorchScript file, got %r "
                             "(python3 scripts/export-encoder.py models/encoder.pt)" % args.model)
        module = torch.jit.load(args.model, map_location=device).eval()
        module.half()
        inputs = {}

        def run(shape):
            ids = inputs.get(shape)
            if ids is None:  # made outside the timed call where possible (see prepare)
                ids = inputs[shape] = torch.randint(0, 30522, shape, device=device)
            with torch.inference_mode():
                module(ids)

        def prepare(shape):
            inputs[shape] = torch.randint(0, 30522, shape, device=device)

        return run, prepare

    sys.path.insert(0, HERE)
    os.environ["GPT_SDPA"] = args.mode
    from gpt_model import Generator, SessionCache

    generator = Generator({"precision": "fp16", "device": device.index,
                           "profile": {"input_ids": {"max": [8, 256], "values": {"min": 0, "max": 7999}}}})
    cache = SessionCache(generator.cache_size)

    def run(shape):
        session = cache.get(shape, lambda: generator.new_session(shape[0], shape[1]))
        generator.generate(session, shape[1])

    return run, lambda shape: None


def child(args):
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("shape_probe: needs a CUDA GPU (torch.cuda.is_available() is False)")
    device = torch.device("cuda", 0)
    torch.cuda.set_device(device)
    sys.path.insert(0, HERE)
    from gpt_model import set_sdpa

    set_sdpa(args.mode)
    nvml = Nvml(device.index)
    run, prepare = load_target(torch, args, device)

    def snapshot():
        torch.cuda.synchronize(device)
        free, total = torch.cuda.mem_get_info(device)
        return {"nvml": nvml.read(), "reserved": torch.cuda.memory_reserved(device),
                "allocated": torch.cuda.memory_allocated(device), "deviceUsed": total - free}

    def timed(shape):
        torch.cuda.synchronize(device)
        start = time.perf_counter()
        run(shape)
        torch.cuda.synchronize(device)
        return (time.perf_counter() - start) * 1e3

    opt = TARGETS[args.target][2]
    for _ in range(3):
        timed(opt)
    shapes = draw_shapes(args.target, args.new_shapes, args.seed, {opt})
    for shape in shapes:
        prepare(shape)

    records = []
    phase_start = snapshot()
    for shape in shapes:
        before = snapshot()
        first_ms = timed(shape)
        after_first = snapshot()
        repeat_ms = timed(shape)
        after_repeat = snapshot()
        records.append({"shape": list(shape), "firstMs": first_ms, "repeatMs": repeat_ms,
                        "before": before, "afterFirst": after_first, "afterRepeat": after_repeat})
    phase_end = snapshot()

    rng = random.Random(args.seed + 1)
    replay_ms = []
    replay_start = snapshot()
    for _ in range(args.repeats):
        replay_ms.append(timed(rng.choice(shapes)))
    replay_end = snapshot()

    kernels = attention_kernels(torch, run, shapes[0], device)
    print(json.dumps({
        "target": args.target, "mode": args.mode, "newShapes": len(shapes), "repeats": args.repeats,
        "torch": torch.__version__, "cuda": str(torch.version.cuda),
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "gpu": torch.cuda.get_device_name(device), "nvmlSource": nvml.source, "nvmlError": nvml.error,
        "records": records, "newPhase": [phase_start, phase_end], "replayPhase": [replay_start, replay_end],
        "replayMs": replay_ms, "attentionKernels": kernels,
    }))


def attention_kernels(torch, run, shape, device):
    """Names of the attention kernels one call at a seen shape launches (profiler), or why not."""
    try:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            run(shape)
            torch.cuda.synchronize(device)
        names = set()
        for event in prof.key_averages():
            lowered = event.key.lower()
            if any(word in lowered for word in ("attention", "attn", "fmha", "flash", "sdpa", "cudnn", "softmax")):
                names.add(event.key[:70])
        return sorted(names)[:4]
    except Exception as exc:
        return ["(profiler failed: %s)" % type(exc).__name__]


# ---------------------------------------------------------------- parent: all modes, table


def delta(phase, key):
    a, b = phase[0].get(key), phase[1].get(key)
    return None if a is None or b is None else b - a


def summarize(result):
    records = result["records"]
    n = max(1, len(records))
    first = [r["firstMs"] for r in records]
    repeat = [r["repeatMs"] for r in records]
    ratios = [f / r for f, r in zip(first, repeat) if r > 0]
    out = {
        "firstMsP50": statistics.median(first) if first else None,
        "repeatMsP50": statistics.median(repeat) if repeat else None,
        "firstOverRepeatP50": statistics.median(ratios) if ratios else None,
        "replayMsP50": statistics.median(result["replayMs"]) if result["replayMs"] else None,
    }
    for key in ("nvml", "reserved", "allocated", "deviceUsed"):
        grown = delta(result["newPhase"], key)
        out[key + "PerNewShapeBytes"] = None if grown is None else grown / n
        out[key + "OverRepeatsBytes"] = delta(result["replayPhase"], key)
        # Growth at the repeat right after each first call: lands one call late?
        late = [r["afterRepeat"][key] - r["afterFirst"][key] for r in records
                if r["afterRepeat"].get(key) is not None and r["afterFirst"].get(key) is not None]
        out[key + "AtImmediateRepeatBytes"] = sum(late) if late else None
    if out["nvmlPerNewShapeBytes"] is not None:
        out["outsidePerNewShapeBytes"] = out["nvmlPerNewShapeBytes"] - out["reservedPerNewShapeBytes"]
    return out


def fmt_kib(value):
    return "-" if value is None else "%.0f KiB" % (value / KIB)


def fmt_ms(value):
    return "-" if value is None else "%.2f" % value


def table(rows):
    head = ("target", "mode", "first ms", "repeat ms", "first/rep", "replay ms", "NVML/new shape",
            "reserved/new", "outside/new", "NVML over repeats", "reserved over rep")
    lines = [head]
    for r in rows:
        s = r["summary"]
        ratio = s["firstOverRepeatP50"]
        lines.append((r["target"], r["mode"], fmt_ms(s["firstMsP50"]), fmt_ms(s["repeatMsP50"]),
                      "-" if ratio is None else "%.1fx" % ratio, fmt_ms(s["replayMsP50"]),
                      fmt_kib(s["nvmlPerNewShapeBytes"]), fmt_kib(s["reservedPerNewShapeBytes"]),
                      fmt_kib(s.get("outsidePerNewShapeBytes")), fmt_kib(s["nvmlOverRepeatsBytes"]),
                      fmt_kib(s["reservedOverRepeatsBytes"])))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths)))
                     for line in lines)


def parent(args):
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise SystemExit("shape_probe: --modes takes a comma-separated list of %s, got %r" % (", ".join(MODES), args.modes))
    rows, failed = [], []
    for mode in modes:
        argv = [sys.executable, os.path.abspath(__file__), args.target, "--child", "--mode", mode,
                "--new-shapes", str(args.new_shapes), "--repeats", str(args.repeats), "--seed", str(args.seed)]
        if args.model:
            argv += ["--model", os.path.abspath(args.model)]
        start = time.time()
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=args.child_timeout_s,
                                  universal_newlines=True)
        except subprocess.TimeoutExpired:
            failed.append("%s: timed out after %d s" % (mode, args.child_timeout_s))
            continue
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            failed.append("%s: exit %d: %s" % (mode, proc.returncode, tail))
            continue
        result = json.loads(lines[-1])
        result["summary"] = summarize(result)
        result["wallS"] = time.time() - start
        rows.append(result)
        print("shape_probe: %s %s done in %.0f s (NVML: %s)" % (args.target, mode, result["wallS"], result["nvmlSource"]),
              file=sys.stderr)
    if rows:
        r0 = rows[0]
        print("shape_probe %s: %s, torch %s, CUDA %s, cuDNN %s; %d first-seen shapes (each called twice), "
              "then %d calls at seen shapes; NVML source: %s"
              % (args.target, r0["gpu"], r0["torch"], r0["cuda"], r0["cudnn"], r0["newShapes"], r0["repeats"], r0["nvmlSource"]))
        print(table(rows))
        for r in rows:
            print("  %s attention kernels: %s" % (r["mode"], ", ".join(r["attentionKernels"]) or "(none matched)"))
    for line in failed:
        print("shape_probe: FAILED %s" % line)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"target": args.target, "modes": rows, "failed": failed}, f, indent=1)
    return 1 if failed or not rows else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--model", help="encoder: the TorchScript file (scripts/export-encoder.py)")
    parser.add_argument("--modes", default=",".join(MODES), help="SDPA modes, comma-separated (default: all three)")
    parser.add_argument("--new-shapes", type=int, default=20, help="first-seen shapes per mode (default 20)")
    parser.add_argument("--repeats", type=int, default=100, help="calls at seen shapes afterwards (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write every measurement as JSON here")
    parser.add_argument("--child-timeout-s", type=int, default=120, help="limit per mode (default 120 s)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="default", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.new_shapes < 1 or args.repeats < 1:
        raise SystemExit("shape_probe: --new-shapes and --repeats must be at least 1")
    if args.child:
        child(args)
        return 0
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
