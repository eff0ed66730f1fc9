"""Large graphs on one machine, and Dask: R-MAT scale 18 and 20, edge factor 8.

For each scale: the time to write the graph, then in a fresh process each
(peak memory is that process's): end to end from text (load + OPIM-C eps = 0.1,
k = 50 + evaluation on 1M fresh RR sets), the same with the binary cache present,
OPIM-C alone on 1 and 2 threads, and on a local Dask cluster of 1 and 2 workers.

    python benchmarks/bench_scale.py [--scales 18,20] [--dir /tmp/seeding-bench]
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
args = json.loads(sys.argv[1])
t1 = time.perf_counter()
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
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": t2 - t1, "opim_s": r.runtime_s, "select_eval_s": t3 - t2, "total_s": t3 - t1,
                  "import_s": t1 - t0, "peak_mib": rss, "n": g.n, "m": g.m, "spread": r.spread.mean,
                  "rr_sets": r.details["rr_sets"], "ratio": r.approx_ratio}))
"""


def child(path: Path, *, cache: bool, threads: int, workers: int = 0) -> dict:
    spec = json.dumps({"path": str(path), "cache": cache, "threads": threads, "workers": workers})
    out = subprocess.run([sys.executable, "-c", CHILD, spec], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="18,20")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/seeding-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    from seeding.generate import write_rmat
    from seeding.io import cache_path

    print("| scale | nodes | arcs | run | load s | OPIM-C s | load+select+eval s | peak MiB | spread | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for scale in (int(s) for s in args.scales.split(",")):
        path = args.dir / f"rmat-{scale}.txt"
        start = time.perf_counter()
        write_rmat(path, scale, 8, rng=1)
        gen_s = time.perf_counter() - start
        cache_path(path, False).unlink(missing_ok=True)
        runs = [
            ("from text, 2 threads", dict(cache=False, threads=2)),
            ("from text (writes cache)", dict(cache=True, threads=2)),
            ("cached, 2 threads", dict(cache=True, threads=2)),
            ("cached, 1 thread", dict(cache=True, threads=1)),
            ("cached, Dask 1 worker", dict(cache=True, threads=1, workers=1)),
            ("cached, Dask 2 workers", dict(cache=True, threads=1, workers=2)),
        ]
        for label, options in runs:
            r = child(path, **options)
            print(f"| {scale} | {r['n']:,} | {r['m']:,} | {label} | {r['load_s']:.2f} | {r['opim_s']:.2f} | "
                  f"{r['total_s']:.2f} | {r['peak_mib']:.0f} | {r['spread']:.0f} | {r['ratio']:.3f} |", flush=True)
        print(f"| {scale} | | | (writing the text file: {gen_s:.1f} s) | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
