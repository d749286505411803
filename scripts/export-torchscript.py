#!/usr/bin/env python3
"""Export torchvision ResNet-50 with seeded random weights as a TorchScript module.

    python3 scripts/export-torchscript.py models/resnet50.pt [--arch resnet50] [--seed 0]

The module is traced in fp32 on the CPU with an input of [N, 3, 224, 224]; the traced
graph accepts any batch size N (ResNet has no batch-dependent control flow), and the
libtorch engine casts it to fp16/bf16 at load. Random weights keep this offline and keep
weights out of the repository: the benchmark measures memory and speed, not accuracy.
Needs torch and torchvision (the GPU machine has both); never commit the .pt it writes.
"""

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output .pt path (its folder is created)")
    parser.add_argument("--arch", default="resnet50", choices=["resnet18", "resnet34", "resnet50", "resnet101"])
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the random weights")
    parser.add_argument("--trace-batch", type=int, default=2, help="batch size of the example input used to trace")
    args = parser.parse_args()

    try:
        import torch
        import torchvision
    except ImportError as e:
        print(f"export-torchscript: {e.name} is not installed; this script needs torch and torchvision "
              "(pip install torch torchvision)", file=sys.stderr)
        return 3

    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, args.arch)(weights=None).eval()
    example = torch.rand(args.trace_batch, 3, 224, 224)
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        # The traced module must agree with eager on another batch size: proves the batch
        # dimension stayed dynamic.
        check = torch.rand(args.trace_batch + 3, 3, 224, 224)
        diff = (traced(check) - model(check)).abs().max().item()
    if diff > 1e-3:
        print(f"export-torchscript: traced and eager outputs differ by {diff}", file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    traced.save(args.out)
    size_mib = os.path.getsize(args.out) / 2**20
    print(f"export-torchscript: wrote {args.out} ({args.arch}, seed {args.seed}, {size_mib:.1f} MiB, "
          f"torch {torch.__version__}, torchvision {torchvision.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
