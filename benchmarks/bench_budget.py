"""Budgeted seeding: default pipeline vs cost-aware greedy vs the exact polish, out of sample.

Costs are ``1 + sqrt(out-degree)``. Every selection is scored on one common set of
fresh RR sets (the same for all methods), never on the sample that chose it.
Reports the certified bound, the solver gap, solve time and the model size before
and after shrinking.

    python benchmarks/bench_budget.py [--data ../shared/data] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import seeding
from seeding.rrsets import RRSampler

GRAPHS = [("nethept-wc.txt", "given", (50, 100, 400)), ("soc-Epinions1.txt.gz", "wc", (100, 400, 1000))]
COSTS = "sqrt-degree:1,1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--evaluation", type=int, default=2_000_000, help="common out-of-sample RR sets")
    args = parser.parse_args()

    print("| graph | budget | run | RR sets to choose | spread (out of sample) | cost | status | gap | "
          "upper bound | time s | model rows (entries) before -> after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, setting, budgets in GRAPHS:
        graph = seeding.read_graph(args.data / name, probability=setting)
        common = RRSampler(graph, "ic").sample(args.evaluation, run_seed=987654321, n_threads=2)

        def score(labels, graph=graph, common=common):
            return common.estimate(graph.index_of(labels))

        for budget in budgets:
            runs = [
                ("cost-celf, 100k", dict(method="cost-celf", min_samples=100_000)),
                ("cost-celf, 500k", dict(method="cost-celf", min_samples=500_000)),
                ("default (mip), 500k", dict(method="mip", time_limit=args.time_limit)),
            ]
            for label, options in runs:
                start = time.perf_counter()
                r = seeding.select_seeds(graph, budget, COSTS, rng=1, n_evaluation=1000, **options)
                elapsed = time.perf_counter() - start
                est = score(r.seeds)
                m = r.details["model"]
                size = f"{m['entries_before']:,} -> {m['rows']:,} ({m['row_entries']:,})"
                gap = "-" if r.gap is None else f"{100 * r.gap:.2f}%"
                print(f"| {name} | {budget} | {label} | {r.details['rr_sets'] // 2:,} | {est.mean:.1f} "
                      f"+/- {1.96 * est.stderr:.1f} | {r.cost:.1f} | {r.status} | {gap} | {r.upper_bound:.1f} | "
                      f"{elapsed:.1f} | {size} |", flush=True)
                solver = r.details.get("solver")
                if solver and solver.get("seeds"):
                    exact = score(solver["seeds"])
                    core = r.details["core"]
                    print(f"| {name} | {budget} | solver alone ({core['kind']} core, {core['variables']:,} nodes) | "
                          f"{r.details['rr_sets'] // 2:,} | {exact.mean:.1f} +/- {1.96 * exact.stderr:.1f} | - | "
                          f"{solver['status']} | - | - | {solver['solve_s']:.1f} | - |", flush=True)

if __name__ == "__main__":
    main()
