"""Large graphs on one machine, and Dask: R-MAT scale 18 and 20 (edge factor 8), and opt-in scale 22 (16).

For each graph: the time to write it, then in a fresh process each (peak memory
is that process's): loading alone (read_graph from text: the loader's peak,
less what the process held after imports, beside the bytes of the graph's
arrays; with OPIM-C the graph also holds its probabilities and reverse CSR), end to end from text (load + OPIM-C
eps = 0.1, k = 50 + evaluation on 1M fresh RR sets), the same with the binary
cache present, OPIM-C alone on 1 and 2 threads, and on a local Dask cluster of
1 and 2 workers.

    python benchmarks/bench_scale.py [--scales 18,20] [--big] [--dir /tmp/seeding-bench]

``--big`` adds R-MAT scale 22, edge factor 16 (4.2M nodes, 67M arcs, about
LiveJournal's size; a 1 GB text file): loading and end to end only. A scale
may also be given as SCALE:EDGE_FACTOR (``--scales 21:16``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import seeding
import seeding.io  # numpy and the reader: what any run holds before loading
args = json.loads(sys.argv[1])
t1 = time.perf_counter()


def peak_mib():  # this process's own high-water mark (ru_maxrss also counts the parent's at fork)
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


rss0 = peak_mib()
if not args["optimize"]:
    g = seeding.read_graph(args["path"], cache=args["cache"])
    t2 = time.perf_counter()
    arrays = [g.indptr, g.indices, g.p, g.labels, g.lt_weights]
    print(json.dumps({"load_s": t2 - t1, "opim_s": float("nan"), "select_eval_s": 0.0, "total_s": t2 - t1,
                      "import_s": t1 - t0, "base_mib": rss0,
                      "peak_mib": peak_mib(),
                      "graph_mib": sum(a.nbytes for a in arrays if a is not None) / 2**20, "n": g.n, "m": g.m,
                      "spread": float("nan"), "rr_sets": 0, "ratio": float("nan")}))
    sys.exit()
g = seeding.read_graph(args["path"], probability="wc", cache=args["cache"])
t2 = time.perf_counter()
client = None
if args["workers"]:
    from seeding.distributed import local_client
    client = local_client(args["workers"])
    t2 = time.perf_counter()  # cluster start-up is not the algorithm's time
r = seeding.maximize_influence(g, 50, eps=0.1, rng=1, n_jobs=args["threads"], client=client)
t3 = time.perf_counter()
if client is not None:
    client.close()
rss = peak_mib()
arrays = [g.indptr, g.indices, g.p, g.labels, g.lt_weights, g.in_indptr, g.in_indices, g.in_arcs]
print(json.dumps({"load_s": t2 - t1, "opim_s": r.runtime_s, "select_eval_s": t3 - t2, "total_s": t3 - t1,
                  "import_s": t1 - t0, "base_mib": rss0, "peak_mib": rss,
                  "graph_mib": sum(a.nbytes for a in arrays if a is not None) / 2**20, "n": g.n, "m": g.m,
                  "spread": r.spread.mean, "rr_sets": r.details["rr_sets"], "ratio": r.approx_ratio}))
"""


def child(path: Path, *, cache: bool, threads: int = 2, workers: int = 0, optimize: bool = True) -> dict:
    spec = json.dumps({"path": str(path), "cache": cache, "threads": threads, "workers": workers,
                       "optimize": optimize})
    out = subprocess.run([sys.executable, "-c", CHILD, spec], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="18,20", help="R-MAT scales, each SCALE or SCALE:EDGE_FACTOR (8)")
    parser.add_argument("--big", action="store_true", help="also scale 22, edge factor 16 (67M arcs, 1 GB of text)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/seeding-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    from seeding.io import cache_path

    graphs = [tuple(int(x) for x in (s + ":8").split(":")[:2]) for s in args.scales.split(",") if s]
    if args.big:
        graphs.append((22, 16))
    print("| scale | ef | nodes | arcs | run | load s | OPIM-C s | load+select+eval s | peak MiB | after import MiB | "
          "graph MiB | (peak - import) / graph | spread | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale, factor in graphs:
        path = args.dir / f"rmat-{scale}-{factor}.txt"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from seeding.generate import write_rmat; "
                        f"write_rmat(sys.argv[1], {scale}, {factor}, rng=1)", str(path)], check=True)
        gen_s = time.perf_counter() - start  # in a process of its own: the runs start from a small parent
        cache_path(path, False).unlink(missing_ok=True)
        runs = [
            ("load only, from text", dict(cache=False, optimize=False)),
            ("from text, 2 threads", dict(cache=False, threads=2)),
            ("from text (writes cache)", dict(cache=True, threads=2)),
            ("cached, 2 threads", dict(cache=True, threads=2)),
        ]
        if (scale, factor) != (22, 16):
            runs += [
                ("cached, 1 thread", dict(cache=True, threads=1)),
                ("cached, Dask 1 worker", dict(cache=True, threads=1, workers=1)),
                ("cached, Dask 2 workers", dict(cache=True, threads=1, workers=2)),
            ]
        for label, options in runs:
            r = child(path, **options)
            print(f"| {scale} | {factor} | {r['n']:,} | {r['m']:,} | {label} | {r['load_s']:.2f} | "
                  f"{r['opim_s']:.2f} | {r['total_s']:.2f} | {r['peak_mib']:.0f} | {r['base_mib']:.0f} | "
                  f"{r['graph_mib']:.0f} | {(r['peak_mib'] - r['base_mib']) / r['graph_mib']:.1f} | "
                  f"{r['spread']:.0f} | {r['ratio']:.3f} |", flush=True)
        print(f"| {scale} | {factor} | | | (writing the text file: {gen_s:.1f} s) | | | | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
