"""Every selection method side by side: spread and time at k = 50, same process.

Spreads of all methods are re-evaluated by one common Monte-Carlo estimator
(the same simulated worlds for every seed set), so differences are real. Also
reports RR sets per second, and the spread evaluations CELF and CELF++ save over
plain greedy (on email-Eu-core, where plain greedy finishes).

    python benchmarks/bench_optimize.py [--data ../shared/data] [--k 50] [--simulations 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import seeding
from seeding.rrsets import RRSampler

GRAPHS = [("nethept-wc.txt", "given"), ("soc-Epinions1.txt.gz", "wc")]
RIS_AND_HEURISTICS = ["opim-c", "imm", "degree", "degree-discount", "pagerank"]


def rr_rate(graph, model, threads, count=2_000_000, repeats=3):
    sampler = RRSampler(graph, model)
    rates = []
    for r in range(repeats):
        start = time.perf_counter()
        sampler.sample(count, run_seed=r + 1, n_threads=threads)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--simulations", type=int, default=10_000, help="common evaluation")
    parser.add_argument("--celf-simulations", type=int, default=1000)
    args = parser.parse_args()

    for name, setting in GRAPHS:
        graph = seeding.read_graph(args.data / name, probability=setting)
        print(f"\n## {name}: {graph.n:,} nodes, {graph.m:,} arcs, IC, k = {args.k}")
        for threads in (1, 2):
            print(f"RR sets/s, {threads} thread(s): {rr_rate(graph, 'ic', threads) / 1e6:.2f} M")
        methods = list(RIS_AND_HEURISTICS)
        options = {m: {} for m in methods}
        options["opim-c (eps=0.01, no floor)"] = {"eps": 0.01, "min_samples": 1}
        if graph.n < 20_000:  # CELF's first round is n spread estimates
            methods += ["celf", "celf++"]
            options["celf"] = options["celf++"] = {"n_simulations": args.celf_simulations}
        methods.insert(1, "opim-c (eps=0.01, no floor)")
        print(f"{'method':30} {'spread (common MC)':>20} {'95% CI':>9} {'time s':>8} {'bound':>9} {'ratio':>6}")
        for label in methods:
            method = label.split(" ")[0]
            start = time.perf_counter()
            result = seeding.maximize_influence(graph, args.k, method=method, rng=1, n_evaluation=1000,
                                                **options[label])
            elapsed = time.perf_counter() - start
            common = seeding.estimate_spread(graph, result.seeds, n_simulations=args.simulations, rng=12345)
            bound = f"{result.upper_bound:9.1f}" if result.upper_bound else f"{'-':>9}"
            ratio = f"{result.approx_ratio:6.3f}" if result.approx_ratio else f"{'-':>6}"
            print(f"{label:30} {common.mean:20.1f} {1.96 * common.stderr:9.1f} {result.runtime_s:8.3f} "
                  f"{bound} {ratio}   (total with evaluation {elapsed:.2f} s)", flush=True)

    email = seeding.read_graph(args.data / "email-Eu-core.txt", probability="wc")
    print(f"\n## spread evaluations, email-Eu-core ({email.n} nodes), k = 10, "
          f"{args.celf_simulations} simulations each")
    base = None
    for method in ("greedy", "celf", "celf++"):
        start = time.perf_counter()
        r = seeding.maximize_influence(email, 10, method=method, rng=1,
                                       n_simulations=args.celf_simulations, n_evaluation=1000)
        elapsed = time.perf_counter() - start
        evals = r.details["spread_evaluations"]
        base = base or (evals, elapsed)
        print(f"{method:8} evaluations {evals:7d} ({base[0] / evals:6.1f}x fewer than greedy)  "
              f"time {elapsed:7.2f} s ({base[1] / elapsed:6.1f}x)  seeds {r.seeds[:5]}...")


if __name__ == "__main__":
    main()
