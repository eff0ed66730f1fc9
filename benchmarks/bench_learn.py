"""Learning probabilities from action logs: accuracy against known probabilities, and speed.

Part 1 (ground truth, NetHEPT): arc probabilities are drawn at random (a
randomised weighted cascade, ``p = U(0, 2) / indeg(v)`` capped at 1, so their
mean matches WC but each arc differs), cascades are simulated on them in discrete
and in continuous time (exponential delays, mean 1), and each method learns the
probabilities back from the log alone. Reported: correlation and mean absolute
error on well-observed arcs (at least ``--min-attempts`` attempts), and the spread
under the true probabilities of the k seeds OPIM-C picks on the learned graph,
as a share of the spread of the seeds it picks on the true graph (both evaluated
with the same 10,000 simulations). Then a holdout validation of every method.

Part 2 (scale): logs of millions of actions on soc-Epinions1 (0.5M arcs) and on
an R-MAT graph of about 2M arcs, written to CSV, read back and learned with EM;
wall-clock times and peak memory.

    python benchmarks/bench_learn.py [--data ../shared/data] [--actions 3000000] [--k 50] [--no-scale]

It prints numbers and never gates CI.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import seeding
from seeding.generate import rmat_edges
from seeding.io import read_actions
from seeding.learn import LEARN_METHODS, learn_probabilities, simulate_actions

HERE = Path(__file__).resolve().parent


def randomised_wc(graph: seeding.Graph, rng: np.random.Generator) -> seeding.Graph:
    indeg = graph.in_degree[graph.indices].astype(np.float64)
    return graph.with_p(np.minimum(1.0, rng.uniform(0.0, 2.0, graph.m) / indeg))


def log_of_size(truth: seeding.Graph, actions: int, *, seeds: int, time_kind: str, rng: int) -> seeding.ActionLog:
    """Simulate items until the log has about ``actions`` actions."""
    pilot = simulate_actions(truth, 2000, seeds=seeds, time=time_kind, rng=rng + 1000)
    items = max(1000, int(actions / (len(pilot) / 2000)))
    return simulate_actions(truth, items, seeds=seeds, time=time_kind, rng=rng)


def write_csv(log: seeding.ActionLog, path: Path) -> None:
    names = log.item_names[log.items].tolist()
    with open(path, "w") as fh:
        fh.write("user,item,time\n")
        fh.writelines(f"{u},{i},{t:.6f}\n" for u, i, t in zip(log.users.tolist(), names, log.times.tolist(),
                                                                strict=True))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def ground_truth(data: Path, actions: int, k: int, min_attempts: int, seeds: int) -> None:
    graph = seeding.read_graph(data / "nethept-wc.txt")
    truth = randomised_wc(graph, np.random.default_rng(0))
    structure = graph.with_p(np.full(graph.m, 0.5))  # the learner never sees the truth
    print(f"NetHEPT: {graph.n:,} nodes, {graph.m:,} arcs; true p = U(0, 2) / indeg(v), mean {truth.p.mean():.4f}")
    t0 = time.perf_counter()
    on_truth = seeding.maximize_influence(truth, k, rng=1)
    reach_truth = seeding.estimate_spread(truth, on_truth.seeds, n_simulations=10_000, rng=2).mean
    print(f"k = {k}: seeds chosen on the true graph reach {reach_truth:.1f} ({time.perf_counter() - t0:.1f} s)\n")
    header = (f"{'time':<11} {'method':<10} {'actions':>10} {'learn s':>8} {'window':>7} {'iters':>5} "
              f"{'well arcs':>9} {'corr':>6} {'MAE':>7} {'spread':>8} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    logs = {}
    for time_kind in ("discrete", "continuous"):
        t0 = time.perf_counter()
        log = log_of_size(truth, actions, seeds=seeds, time_kind=time_kind, rng=3)
        logs[time_kind] = log
        sim_s = time.perf_counter() - t0
        for method in LEARN_METHODS:
            t0 = time.perf_counter()
            fit = learn_probabilities(structure, log, method=method)
            learn_s = time.perf_counter() - t0
            well = fit.attempts >= min_attempts
            corr = float(np.corrcoef(fit.p[well], truth.p[well])[0, 1]) if well.sum() > 2 else float("nan")
            mae = float(np.abs(fit.p[well] - truth.p[well]).mean()) if well.any() else float("nan")
            chosen = seeding.maximize_influence(fit.graph, k, rng=1)
            reach = seeding.estimate_spread(truth, chosen.seeds, n_simulations=10_000, rng=2).mean
            print(f"{time_kind:<11} {method:<10} {len(log):>10,} {learn_s:>8.2f} {fit.window:>7.3g} "
                  f"{fit.iterations:>5} {int(well.sum()):>9,} {corr:>6.3f} {mae:>7.4f} {reach:>8.1f} "
                  f"{reach / reach_truth:>6.3f}")
        print(f"{'':<11} (simulating {log.n_items:,} items of {seeds} seeds took {sim_s:.1f} s)")
    print(f"\nwell arcs: attempts >= {min_attempts}; ratio: spread (true p) of seeds chosen on the learned graph "
          "over that of seeds chosen on the true graph")
    for time_kind, log in logs.items():
        fit = learn_probabilities(structure, log, holdout=0.2, rng=5)
        window = fit.validation[0]["window"]
        print(f"\nholdout ({time_kind}, 20% of {log.n_items:,} items held out, window {window:.3g})")
        print(f"  {'method':<10} {'loglik/exposure':>16} {'AUC':>7} {'exposures':>11} {'acted':>9}")
        for row in fit.validation:
            print(f"  {row['method']:<10} {row['loglik_per_exposure']:>16.5f} {row['auc']:>7.4f} "
                  f"{row['exposures']:>11,} {row['acted']:>9,}")


def scale_run(name: str, graph: seeding.Graph, actions: int, seeds: int) -> None:
    truth = randomised_wc(graph, np.random.default_rng(0))
    t0 = time.perf_counter()
    log = log_of_size(truth, actions, seeds=seeds, time_kind="continuous", rng=7)
    sim_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "actions.csv"
        write_csv(log, path)
        size = path.stat().st_size / 2**20
        t0 = time.perf_counter()
        read = read_actions(path)
        read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fit = learn_probabilities(graph, read)
    learn_s = time.perf_counter() - t0
    ev = fit.evidence()
    print(f"{name:<14} {graph.m:>10,} {len(read):>10,} {log.n_items:>9,} {size:>7.0f} {sim_s:>6.1f} {read_s:>6.1f} "
          f"{learn_s:>7.1f} {fit.iterations:>5} {ev['exercised']:>10,} {peak_rss_mib():>8.0f}")


def scale(data: Path, actions: int) -> None:
    print("\nscale: continuous-time logs written to CSV, read back (read s) and learned with EM (learn s)")
    header = (f"{'graph':<14} {'arcs':>10} {'actions':>10} {'items':>9} {'MiB':>7} {'sim s':>6} {'read s':>6} "
              f"{'learn s':>7} {'iters':>5} {'exercised':>10} {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    scale_run("soc-Epinions1", seeding.read_graph(data / "soc-Epinions1.txt.gz"), actions, seeds=5)
    u, v = rmat_edges(17, 16, rng=1)
    scale_run("R-MAT 2^17", seeding.Graph.from_edges(u, v), actions, seeds=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--actions", type=int, default=3_000_000, help="actions per simulated log")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=5, help="seeds (first adopters) per item")
    parser.add_argument("--min-attempts", type=int, default=100)
    parser.add_argument("--no-scale", action="store_true", help="skip part 2")
    args = parser.parse_args()
    ground_truth(args.data, args.actions, args.k, args.min_attempts, args.seeds)
    if not args.no_scale:
        scale(args.data, args.actions)


if __name__ == "__main__":
    main()
