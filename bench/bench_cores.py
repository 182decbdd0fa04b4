"""Benchmark of the two training cores on the reference problem.

Reference problem: a 1 -> 100 -> 1 ReLU network, 1000 samples of sin(pi x) on
[-1, 1], full-batch gradient descent (SGD, lr 0.01) on the mean squared error,
float64. We report milliseconds per training step (the median over several
interleaved repeats) and ratios against a reference loop timed in the same
process:

* NumPy process (never imports torch: importing torch changes NumPy's
  allocation costs on this machine):
    - ``core``: ``nntheory.numpy_core.fit``;
    - ``plain``: the straightforward loop of seed 000, section 2.1 (fresh
      temporaries at every step), written out here;
    - ``tuned``: the same math with preallocated buffers and ``out=``
      arguments, the practical limit for NumPy here (the reference).
* torch process (CPU):
    - ``core``: ``nntheory.torch_core.fit``;
    - ``bare``: a bare ``nn.Sequential`` + ``torch.optim.SGD`` loop of the same
      math that also records the loss each step (the reference);
    - ``core-per-tensor-snapshot``: the core as it was before issue 28, its
      divergence snapshot one ``copy_`` per parameter tensor instead of one fused
      ``torch._foreach_copy_`` (shown for comparison, no target).

Clocks: ``--clock cpu`` (default) times each run by the CPU time of the process
(``time.process_time``), which does not count the time spent waiting for a core
on a shared machine; ``--clock wall`` by ``time.perf_counter``. Each repeat runs
every variant once, interleaved, so the ratio of a repeat compares runs made
under the same load; the report gives the median ratio and the range over the
repeats. The machine this book is built on is shared and noisy: run with ``nice``
and several times, and quote ranges.

Run ``python bench/bench_cores.py`` (``--steps``, ``--repeats`` to change the
work). Targets: numpy core / tuned <= 1.25, torch core / bare <= 1.1 (the median
ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

N_SAMPLES, WIDTH, LR, SEED = 1000, 100, 0.01, 0
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = time.process_time  # set from --clock in main()


def reference_problem():
    import numpy as np

    from nntheory.common import init_parameters

    rng = np.random.default_rng(SEED)
    X = rng.uniform(-1.0, 1.0, size=(N_SAMPLES, 1))
    y = np.sin(np.pi * X)
    return X, y, init_parameters([1, WIDTH, 1], "he", SEED)


# ----------------------------------------------------------------------------- NumPy variants

def numpy_variants(steps: int):
    import numpy as np

    from nntheory import numpy_core as nc

    X, y, params0 = reference_problem()

    def core():
        model = nc.MLP([1, WIDTH, 1], "relu", seed=SEED)
        model.set_parameters(params0)
        t0 = clock()
        h = nc.fit(model, X, y, optimizer="sgd", lr=LR, epochs=steps)
        return clock() - t0, h.loss[-1]

    def plain():
        # The loop of seed 000 section 2.1, plus recording the loss: every step
        # allocates its temporaries afresh.
        W1, b1, W2, b2 = (p.copy() for p in params0)
        n = len(X)
        t0 = clock()
        for _ in range(steps):
            hidden = np.maximum(0, X @ W1 + b1)
            output = hidden @ W2 + b2
            loss = np.mean((output - y) ** 2)
            d_output = 2 * (output - y) / n
            d_W2 = hidden.T @ d_output
            d_b2 = np.sum(d_output, axis=0)
            d_hidden = d_output @ W2.T
            d_hidden[hidden <= 0] = 0
            d_W1 = X.T @ d_hidden
            d_b1 = np.sum(d_hidden, axis=0)
            W1 -= LR * d_W1
            b1 -= LR * d_b1
            W2 -= LR * d_W2
            b2 -= LR * d_b2
        return clock() - t0, float(loss)

    def tuned():
        # The same math with every buffer allocated once and written with out=.
        W1, b1, W2, b2 = (p.copy() for p in params0)
        n = len(X)
        Z = np.empty((n, WIDTH))
        H = np.empty((n, WIDTH))
        G = np.empty((n, WIDTH))
        out = np.empty((n, 1))
        diff = np.empty((n, 1))
        gW1, gb1 = np.empty_like(W1), np.empty_like(b1)
        gW2, gb2 = np.empty_like(W2), np.empty_like(b2)
        t0 = clock()
        for _ in range(steps):
            np.matmul(X, W1, out=Z)
            Z += b1
            np.maximum(Z, 0.0, out=H)
            np.matmul(H, W2, out=out)
            out += b2
            np.subtract(out, y, out=diff)
            loss = float(np.vdot(diff, diff)) / n
            diff *= 2.0 / n
            np.matmul(H.T, diff, out=gW2)
            np.sum(diff, axis=0, out=gb2)
            np.matmul(diff, W2.T, out=G)
            np.multiply(G, Z > 0.0, out=G)
            np.matmul(X.T, G, out=gW1)
            np.sum(G, axis=0, out=gb1)
            gW1 *= LR
            W1 -= gW1
            gb1 *= LR
            b1 -= gb1
            gW2 *= LR
            W2 -= gW2
            gb2 *= LR
            b2 -= gb2
        return clock() - t0, loss

    return {"core": core, "plain": plain, "tuned": tuned}, "tuned"


# ----------------------------------------------------------------------------- torch variants

def torch_variants(steps: int):
    import torch
    import torch.nn.functional as F

    from nntheory import torch_core as tc

    X, y, params0 = reference_problem()
    Xt = torch.as_tensor(X)
    yt = torch.as_tensor(y)

    def core():
        model = tc.MLP([1, WIDTH, 1], "relu", seed=SEED, device="cpu")
        model.set_parameters(params0)
        t0 = clock()
        h = tc.fit(model, X, y, optimizer="sgd", lr=LR, epochs=steps)
        return clock() - t0, h.loss[-1]

    def bare():
        net = torch.nn.Sequential(torch.nn.Linear(1, WIDTH, dtype=torch.float64),
                                  torch.nn.ReLU(),
                                  torch.nn.Linear(WIDTH, 1, dtype=torch.float64))
        with torch.no_grad():
            net[0].weight.copy_(torch.as_tensor(params0[0].T))
            net[0].bias.copy_(torch.as_tensor(params0[1]))
            net[2].weight.copy_(torch.as_tensor(params0[2].T))
            net[2].bias.copy_(torch.as_tensor(params0[3]))
        opt = torch.optim.SGD(net.parameters(), lr=LR)
        losses = []
        t0 = clock()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(net(Xt), yt)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return clock() - t0, losses[-1]

    def core_per_tensor_snapshot():
        # the core with the snapshot it had before issue 28: one copy_ per tensor
        saved = tc._FOREACH_COPY
        tc._FOREACH_COPY = None
        try:
            return core()
        finally:
            tc._FOREACH_COPY = saved

    return {"core": core, "bare": bare,
            "core-per-tensor-snapshot": core_per_tensor_snapshot}, "bare"


# ----------------------------------------------------------------------------- driver

def measure(part: str, steps: int, repeats: int) -> dict:
    variants, reference = (numpy_variants if part == "numpy" else torch_variants)(steps)
    times: dict[str, list[float]] = {name: [] for name in variants}
    losses: dict[str, float] = {}
    for fn in variants.values():  # warm-up (first-call costs, allocator state)
        fn()
    for _ in range(repeats):  # interleaved: each repeat runs every variant once
        for name, fn in variants.items():
            seconds, loss = fn()
            times[name].append(1e3 * seconds / steps)
            losses[name] = loss
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    per_repeat = {name: [t / r for t, r in zip(ts, times[reference], strict=True)]
                  for name, ts in times.items()}
    return {
        "part": part,
        "torch_imported": "torch" in sys.modules,
        "reference": reference,
        "ms_per_step": medians,
        "ratio": {name: medians[name] / medians[reference] for name in medians},
        "ratio_range": {name: [min(r), max(r)] for name, r in per_repeat.items()},
        "ratio_median_of_repeats": {name: statistics.median(r)
                                    for name, r in per_repeat.items()},
        "final_loss": losses,
        "all_ms": times,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=15, help="interleaved repeats")
    parser.add_argument("--part", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: process CPU time (default); wall: elapsed time")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]

    if args.part:  # a child process: measure one part and print JSON
        print(json.dumps(measure(args.part, args.steps, args.repeats)))
        return

    results = []
    for part in ("numpy", "torch"):
        out = subprocess.run(
            [sys.executable, __file__, "--part", part, "--steps", str(args.steps),
             "--repeats", str(args.repeats), "--clock", args.clock],
            check=True, capture_output=True, text=True, env=os.environ.copy(),
        ).stdout
        results.append(json.loads(out))

    print(f"Reference problem: 1 -> {WIDTH} -> 1 ReLU, {N_SAMPLES} samples of sin(pi x), "
          f"full-batch SGD lr={LR}, float64; {args.steps} steps x {args.repeats} repeats, "
          f"median ms per step ({args.clock} clock); ratio: of the medians, and its range "
          f"over the interleaved repeats.")
    for r in results:
        print(f"\n[{r['part']} process; torch imported: {r['torch_imported']}; "
              f"ratios against '{r['reference']}']")
        for name, ms in r["ms_per_step"].items():
            lo, hi = r["ratio_range"][name]
            print(f"  {name:24s} {ms:8.4f} ms/step   ratio {r['ratio'][name]:5.2f} "
                  f"[{lo:4.2f}, {hi:4.2f}]   final loss {r['final_loss'][name]:.6g}")
    numpy_ratio = results[0]["ratio"]["core"]
    torch_ratio = results[1]["ratio"]["core"]
    print(f"\nnumpy core / tuned loop = {numpy_ratio:.2f} (target <= 1.25): "
          f"{'met' if numpy_ratio <= 1.25 else 'NOT met'}")
    print(f"torch core / bare loop  = {torch_ratio:.2f} (target <= 1.10): "
          f"{'met' if torch_ratio <= 1.10 else 'NOT met'}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
