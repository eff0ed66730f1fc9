"""Monte-Carlo spread: simulations per second of `seeding` vs CyNetDiff, same process.

Seeds are the 50 nodes of highest out-degree; IC and LT; 1 and 2 threads for
`seeding` (CyNetDiff is single-threaded). Repetitions are interleaved and the
medians reported, because shared machines are noisy.

Single-threaded rates are timed on the wall clock by default; ``--clock cpu``
times them in the thread's CPU time instead, which other processes on a busy
machine disturb far less. Two-thread rates and the 2t/1t ratio always use the
wall clock (they are about elapsed time), so on a machine with fewer idle cores
than threads they say little; with ``--clock cpu`` the two-thread ratio to
CyNetDiff is the one-thread ratio times 2t/1t.

    python benchmarks/bench_spread.py [--data ../shared/data] [--repeats 5] [--clock cpu]
"""

from __future__ import annotations

import argparse
import array
import statistics
import time
from pathlib import Path

import numpy as np

import seeding
from seeding.spread import simulate_indices

try:
    from cynetdiff.models import IndependentCascadeModel, LinearThresholdModel
except ImportError:  # pragma: no cover
    IndependentCascadeModel = LinearThresholdModel = None

GRAPHS = [("nethept-wc.txt", "given"), ("soc-Epinions1.txt.gz", "wc")]


def cynetdiff_model(graph, seeds, model):
    """A CyNetDiff model of ``graph`` (its CSR, float32 values) with ``seeds`` set."""
    if IndependentCascadeModel is None:
        raise SystemExit("install the peer first: pip install -e '.[bench]'")
    starts = array.array("I", graph.indptr[:-1].astype(np.uint32))
    edges = array.array("I", graph.indices.astype(np.uint32))
    values = array.array("f", graph.p.astype(np.float32))
    if model == "ic":
        sim = IndependentCascadeModel(starts, edges, activation_probs=values, rng=1)
    else:
        sim = LinearThresholdModel(starts, edges, influence=values, rng=1)
    sim.set_seeds(seeds.tolist())
    return sim


def cynetdiff_rate(graph, seeds, model, seconds, clock):
    sim = cynetdiff_model(graph, seeds, model)
    runs, total, start = 0, 0, clock()
    while clock() - start < seconds:
        for _ in range(10):
            sim.reset_model()
            sim.advance_until_completion()
            total += sim.get_num_activated_nodes()
        runs += 10
    return runs / (clock() - start), total / runs


def seeding_rate(graph, seeds, model, threads, seconds, clock):
    runs, total, start, chunk = 0, 0.0, clock(), 1024
    while clock() - start < seconds:
        out = simulate_indices(
            graph, seeds, model=model, n_simulations=chunk, run_seed=runs + 1, n_threads=threads
        )
        total += out.sum()
        runs += chunk
    return runs / (clock() - start), total / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument(
        "--clock", choices=["wall", "cpu"], default="wall", help="clock of the single-threaded rates"
    )
    args = parser.parse_args()
    one = time.perf_counter if args.clock == "wall" else time.thread_time
    if IndependentCascadeModel is None:
        raise SystemExit("install the peer first: pip install -e '.[bench]'")

    print(f"{'graph':22} {'model':5} {'spread':>9} {'cynetdiff/s':>12} {'seeding 1t/s':>13} "
          f"{'seeding 2t/s':>13} {'x1 thread':>10} {'x2 threads':>11} {'2t/1t':>6}")
    for name, setting in GRAPHS:
        graph = seeding.read_graph(args.data / name, probability=setting)
        seeds = np.argsort(-graph.out_degree, kind="stable")[:50].astype(np.int32)
        for model in ("ic", "lt"):
            rates = {"cnd": [], "s1": [], "s2": [], "s1w": []}
            means = {}
            for _ in range(args.repeats):
                r, means["cnd"] = cynetdiff_rate(graph, seeds, model, args.seconds, one)
                rates["cnd"].append(r)
                r, means["s1"] = seeding_rate(graph, seeds, model, 1, args.seconds, one)
                rates["s1"].append(r)
                r, means["s2"] = seeding_rate(graph, seeds, model, 2, args.seconds, time.perf_counter)
                rates["s2"].append(r)
                if args.clock == "cpu":  # the 2t/1t ratio compares wall clocks
                    rates["s1w"].append(seeding_rate(graph, seeds, model, 1, args.seconds, time.perf_counter)[0])
            med = {k: statistics.median(v) for k, v in rates.items() if v}
            med.setdefault("s1w", med["s1"])
            x1, scale = med["s1"] / med["cnd"], med["s2"] / med["s1w"]
            print(
                f"{name:22} {model:5} {means['s1']:9.1f} {med['cnd']:12.0f} {med['s1']:13.0f} "
                f"{med['s2']:13.0f} {x1:10.2f} {x1 * scale:11.2f} {scale:6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
