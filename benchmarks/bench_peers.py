"""`seeding optimize -k 50` against the C++ peers OPIM-C and SUBSIM, end to end, in one script.

Each tool runs as a user would run it (a fresh process per run); the selection time is what the tool
reports for its selection, the process time is the wall clock of the whole command. Every tool's
seeds are then judged by one independent estimator: CyNetDiff (PyPI), 10,000 IC simulations on the
same arcs and probabilities, the same random stream for every seed set.

The peers are built outside the repository (never committed; see ../shared/bench/README.md):
``PEERS/opim/OPIM1.1/opim`` and ``PEERS/subsim/subsim``. Absent peers are skipped. They read a
relabelled copy of the graph (ids 0..n-1, the arcs and probabilities `seeding` reads); under
weighted cascade SUBSIM gets its own WC setting, so its subset sampling applies.

    python benchmarks/bench_peers.py --peers ../peers [--data ../shared/data] [--k 50] [--eps 0.01] [--runs 3]

Set PYTHONDONTWRITEBYTECODE= (empty) for the first run if your environment sets it: a normal install
has its bytecode compiled, and `seeding`'s process time should not include compiling it.
"""

from __future__ import annotations

import argparse
import array
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import seeding

GRAPHS = [("nethept-wc.txt", None), ("soc-Epinions1.txt.gz", "wc")]


def judge(graph, seeds, simulations):
    """Mean IC spread of ``seeds`` (graph indices) by CyNetDiff."""
    from cynetdiff.models import IndependentCascadeModel

    sim = IndependentCascadeModel(array.array("I", graph.indptr[:-1].astype(np.uint32)),
                                  array.array("I", graph.indices.astype(np.uint32)),
                                  activation_probs=array.array("f", graph.p.astype(np.float32)), rng=7)
    sim.set_seeds([int(s) for s in seeds])
    total = 0
    for _ in range(simulations):
        sim.reset_model()
        sim.advance_until_completion()
        total += sim.get_num_activated_nodes()
    return total / simulations


class Peers:
    """The peers' binaries and a work folder holding the relabelled graph."""

    def __init__(self, root: Path, graph, wc: bool) -> None:
        self.opim = root / "opim" / "OPIM1.1" / "opim"
        self.subsim = root / "subsim" / "subsim"
        self.work = Path(tempfile.mkdtemp(prefix="seeding-peers-"))
        self.wc = wc
        info = self.work / "graphInfo"
        info.mkdir()
        src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
        with open(info / "g", "w") as fh:
            fh.write(f"{graph.n} {graph.m}\n")
            fh.writelines(f"{u} {v} {p!r}\n" for u, v, p in zip(src.tolist(), graph.indices.tolist(),
                                                                 graph.p.tolist(), strict=True))
        with open(info / "gw", "w") as fh:
            fh.write(f"{graph.n} {graph.m}\n")
            fh.writelines(f"{u} {v}\n" for u, v in zip(src.tolist(), graph.indices.tolist(), strict=True))
        if self.opim.exists():
            self._run([self.opim, "-func=0", "-gname=g", "-mode=w"])
        if self.subsim.exists():
            name, dist = ("gw", "wc") if wc else ("g", "weights")
            self._run([self.subsim, "-func=format", f"-gname={name}", f"-pdist={dist}"])

    def _run(self, cmd):
        # The peers' exit status is not meaningful (OPIM's formatter exits 1 on success): their output is.
        return subprocess.run([str(c) for c in cmd], cwd=self.work, capture_output=True, text=True)

    def tools(self):
        return [t for t, path in (("opim-c", self.opim), ("subsim", self.subsim)) if path.exists()]

    def run(self, tool, k, eps):
        """(seed indices, selection seconds, process seconds)."""
        if tool == "opim-c":
            cmd = [self.opim, "-func=1", "-gname=g", "-alg=opim-c", "-mode=2", f"-seedsize={k}", f"-eps={eps}",
                   "-model=IC", "-pdist=load"]
        else:
            cmd = [self.subsim, "-func=im", f"-gname={'gw' if self.wc else 'g'}", f"-seedsize={k}", f"-eps={eps}"]
        start, start_epoch = time.perf_counter(), time.time() - 1
        out = self._run(cmd)
        wall = time.perf_counter() - start
        found = re.search(r"Time \(sec\):\s*([0-9.eE+-]+)", out.stdout)
        files = sorted((p for p in self.work.rglob("seed_*") if p.is_file()), key=os.path.getmtime)
        if not found or not files or os.path.getmtime(files[-1]) < start_epoch:
            raise SystemExit(f"{tool} failed: {out.stdout[-300:]}{out.stderr[-300:]}")
        seeds = [int(x) for x in files[-1].read_text().split()][:k]
        return seeds, float(found.group(1)), wall

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)


