"""Kernel throughput in one run: RR sets per second per core, and IC simulation against CyNetDiff.

* RR sampling: ``RRSampler.sample`` on one thread, sets per second (median of
  ``--repeats`` runs of ``--rr-sets`` sets each), with the mean set size.
* IC Monte-Carlo: the same 50 seeds (highest out-degree) and the same number of
  simulations for CyNetDiff (single-threaded) and `seeding` on 1 and 2 threads;
  wall time of each, median of ``--repeats`` interleaved runs, and the ratios.

Shared machines are noisy: compare ratios taken in the same run, not absolute
numbers across runs.

    python benchmarks/bench_kernels.py [--data ../shared/data] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from bench_spread import GRAPHS, cynetdiff_model

import seeding
from seeding.rrsets import RRSampler
from seeding.spread import simulate_indices


def rr_rate(sampler: RRSampler, count: int, repeats: int) -> tuple[float, float]:
    """Median sets per second on one thread, and the mean set size."""
    sampler.sample(min(count, 10_000), run_seed=99)  # warm the caches and the page tables
    times, size = [], 0.0
    for r in range(repeats):
        start = time.perf_counter()
        sets = sampler.sample(count, run_seed=r + 1, n_threads=1)
        times.append(time.perf_counter() - start)
        size = sets.mean_size
    return count / statistics.median(times), size


def cynetdiff_time(sim, n_simulations: int) -> tuple[float, float]:
    start, total = time.perf_counter(), 0
    for _ in range(n_simulations):
        sim.reset_model()
        sim.advance_until_completion()
        total += sim.get_num_activated_nodes()
    return time.perf_counter() - start, total / n_simulations


def seeding_time(graph, seeds, n_simulations: int, threads: int, run_seed: int) -> tuple[float, float]:
    start = time.perf_counter()
    out = simulate_indices(graph, seeds, model="ic", n_simulations=n_simulations, run_seed=run_seed, n_threads=threads)
    return time.perf_counter() - start, float(out.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rr-sets", type=int, default=1_000_000, help="RR sets per timed run")
    parser.add_argument("--simulations", type=int, default=10_000, help="IC simulations per timed run")
    args = parser.parse_args()

    graphs = [(name, seeding.read_graph(args.data / name, probability=setting)) for name, setting in GRAPHS]

    print(f"RR sampling, IC, one thread, median of {args.repeats} x {args.rr_sets:,} sets")
    print(f"{'graph':22} {'sets/s':>12} {'mean size':>10}")
    for name, graph in graphs:
        rate, size = rr_rate(RRSampler(graph, "ic"), args.rr_sets, args.repeats)
        print(f"{name:22} {rate / 1e6:10.2f} M {size:10.2f}", flush=True)

    print(f"\nIC simulation, {args.simulations:,} simulations of the 50 highest out-degree nodes, "
          f"median of {args.repeats} (seconds)")
    print(f"{'graph':22} {'spread':>8} {'cynetdiff':>10} {'seeding 1t':>11} {'seeding 2t':>11} "
          f"{'x 1t':>6} {'x 2t':>6} {'2t/1t':>6}")
    for name, graph in graphs:
        seeds = np.argsort(-graph.out_degree, kind="stable")[:50].astype(np.int32)
        sim = cynetdiff_model(graph, seeds, "ic")
        times: dict[str, list[float]] = {"cnd": [], "s1": [], "s2": []}
        spread = 0.0
        for r in range(args.repeats):
            times["cnd"].append(cynetdiff_time(sim, args.simulations)[0])
            t, spread = seeding_time(graph, seeds, args.simulations, 1, r + 1)
            times["s1"].append(t)
            times["s2"].append(seeding_time(graph, seeds, args.simulations, 2, r + 1)[0])
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"{name:22} {spread:8.1f} {med['cnd']:10.3f} {med['s1']:11.3f} {med['s2']:11.3f} "
            f"{med['cnd'] / med['s1']:6.2f} {med['cnd'] / med['s2']:6.2f} {med['s1'] / med['s2']:6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
