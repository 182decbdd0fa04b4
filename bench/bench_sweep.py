"""Benchmark of chapter 4's width sweep: one ensemble per width against bare loops.

The chapter's full-scale sweep (``NNTHEORY_SCALE=full``) trains ``1 -> m -> 1``
ReLU networks for widths m = 2, 4, ..., 1024, five seeds each, on three targets
(``approximation.TARGETS``): full-batch Adam, lr 3e-3, 20 000 steps, 256 equally
spaced points, float64, through the torch core (on CUDA when present). We time

* ``ensemble``: ``approximation.width_sweep(..., core=torch_core)``, which trains
  the seeds of one width as one ``torch_core.Ensemble`` (the chapter's code);
* ``bare``: the same networks trained one after another by a bare loop
  (``nn.Sequential`` of two ``nn.Linear`` and a ReLU, ``torch.optim.Adam``), from
  the same initial parameters, keeping each step's loss on the device (no
  synchronisation per step: the best case for the loop),

on the same device, in the same process, and report both wall times, their
ratio and the largest difference between the two sweeps' sup errors (both
variants follow the same arithmetic up to round-off, which 20 000 Adam steps may
amplify; reported, not asserted). Target on a GPU: ratio >= 6.

Run ``python bench/bench_sweep.py`` for the full configuration (hours on a CPU;
meant for a GPU), ``--quick`` for a reduced one (widths 2-64, one target, 500
steps) that runs in seconds on a CPU, or set ``--widths``, ``--seeds``,
``--epochs``, ``--targets`` yourself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

FULL = {"widths": [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], "seeds": [0, 1, 2, 3, 4],
        "epochs": 20000, "lr": 3e-3, "targets": ["smooth", "kinked", "oscillating"]}
QUICK = {"widths": [2, 4, 8, 16, 32, 64], "seeds": [0, 1, 2, 3, 4], "epochs": 500,
         "lr": 3e-3, "targets": ["smooth"]}
TARGET_RATIO = 6.0


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_sweep(target, widths, seeds, epochs: int, lr: float, device):
    """Sup errors (widths x seeds) of networks trained one by one by a bare loop."""
    import numpy as np
    import torch
    from torch import nn

    from nntheory import approximation, common

    X = approximation.grid(256)
    y = target(X)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=device)
    yt = torch.as_tensor(y, dtype=torch.float64, device=device)
    xg = torch.as_tensor(approximation.grid(), dtype=torch.float64, device=device)
    fg = target(approximation.grid()).ravel()
    out = np.empty((len(widths), len(seeds)))
    for i, width in enumerate(widths):
        for j, seed in enumerate(seeds):
            W1, b1, W2, b2 = common.init_parameters([1, width, 1], "he", seed)
            model = nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, 1))
            model = model.to(device=device, dtype=torch.float64)
            with torch.no_grad():
                for layer, (W, b) in zip(model[::2], ((W1, b1), (W2, b2)), strict=True):
                    layer.weight.copy_(torch.as_tensor(W.T))
                    layer.bias.copy_(torch.as_tensor(b))
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            losses = []
            for _ in range(epochs):
                opt.zero_grad(set_to_none=True)
                loss = ((model(Xt) - yt) ** 2).mean()
                loss.backward()
                opt.step()
                losses.append(loss.detach())
            with torch.no_grad():
                pred = model(xg).to("cpu").numpy().ravel()
            if not np.isfinite(torch.stack(losses).to("cpu").numpy()).all():
                raise FloatingPointError(f"bare loop diverged: width {width}, seed {seed}")
            out[i, j] = float(np.max(np.abs(pred - fg)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the reduced configuration")
    parser.add_argument("--widths", type=int, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--targets", nargs="+", choices=FULL["targets"])
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    config = dict(QUICK if args.quick else FULL)
    for key in ("widths", "seeds", "epochs", "targets"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)

    import numpy as np
    import torch

    from nntheory import approximation, torch_core

    device = torch_core.default_device()  # where the chapter's ensembles run
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device: {device} ({name}); torch threads: {torch.get_num_threads()}; "
          f"cpu count: {os.cpu_count()}")
    print(f"sweep: widths {config['widths']}, seeds {config['seeds']}, {config['epochs']} "
          f"Adam steps (lr {config['lr']}), targets {config['targets']}, float64")
    # warm-up (CUDA context, kernels, allocator) outside the timed region
    approximation.width_sweep(approximation.TARGETS["smooth"], [2], seeds=[0, 1],
                              core=torch_core, epochs=2, progress=False)
    bare_sweep(approximation.TARGETS["smooth"], [2], [0], 2, config["lr"], device)

    rows = []
    for tname in config["targets"]:
        target = approximation.TARGETS[tname]
        _sync(device)
        t0 = time.perf_counter()
        ens = approximation.width_sweep(target, config["widths"], seeds=config["seeds"],
                                        core=torch_core, epochs=config["epochs"],
                                        lr=config["lr"], progress=False)
        _sync(device)
        t_ens = time.perf_counter() - t0
        t0 = time.perf_counter()
        bare = bare_sweep(target, config["widths"], config["seeds"], config["epochs"],
                          config["lr"], device)
        _sync(device)
        t_bare = time.perf_counter() - t0
        gap = float(np.max(np.abs(ens - bare) / np.maximum(np.abs(bare), 1e-300)))
        rows.append({"target": tname, "ensemble_s": t_ens, "bare_s": t_bare,
                     "ratio": t_bare / t_ens, "max_relative_gap": gap})
        print(f"  {tname:12s} ensemble {t_ens:9.2f} s   bare loops {t_bare:9.2f} s   "
              f"ratio {t_bare / t_ens:6.2f}   largest relative gap in sup error {gap:.1e}")
    total_e = sum(r["ensemble_s"] for r in rows)
    total_b = sum(r["bare_s"] for r in rows)
    ratio = total_b / total_e
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    where = "" if device.type == "cuda" else " (the target is for a GPU; this ran on the CPU)"
    print(f"whole sweep: ensemble {total_e:.2f} s, bare loops {total_b:.2f} s, ratio "
          f"{ratio:.2f} (target >= {TARGET_RATIO:g} on a GPU): {verdict}{where}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": str(device), "device_name": name, "config": config,
                       "rows": rows, "ratio": ratio}, fh, indent=2)


if __name__ == "__main__":
    sys.exit(main())