def seeding_run(path, probability, graph, k, eps, rng):
    cmd = ["seeding", "optimize", str(path), "-k", str(k), "--eps", str(eps), "--rng", str(rng), "--json"]
    if probability:
        cmd += ["--probability", probability]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    result = json.loads(out.stdout)
    runtime = result["runtime_s"]
    choose = runtime["choose"] if isinstance(runtime, dict) else runtime
    return graph.index_of(result["seeds"]).tolist(), choose, wall, result["details"].get("bound_s", 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--peers", type=Path, default=here.parent / "peers")
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--eps", default="0.01", help="comma-separated eps of the peers (and of seeding's OPIM-C)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--simulations", type=int, default=10_000, help="CyNetDiff simulations per seed set")
    args = parser.parse_args()

    print(f"k = {args.k}; medians of {args.runs} runs; spread: mean of the runs' seeds judged by CyNetDiff "
          f"({args.simulations:,} IC simulations)")
    print(f"{'graph':22} {'tool':8} {'eps':>5} {'spread':>9} {'select s':>9} {'process s':>10} "
          f"{'spread/peer':>12} {'select/peer':>12} {'process/peer':>13} {'select*/peer':>13}")
    for name, probability in GRAPHS:
        path = args.data / name
        if not path.exists():
            print(f"{name}: not found under {args.data}; skipped")
            continue
        graph = seeding.read_graph(path, probability=probability)
        peers = Peers(args.peers.resolve(), graph, wc=probability == "wc")
        try:
            for eps in [float(e) for e in args.eps.split(",")]:
                rows = {}
                for tool in ["seeding", *peers.tools()]:
                    runs = [seeding_run(path, probability, graph, args.k, eps, r + 1) if tool == "seeding"
                            else peers.run(tool, args.k, eps) for r in range(args.runs)]
                    spread = statistics.fmean(judge(graph, seeds, args.simulations) for seeds, *_ in runs)
                    rows[tool] = (spread, statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs))
                    if tool == "seeding":  # the same runs, up to the seeds: without the Lagrangian bound after them
                        rows["seeding*"] = (spread, statistics.median(r[1] - r[3] for r in runs), rows[tool][2])
                ours = rows["seeding"]
                for tool, (spread, select, process) in rows.items():
                    ratios = "" if tool.startswith("seeding") else \
                        f" {ours[0] / spread:12.4f} {ours[1] / select:12.2f} {ours[2] / process:13.2f}" \
                        f" {rows['seeding*'][1] / select:13.2f}"
                    print(f"{name:22} {tool:8} {eps:5g} {spread:9.1f} {select:9.3f} {process:10.3f}{ratios}",
                          flush=True)
        finally:
            peers.close()
    print("ratios: seeding / peer (spread above 1 is better, times below 1 are faster)")
    print("seeding*: the same runs, selection up to the final seeds (sampling, greedy and OPIM-C's own bounds, as the\n"
          "peers report theirs), without the Lagrangian tightening of the upper bound on the optimum that follows")


if __name__ == "__main__":
    main()
