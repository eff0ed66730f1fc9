"""Certified seeding: how close to optimal can we prove the answer is, and how fast?

The targets of the certified-seeding issue, in one run. Every spread is measured by
10,000 Monte-Carlo simulations with one common rng, independent of every sample a
method used. Times are end to end inside the process (graph loading excluded; it
is quoted once per graph).

    python benchmarks/bench_certify.py [--data ../shared/data] [--repeat 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import seeding

COSTS = "sqrt-degree:1,1"


def spread(graph, seeds):
    return seeding.estimate_spread(graph, seeds, n_simulations=10_000, rng=12345).mean


def timed(repeat, run):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the median time is quoted")
    args = parser.parse_args()
    graphs = {}
    for name, setting in (("nethept-wc.txt", "given"), ("soc-Epinions1.txt.gz", "wc")):
        start = time.perf_counter()
        graphs[name] = seeding.read_graph(args.data / name, probability=setting)
        print(f"loaded {name} in {time.perf_counter() - start:.2f} s")

    print("\n| graph | run | certified ratio | sampling / optimization slack | spread (10k MC) | time s | note |")
    print("|---|---|---|---|---|---|---|")

    def row(name, label, r, elapsed, note=""):
        s = r.details.get("slack") or {}
        parts = f"{100 * s['sampling']:.1f}% / {100 * s['optimization']:.1f}%" if s else "-"
        print(f"| {name} | {label} | {r.approx_ratio:.3f} | {parts} | {spread(graphs[name], r.seeds):.1f} | "
              f"{elapsed:.2f} | {note} |", flush=True)

    for name in graphs:
        g = graphs[name]
        r, t = timed(args.repeat, lambda g=g: seeding.maximize_influence(g, 50, rng=1))
        row(name, "k = 50, default", r, t)
        r, t = timed(args.repeat, lambda g=g: seeding.maximize_influence(g, 50, rng=1, target_ratio=0.95))
        row(name, "k = 50, target 0.95", r, t, f"{r.details['rr_sets']:,} RR sets")

    g = graphs["nethept-wc.txt"]
    for budget in (150, 400):
        greedy, t = timed(args.repeat, lambda b=budget: seeding.select_seeds(
            g, b, COSTS, method="cost-celf", rng=1, target_ratio=None, time_limit=30))
        row("nethept-wc.txt", f"budget {budget}, cost-aware greedy", greedy, t)
        r, t = timed(args.repeat, lambda b=budget: seeding.select_seeds(
            g, b, COSTS, rng=1, target_ratio=0.95, time_limit=30))
        core = r.details.get("core", {})
        row("nethept-wc.txt", f"budget {budget}, target 0.95, limit 30 s", r, t,
            f"chosen by {r.details['chosen_by']}; {core.get('kind', '-')} core of {core.get('variables', 0)} nodes")

    g = graphs["soc-Epinions1.txt.gz"]
    groups = {label: f"g{int(label) % 4}" for label in g.labels.tolist()}
    quotas = {f"g{i}": (2, None) for i in range(4)}
    r, t = timed(args.repeat, lambda: seeding.select_seeds(
        g, 200, COSTS, rng=1, groups=groups, quotas=quotas, target_ratio=0.95, time_limit=60))
    counts = [sum(groups[s] == f"g{i}" for s in r.seeds) for i in range(4)]
    row("soc-Epinions1.txt.gz", "budget 200, 4 groups >= 2 seeds, target 0.95, limit 60 s", r, t,
        f"seeds per group {counts}; chosen by {r.details['chosen_by']}")


if __name__ == "__main__":
    main()
