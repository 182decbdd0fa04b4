"""Benchmark of ensemble training against separate fits, in both cores.

Reference problem (as ``bench_cores.py``): a 1 -> 100 -> 1 ReLU network, 1000
samples of sin(pi x) on [-1, 1], full-batch SGD (lr 0.01) on the mean squared
error, float64. For K in {1, 8, 32, 128} members (seeds 0..K-1) we time

* ``ensemble``: one ``fit_ensemble`` of an ``Ensemble`` of K members;
* ``separate``: ``fit`` of the members one after another (the loop a chapter
  writes today). Its cost per member-step does not depend on K, so it is timed
  on ``min(K, 8)`` members per repeat.

and report milliseconds per member-step (time / (steps * members), the median
over interleaved repeats) and the throughput ratio separate / ensemble, both
measured in the same process. Each core runs in its own process (the NumPy one
never imports torch, as in ``bench_cores.py``).

Run ``python bench/bench_ensembles.py`` (``--steps``, ``--repeats``, ``--ks``;
``--width 16 --samples 256`` for a chapter-size problem, where the Python
overhead of a step, which an ensemble pays once, is most of a separate fit;
``--torch-threads 1`` pins torch to one intra-op thread in both variants: on a
machine shared with other processes, torch's two-thread ops stall whenever the
second thread is descheduled, which slows the separate fits more than the
ensemble and inflates the ratio).
Target on 2 CPU cores: ratio >= 3 at K = 32 for each core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

N_SAMPLES, WIDTH, LR = 1000, 100, 0.01
KS = (1, 8, 32, 128)
TARGET_K, TARGET_RATIO = 32, 3.0


def reference_data(n_samples: int = N_SAMPLES):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 1))
    return X, np.sin(np.pi * X)


def measure(part: str, ks, steps: int, repeats: int, threads: int | None = None,
            width: int = WIDTH, n_samples: int = N_SAMPLES) -> dict:
    if part == "numpy":
        from nntheory import numpy_core as core

        kw = {}
    else:
        import torch

        from nntheory import torch_core as core

        if threads:
            torch.set_num_threads(threads)
        kw = {"device": "cpu"}
    X, y = reference_data(n_samples)
    sizes = [1, width, 1]

    def ensemble(K: int) -> float:
        ens = core.Ensemble(sizes, "relu", seeds=range(K), **kw)
        t0 = time.perf_counter()
        core.fit_ensemble(ens, X, y, optimizer="sgd", lr=LR, epochs=steps)
        return 1e3 * (time.perf_counter() - t0) / (steps * K)

    def separate(K: int) -> float:
        m = min(K, 8)
        models = [core.MLP(sizes, "relu", seed=s, **kw) for s in range(m)]
        t0 = time.perf_counter()
        for model in models:
            core.fit(model, X, y, optimizer="sgd", lr=LR, epochs=steps)
        return 1e3 * (time.perf_counter() - t0) / (steps * m)

    ensemble(2), separate(2)  # warm-up
    rows = []
    for K in ks:
        ts_e, ts_s = [], []
        for _ in range(repeats):  # interleaved
            ts_e.append(ensemble(K))
            ts_s.append(separate(K))
        e, s = statistics.median(ts_e), statistics.median(ts_s)
        rows.append({"K": K, "ensemble_ms": e, "separate_ms": s, "ratio": s / e,
                     "all_ensemble_ms": ts_e, "all_separate_ms": ts_s})
    n_threads = sys.modules["torch"].get_num_threads() if part == "torch" else None
    return {"part": part, "torch_imported": "torch" in sys.modules, "rows": rows,
            "torch_threads": n_threads,
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats")
    parser.add_argument("--ks", type=int, nargs="+", default=list(KS), help="ensemble sizes")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch.set_num_threads in the torch process (0: torch's default)")
    parser.add_argument("--width", type=int, default=WIDTH,
                        help="hidden width (another problem than the reference)")
    parser.add_argument("--samples", type=int, default=N_SAMPLES,
                        help="number of samples (another problem than the reference)")
    parser.add_argument("--part", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    if args.part:  # a child process: measure one core and print JSON
        print(json.dumps(measure(args.part, args.ks, args.steps, args.repeats,
                                 args.torch_threads, args.width, args.samples)))
        return

    results = []
    for part in ("numpy", "torch"):
        out = subprocess.run(
            [sys.executable, __file__, "--part", part, "--steps", str(args.steps),
             "--repeats", str(args.repeats), "--torch-threads", str(args.torch_threads),
             "--width", str(args.width), "--samples", str(args.samples),
             "--ks", *map(str, args.ks)],
            check=True, capture_output=True, text=True, env=os.environ.copy(),
        ).stdout
        results.append(json.loads(out))

    reference = (args.width, args.samples) == (WIDTH, N_SAMPLES)
    print(f"{'Reference problem' if reference else 'Problem'}: 1 -> {args.width} -> 1 ReLU, "
          f"{args.samples} samples of sin(pi x), "
          f"full-batch SGD lr={LR}, float64; {args.steps} steps x {args.repeats} repeats, "
          "median ms per member-step.")
    verdicts = []
    for r in results:
        threads = "" if r["torch_threads"] is None else f"torch threads: {r['torch_threads']}; "
        print(f"\n[{r['part']} process; torch imported: {r['torch_imported']}; {threads}"
              f"load average at the end: {r['load_average']}]")
        print("      K   ensemble ms   separate ms   throughput ratio")
        for row in r["rows"]:
            print(f"  {row['K']:5d}   {row['ensemble_ms']:11.4f}   {row['separate_ms']:11.4f}"
                  f"   {row['ratio']:8.2f}")
            if row["K"] == TARGET_K:
                ok = row["ratio"] >= TARGET_RATIO
                verdicts.append(f"{r['part']} core, K = {TARGET_K}: ratio {row['ratio']:.2f} "
                                f"(target >= {TARGET_RATIO:g}): {'met' if ok else 'NOT met'}")
    print()
    print("\n".join(verdicts))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
