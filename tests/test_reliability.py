"""Issue 11: damaged caches, interrupted runs, hostile inputs and silent overwrites."""

from __future__ import annotations

import bz2
import contextlib
import dataclasses
import errno
import gzip
import importlib
import json
import lzma
import os
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import warnings
import zipfile

import networkx as nx
import numpy as np
import psutil
import pytest
from click.testing import CliRunner

import seeding
import seeding._interrupt
import seeding.cli
import seeding.io
from seeding import _kernels, read_graph
from seeding._interrupt import alongside, interrupt_scope, solve_interruptibly
from seeding._rng import max_jobs
from seeding.cli import main
from seeding.compare import run_instance
from seeding.coverage_model import Constraints, ShrunkInstance, build_model, solve_model
from seeding.errors import SeedingWarning
from seeding.generate import rmat_edges, write_rmat
from seeding.instance import Instance, unique_names
from seeding.io import cache_path
from seeding.models import live_edge_arrays
from seeding.rrsets import RRSampler
from seeding.spread import simulate_indices

compare_module = importlib.import_module("seeding.compare")  # seeding.compare is the function


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_red_line(result, message):
    """Exit status 2, one line on stderr that contains ``message``, no traceback."""
    assert result.exit_code == 2, (result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.fixture
def graph_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("1 2 0.5\n2 3 0.5\n3 4 0.5\n1 4 0.2\n")
    return path


# ------------------------------------------------------------------ 1. --default-cost
def test_optimize_default_cost_fills_unlisted_nodes(graph_file, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("1,3\n2,1\n")  # nodes 3 and 4 are not listed
    base = ["optimize", graph_file, "--costs", costs, "--budget", 2, "--rng", 1, "--json"]
    missing = run(*base)
    one_red_line(missing, "--default-cost")
    result = run(*base, "--default-cost", 1, "--method", "cost-celf")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cost"] <= 2 and 1 not in data["seeds"]


# --------------------------------------------------------------- 2, 3. the binary cache
def _edge_file(tmp_path, text="1 2 0.5\n2 3 0.25\n3 1 0.125\n"):
    path = tmp_path / "e.txt"
    path.write_text(text)
    return path


def _cached(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sound cache is read without a word
        return read_graph(path, cache=True)


def _member_middle(path, name):
    """Offset of the middle byte of one array's data inside a (stored, uncompressed) .npz file."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name + ".npy")
    data = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return start + info.compress_size - 8  # inside the last value, past the .npy header


@pytest.mark.parametrize(
    "damage", ["truncated", "empty", "garbage", "flip-indptr", "flip-indices", "flip-p", "flip-labels", "flip-key"]
)
def test_damaged_cache_is_rebuilt_with_a_warning(tmp_path, damage):
    src = _edge_file(tmp_path)
    fresh = read_graph(src, cache=True)
    target = cache_path(src, False)
    data = bytearray(target.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    elif damage == "garbage":
        data = bytearray(b"PK\x03\x04" + b"\x00" * 200)
    else:
        data[_member_middle(target, damage[5:])] ^= 0x10
    target.write_bytes(bytes(data))
    with pytest.warns(SeedingWarning, match=r"damaged cache .*rebuilding it"):
        again = read_graph(src, cache=True)
    assert "cache" not in again.info
    assert again.p.tolist() == fresh.p.tolist() and again.indices.tolist() == fresh.indices.tolist()
    assert "cache" in _cached(src).info  # rebuilt: the next read uses it


def test_any_bit_flip_gives_the_right_graph(tmp_path):
    src = _edge_file(tmp_path)
    fresh = read_graph(src, cache=True)
    target = cache_path(src, False)
    clean = target.read_bytes()
    for offset in range(0, len(clean), 7):  # zip metadata that nothing reads may flip unnoticed; data may not
        flipped = bytearray(clean)
        flipped[offset] ^= 0x04
        target.write_bytes(bytes(flipped))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeedingWarning)
            graph = read_graph(src, cache=True)
        assert graph.p.tolist() == fresh.p.tolist() and graph.indices.tolist() == fresh.indices.tolist()
        assert graph.indptr.tolist() == fresh.indptr.tolist() and graph.labels.tolist() == fresh.labels.tolist()


def test_damaged_cache_on_the_command_line_is_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(seeding.io, "CACHE_MIN_BYTES", 0)
    src = _edge_file(tmp_path)
    assert run("spread", src, "--seeds", 1, "--simulations", 64).exit_code == 0
    cache_path(src, False).write_bytes(b"")
    result = run("spread", src, "--seeds", 1, "--simulations", 64, "--rng", 1)
    assert result.exit_code == 0, result.output
    assert "spread" in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged cache" in lines[0] and "Traceback" not in result.stderr


def test_same_size_edit_with_mtime_restored_is_seen(tmp_path):
    src = _edge_file(tmp_path)
    assert read_graph(src, cache=True).p.tolist() == [0.5, 0.25, 0.125]
    assert "cache" in _cached(src).info
    st = src.stat()
    src.write_text("1 2 0.9\n2 3 0.25\n3 1 0.125\n")  # same size, as `cp -p` or `rsync -t` would leave it
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert src.stat().st_size == st.st_size and src.stat().st_mtime_ns == st.st_mtime_ns
    edited = _cached(src)
    assert "cache" not in edited.info and edited.p.tolist()[0] == 0.9
    assert _cached(src).p.tolist()[0] == 0.9  # the cache now holds the edited graph


def test_cache_for_another_format_version_is_rebuilt_silently(tmp_path, monkeypatch):
    src = _edge_file(tmp_path)
    read_graph(src, cache=True)
    monkeypatch.setattr(seeding.io, "CACHE_VERSION", seeding.io.CACHE_VERSION + 1)
    assert "cache" not in _cached(src).info
    assert "cache" in _cached(src).info


def test_failed_cache_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    src = _edge_file(tmp_path)

    def disk_full(fh, arrays):
        fh.write(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(seeding.io, "_save_arrays", disk_full)
    with pytest.warns(SeedingWarning, match="cannot write the cache .No space left on device"):
        graph = read_graph(src, cache=True)
    assert graph.m == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.txt"]


def test_failed_cache_write_on_the_command_line_still_prints_the_result(tmp_path, monkeypatch):
    src = _edge_file(tmp_path)
    monkeypatch.setattr(seeding.io, "CACHE_MIN_BYTES", 0)

    def disk_full(fh, arrays):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(seeding.io, "_save_arrays", disk_full)
    result = run("spread", src, "--seeds", 1, "--simulations", 64, "--rng", 1, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["n_arcs"] == 3
    assert "cannot write the cache" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.txt"]


def test_cache_path_that_is_a_directory(tmp_path):
    src = _edge_file(tmp_path)
    cache_path(src, False).mkdir()
    with pytest.warns(SeedingWarning, match="is not a file"):
        assert read_graph(src, cache=True).m == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.txt", "e.txt.seeding.npz"]
    assert cache_path(src, False).is_dir()


def test_cache_takes_the_source_permission_bits(tmp_path):
    src = _edge_file(tmp_path)
    for mode in (0o640, 0o604):
        os.chmod(src, mode)
        src.write_text(src.read_text() + "1 3 0.5\n" * (mode == 0o604))
        read_graph(src, cache=True)
        assert stat.S_IMODE(cache_path(src, False).stat().st_mode) == mode


def test_cache_keeps_lt_weights_and_info(tmp_path):
    g = seeding.Graph.from_edges([1, 2, 3], [2, 3, 1], [0.5, 0.25, 0.125], lt_weights=[0.3, 0.2, 1.0])
    g = dataclasses.replace(g, info={"self_loops": 2, "merged": 1})
    src = _edge_file(tmp_path)
    target = cache_path(src, False)
    key = seeding.io._cache_key(src.stat().st_size, seeding.io.source_digest(src))
    seeding.io._write_cache(target, g, key, 0o644)
    back = seeding.io._read_cache(target, src.stat().st_size, lambda: seeding.io.source_digest(src))
    assert back.lt_weights.tolist() == [0.3, 0.2, 1.0] and back.p.tolist() == [0.5, 0.25, 0.125]
    assert back.info["self_loops"] == 2 and back.info["merged"] == 1
    plain = dataclasses.replace(g, lt_weights=None, p=None)
    seeding.io._write_cache(target, plain, key, 0o644)
    back = seeding.io._read_cache(target, src.stat().st_size, lambda: seeding.io.source_digest(src))
    assert back.lt_weights is None and back.p is None


# ------------------------------------------------------------- 8. tracebacks -> exit 2
def test_graphml_with_a_string_probability(tmp_path):
    G = nx.DiGraph()
    G.add_edge("a", "b", p="high")
    G.add_edge("b", "c", p="0.5")
    path = tmp_path / "g.graphml"
    nx.write_graphml(G, path)
    one_red_line(run("spread", path, "--seeds", "a"), "g.graphml: edge ('a', 'b') has p = 'high', not a number")
    gml = tmp_path / "g.gml"
    nx.write_gml(G, gml)
    one_red_line(run("spread", gml, "--seeds", "a"), "g.gml: edge ('a', 'b') has p = 'high', not a number")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("must = [[1, 2]]", "must = [[1, 2]]: expected a list of node labels (integers or strings); [1, 2] is not one"),
        ("never = [{a = 1}]", "never = [{'a': 1}]: expected a list of node labels"),
        ("quotas = [1]", "quotas = [1]: expected a list of strings"),
        ("max_seeds = 0", "max_seeds must be >= 1; got 0"),
    ],
)
def test_instance_lists_of_the_wrong_shape(graph_file, tmp_path, line, message):
    toml = tmp_path / "c.toml"
    toml.write_text(f'graph = "g.txt"\ncosts = "uniform"\nbudget = 2\n{line}\n')
    one_red_line(run("optimize", toml), f"c.toml: {message}")


def test_must_label_that_is_a_list_in_the_api(graph_file):
    g = read_graph(graph_file)
    with pytest.raises(seeding.SeedingError, match=r"node \[1, 2\] is not in the graph"):
        seeding.select_seeds(g, 2.0, "uniform", must=[[1, 2]])


def test_astronomic_costs_give_the_answer_of_scaled_costs(graph_file):
    g = read_graph(graph_file)
    costs = np.array([3.0, 1.0, 1.0, 2.0])
    for method in ("mip", "cp-sat", "cost-celf"):
        for scale in (1e300, 1e-300):
            plain = seeding.select_seeds(g, 3.0, costs, method=method, rng=5, min_samples=2000, n_evaluation=1000)
            huge = seeding.select_seeds(g, 3.0 * scale, costs * scale, method=method, rng=5, min_samples=2000,
                                        n_evaluation=1000)
            assert huge.seeds == plain.seeds and huge.status == plain.status, (method, scale)


@pytest.mark.parametrize("method", ["mip", "cp-sat"])
def test_one_unaffordable_node_leaves_no_solver_log(graph_file, tmp_path, method):
    costs = tmp_path / "c.csv"
    costs.write_text("1,1e300\n2,1\n3,1\n4,1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "seeding.cli", "optimize", str(graph_file), "--costs", str(costs), "--budget", "2",
         "--method", method, "--rng", "1", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # SCIP's "coefficient ... is infinite" went straight to fd 2
    data = json.loads(proc.stdout)
    assert 1 not in data["seeds"] and data["cost"] <= 2
    assert not data["status"].startswith("heuristic")


# ------------------------------------------------------------------------ 9. --jobs
def test_jobs_is_bounded(graph_file):
    limit = max_jobs()
    for command in (["spread", graph_file, "--seeds", 1], ["optimize", graph_file, "-k", 1]):
        one_red_line(run(*command, "--jobs", 65536), f"--jobs must be at most {limit}")
    assert run("spread", graph_file, "--seeds", 1, "--simulations", 64, "--jobs", limit).exit_code == 0
    with pytest.raises(seeding.SeedingError, match=f"n_jobs must be at most {limit}"):
        seeding.estimate_spread(read_graph(graph_file), [1], n_jobs=limit + 1)


# ------------------------------------------------------- 10. misleading acceptance
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-seeds", 0], "--max-seeds must be a positive integer (at most this many seeds); got 0"),
        (["--max-seeds", -1], "--max-seeds must be a positive integer (at most this many seeds); got -1"),
        (["--groups", "{groups}", "--quota", "a=1:2", "--quota", "a=0:1"],
         "group 'a' has two quotas ('a=1:2' and 'a=0:1'); give one per group"),
        (["--never", "1,2,3,4"], "all 4 nodes are never-seed: there is no node left to choose"),
    ],
)
def test_budgeted_options_that_cannot_mean_anything(graph_file, tmp_path, args, message):
    groups = tmp_path / "groups.csv"
    groups.write_text("1,a\n2,a\n3,b\n4,b\n")
    args = [str(a).format(groups=groups) for a in args]
    one_red_line(run("optimize", graph_file, "--costs", "uniform", "--budget", 2, *args), message)


def test_max_seeds_in_the_api_is_checked_like_k(graph_file):
    inst = Instance(path=None, graph=graph_file, costs="uniform", budget=2.0, max_seeds=0)
    with pytest.raises(seeding.SeedingError, match="max_seeds must be a positive integer"):
        run_instance(inst, rng=1)


def test_ids_too_large_to_read_exactly(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("1 2\n9007199254740993 1\n")
    one_red_line(run("spread", path, "--seeds", 1), "big.txt:2: node ids must be below 2**53")
    path.write_text("1 2\n1.5 1\n")
    one_red_line(run("spread", path, "--seeds", 1), "big.txt:2: node ids must be integers")


def test_a_very_wide_line_reports_its_real_width(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_text("1 2 0.5\n" + " ".join(["3"] * 100_000) + "\n")
    one_red_line(run("spread", path, "--seeds", 1), "wide.txt:2: expected 2 or 3 columns (u v [p]); got 100,000:")


# ------------------------------------------------------------ 5. silent overwrites
def test_unique_names():
    assert unique_names(["x/a/g.txt", "x/b/g.txt", "h.toml", "h.toml"]) == ["a-g", "b-g", "h", "h-2"]
    assert unique_names(["p/a/g.txt", "q/a/g.txt.gz"]) == ["p-a-g", "q-a-g"]
    assert unique_names(["d/g.txt", "d/g.toml"]) == ["g.txt", "g.toml"]
    assert unique_names(["a/g.txt", "b/g.txt", "a-g.txt"]) == ["a-g", "b-g", "a-g-2"]
    assert unique_names(["one.txt", "two.txt"]) == ["one", "two"]


@pytest.fixture
def two_same_names(tmp_path):
    paths = []
    for folder, text in (("a", "1 2 1.0\n2 3 1.0\n"), ("b", "7 8 1.0\n")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "g.txt"
        path.write_text(text)
        paths.append(path)
    return paths


def test_batch_output_dir_keeps_both_results(two_same_names, tmp_path):
    out = tmp_path / "out"
    result = run("optimize", *two_same_names, "-k", 1, "--rng", 1, "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a-g.json", "b-g.json"]
    assert json.loads((out / "a-g.json").read_text())["seeds"] == [1]
    assert json.loads((out / "b-g.json").read_text())["seeds"] == [7]


def test_compare_labels_instances_of_the_same_name_apart(two_same_names, tmp_path):
    out = tmp_path / "cmp"
    result = run("compare", *two_same_names, "--methods", "degree", "-k", 1, "--rng", 1, "--simulations", 100,
                 "--output-dir", out)
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [(r["instance"], r["seeds"]) for r in rows] == [("a-g", [1]), ("b-g", [7])]
    assert (out / "plot-a-g-k-spread.png").exists() and (out / "plot-b-g-k-spread.png").exists()


@pytest.mark.parametrize("option", ["--output", "--seeds-out"])
def test_outputs_never_overwrite_an_input(graph_file, tmp_path, option):
    before = graph_file.read_text()
    one_red_line(run("optimize", graph_file, "-k", 1, option, graph_file), f"{option} '{graph_file}' is an input file")
    assert graph_file.read_text() == before
    costs = tmp_path / "costs.csv"
    costs.write_text("1,1\n2,1\n3,1\n4,1\n")
    one_red_line(run("optimize", graph_file, "--costs", costs, "--budget", 1, option, costs), "is an input file")
    assert costs.read_text() == "1,1\n2,1\n3,1\n4,1\n"
    toml = tmp_path / "c.toml"
    toml.write_text('graph = "g.txt"\nk = 1\n')
    one_red_line(run("optimize", toml, option, graph_file), "is an input file")  # named by the instance
    one_red_line(run("optimize", toml, option, toml), "is an input file")
    link = tmp_path / "link.txt"
    link.symlink_to(graph_file)
    one_red_line(run("optimize", link, "-k", 1, option, graph_file), "is an input file")
    assert graph_file.read_text() == before


def test_spread_output_and_two_outputs_in_one_file(graph_file, tmp_path):
    before = graph_file.read_text()
    one_red_line(run("spread", graph_file, "--seeds", 1, "--output", graph_file), "is an input file")
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("1\n")
    one_red_line(run("spread", graph_file, "--seeds-file", seeds, "--output", seeds), "is an input file")
    out = tmp_path / "both.txt"
    one_red_line(run("optimize", graph_file, "-k", 1, "--output", out, "--seeds-out", out),
                 "--output and --seeds-out are the same file")
    assert graph_file.read_text() == before and seeds.read_text() == "1\n" and not out.exists()


def test_compare_output_dir_never_overwrites_an_input(tmp_path):
    graph = tmp_path / "results.csv"
    graph.write_text("1 2 1.0\n")
    one_red_line(run("compare", graph, "--methods", "degree", "-k", 1, "--output-dir", tmp_path), "is an input file")
    assert graph.read_text() == "1 2 1.0\n"


# ------------------------------------------------- 6. Ctrl-C before the first compare row
def test_compare_interrupted_before_its_first_row_keeps_earlier_results(graph_file, tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    first = run("compare", graph_file, "--methods", "degree", "-k", 1, "--rng", 1, "--simulations", 100,
                "--output-dir", out)
    assert first.exit_code == 0, first.output
    earlier = {name: (out / name).read_bytes() for name in ("results.csv", "results.json", "report.md")}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(compare_module, "run_instance", interrupted)
    result = run("compare", graph_file, "--methods", "degree", "-k", 2, "--rng", 1, "--output-dir", out)
    assert result.exit_code == 130
    assert "before the first run finished" in result.stderr
    assert {name: (out / name).read_bytes() for name in earlier} == earlier
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files


def test_compare_interrupted_later_keeps_the_new_rows(graph_file, tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    real = compare_module.run_instance
    calls = []

    def second_interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_module, "run_instance", second_interrupted)
    result = run("compare", graph_file, "--methods", "degree,pagerank", "-k", 1, "--rng", 1, "--simulations", 100,
                 "--output-dir", out)
    assert result.exit_code == 130 and "the 1 finished runs are in" in result.stderr
    data = json.loads((out / "results.json").read_text())
    assert [r["method"] for r in data["rows"]] == ["degree"] and "interrupted after 1 of 2 runs" in data["notes"]


# -------------------------------------------------------------- 7. Ctrl-C within a second
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")


def _interrupt_cli(args, *, threads_before_signal, settle_s=1.0, limit_s=8.0):
    """Start the CLI, wait until it runs ``threads_before_signal`` OS threads (the long phase), send SIGINT.

    Returns (returncode, seconds from SIGINT to exit, stdout, stderr).
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "seeding.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while len(os.listdir(f"/proc/{proc.pid}/task")) < threads_before_signal:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached its long phase"
            time.sleep(0.02)
        time.sleep(settle_s)
        assert proc.poll() is None, "the run ended before the interrupt: make it longer"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=limit_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {limit_s} s after SIGINT")
        return proc.returncode, time.monotonic() - sent, out, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@needs_proc
def test_ctrl_c_stops_monte_carlo_spread_at_once(tmp_path):
    graph = tmp_path / "r.txt"
    write_rmat(graph, 14, 8, rng=1)
    # 10**8 simulations of a dense cascade: hours in one kernel call; its threads mark the start.
    rc, waited, out, err = _interrupt_cli(
        ["spread", graph, "--seeds", "1,2,3", "--probability", "uniform:0.5", "--simulations", 10**8,
         "--jobs", 2, "--rng", 1],
        threads_before_signal=2,
    )
    assert rc == 130, err
    assert waited < 8.0
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err


def test_chunked_simulation_is_bit_identical(monkeypatch):
    g = seeding.with_probability(seeding.Graph.from_edges(*rmat_edges(9, 8, rng=2)), "uniform:0.3")
    seeds = np.array([0, 5, 9], dtype=np.int32)
    lo, width, by_target = live_edge_arrays(g, "ic")
    whole = _kernels.simulate(g.indptr, g.indices, lo, width, by_target, seeds, np.zeros(0), 77, 128, 5000, 2)
    monkeypatch.setattr(seeding._interrupt, "CHUNK_SECONDS", 0.0)  # every chunk as small as allowed
    calls = []
    real = _kernels.simulate

    def counted(*args):
        calls.append(args[-2])
        return real(*args)

    monkeypatch.setattr(_kernels, "simulate", counted)
    chunked = simulate_indices(g, seeds, model="ic", n_simulations=5000, run_seed=77, n_threads=2, first_world=128)
    assert len(calls) > 10 and sum(calls) == 5000
    assert np.array_equal(whole, chunked)


def test_chunked_rr_sampling_is_identical(monkeypatch):
    g = seeding.with_probability(seeding.Graph.from_edges(*rmat_edges(9, 8, rng=3)), "wc")
    sampler = RRSampler(g, "ic")
    whole = sampler.sample(20_000, run_seed=9, first=300, n_threads=2)
    hits = sampler.hits(np.arange(20), 20_000, run_seed=9, first=300, n_threads=2)
    monkeypatch.setattr(seeding._interrupt, "CHUNK_SECONDS", 0.0)
    chunked = sampler.sample(20_000, run_seed=9, first=300, n_threads=2)
    assert np.array_equal(whole.nodes, chunked.nodes) and np.array_equal(whole.offsets, chunked.offsets)
    assert sampler.hits(np.arange(20), 20_000, run_seed=9, first=300, n_threads=2) == hits
    assert hits == whole.covered(np.arange(20))


def test_chunks_start_at_the_pace_the_last_call_measured(monkeypatch):
    pace = seeding._interrupt.Pace()
    calls = []

    def run(first, size):
        calls.append((first, size))
        time.sleep(0.002)  # long enough to be timed
        return size

    assert sum(seeding._interrupt.in_chunks(run, 10, 5000, step=10, start=10, pace=pace)) == 5000
    assert calls[0] == (10, 10) and pace.per_second > 0
    measured = pace.per_second
    calls.clear()
    assert sum(seeding._interrupt.in_chunks(run, 0, 10**6, step=10, start=10, pace=pace)) == 10**6
    assert sum(n for _, n in calls) == 10**6 and calls[-1][0] + calls[-1][1] == 10**6
    first = max(10, int(measured * seeding._interrupt.CHUNK_SECONDS)) // 10 * 10
    assert calls[0] == (0, min(first, 10**6))
    assert all(a + n == b for (a, n), (b, _) in zip(calls[:-1], calls[1:], strict=True))  # tiled in order
    # A sampler that knows its pace samples in fewer calls, and the same sets.
    g = seeding.with_probability(seeding.Graph.from_edges(*rmat_edges(9, 8, rng=3)), "wc")
    sampler = RRSampler(g, "ic")
    whole = sampler.sample(20_000, run_seed=9, first=300, n_threads=2)
    kernel_calls = []
    real = _kernels.sample_rr_sets
    monkeypatch.setattr(_kernels, "sample_rr_sets", lambda *a: kernel_calls.append(a[8]) or real(*a))
    sampler._sample_pace.per_second = 1e9
    again = sampler.sample(20_000, run_seed=9, first=300, n_threads=2)
    assert kernel_calls == [20_000]
    assert np.array_equal(whole.nodes, again.nodes) and np.array_equal(whole.offsets, again.offsets)


def _hard_knapsack(n=300, rows=60):
    """A multi-dimensional knapsack that no solver closes in minutes; any solution is feasible."""
    rng = np.random.default_rng(0)
    inst = ShrunkInstance(candidates=np.arange(n, dtype=np.int32), row_members=np.zeros(0, np.int32),
                          row_offsets=np.zeros(1, np.int64), row_weights=np.zeros(0),
                          singleton=rng.integers(1, 100, n).astype(float), constant=0.0, stats={})
    extra = []
    for j in range(rows):
        cost = np.zeros(n)
        cost[rng.choice(n, 30, replace=False)] = rng.integers(1, 30, 30)
        extra.append((f"b{j}", cost, 50.0))
    cons = Constraints(costs=rng.integers(1, 30, n).astype(float), budget=400.0, must=np.zeros(0, np.int32),
                       never=np.zeros(0, np.int32), extra=extra)
    return inst, cons


@pytest.mark.parametrize("backend", ["mip", "cp-sat"])
def test_ctrl_c_stops_a_solver_with_its_best_solution(backend):
    inst, cons = _hard_knapsack()
    model = build_model(inst, cons, backend)
    workers = 1 if backend == "mip" else 2  # SCIP's concurrent mode (2+) may stop by itself within a second
    in_solve = threading.Event()
    late = []

    def handler(signum, frame):
        if in_solve.is_set():
            raise KeyboardInterrupt
        late.append(signum)  # never let a stray signal stop the test session

    old = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(1.0, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    try:
        with interrupt_scope() as scope:
            in_solve.set()
            timer.start()
            began = time.monotonic()
            outcome = solve_model(model, inst, time_limit=300, workers=workers)
            took = time.monotonic() - began
            in_solve.clear()
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert not late, "the solver finished before the interrupt"
    assert scope.absorbed and took < 6.0
    assert outcome.status == "feasible" and outcome.objective > 0
    assert cons.is_feasible(inst.candidates[outcome.chosen])
    # later solves in the same scope stop at once and return what they have
    with interrupt_scope() as scope:
        scope.absorbed = True
        began = time.monotonic()
        solve_model(build_model(inst, cons, backend), inst, time_limit=300, workers=workers)
        assert time.monotonic() - began < 6.0


@needs_proc
def test_ctrl_c_stops_a_budgeted_solve_and_shows_the_best_found(tmp_path):
    rng = np.random.default_rng(3)
    n, m = 2000, 8000
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    graph = tmp_path / "hard.txt"
    graph.write_text("".join(f"{a} {b} 0.25\n" for a, b in zip(u, v, strict=True) if a != b))
    costs = tmp_path / "costs.csv"
    costs.write_text("".join(f"{i},{c / 10}\n" for i, c in enumerate(rng.integers(10, 100, n))))
    # An unreachable target and a long limit: minutes of sampling, bounds and solver. Ctrl-C comes
    # in whichever phase runs after a few seconds (the solver's own stop is tested in process below).
    rc, waited, out, err = _interrupt_cli(
        ["optimize", graph, "--costs", costs, "--budget", 100, "--time-limit", 600, "--target-ratio", 0.999,
         "--jobs", 1, "--rng", 1],
        threads_before_signal=1, settle_s=4.0,
    )
    assert rc == 130, err
    assert waited < 8.0
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    if "solver was stopped early" in last:  # the usual case: the run ends with the best selection found
        assert "cost " in out and "status feasible" in out
    else:
        assert last == "interrupted"


def _solve_stopped_by_ctrl_c():
    """What a solve does when Ctrl-C comes: the signal arrives while it runs; it returns its best."""
    stopped = threading.Event()

    def solve():
        time.sleep(0.3)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        assert stopped.wait(30)
        return "best so far"

    return solve_interruptibly(solve, stopped.set)


def test_solve_interruptibly_returns_the_best_and_records_it():
    with interrupt_scope() as outer:
        with interrupt_scope() as inner:
            assert _solve_stopped_by_ctrl_c() == ("best so far", True)
        assert inner.absorbed
    assert outer.absorbed  # an outer scope (the command) learns of it
    with interrupt_scope() as plain:
        assert solve_interruptibly(lambda: 7, lambda: None) == (7, False)
    assert not plain.absorbed

    def failing():
        raise ValueError("solver failed")

    with pytest.raises(ValueError, match="solver failed"):
        solve_interruptibly(failing, lambda: None)


@pytest.mark.parametrize("where", ["main", "helper"])
def test_a_solve_past_its_deadline_is_stopped_without_counting_as_interrupted(where):
    # A solver that runs over its own time limit (SCIP does, by seconds) is stopped at the deadline
    # through the same call as Ctrl-C, on any thread; the run records no interrupt.
    stopped = threading.Event()

    def solve():
        assert stopped.wait(30)
        return "best by the deadline"

    out = {}

    def call():
        start = time.perf_counter()
        out["result"] = solve_interruptibly(solve, stopped.set, deadline=start + 0.3)
        out["took"] = time.perf_counter() - start

    with interrupt_scope() as scope:
        if where == "main":
            call()
        else:
            helper = threading.Thread(target=call)
            helper.start()
            helper.join(30)
    assert out["result"] == ("best by the deadline", False)
    assert 0.3 <= out["took"] < 2.0
    assert not scope.absorbed


def test_alongside_runs_beside_the_caller_and_hands_back_its_result_or_error():
    started, release = threading.Event(), threading.Event()

    def work():
        started.set()
        assert release.wait(5)
        return threading.current_thread().name

    result = alongside(work)
    assert started.wait(5)  # running while the caller goes on
    release.set()
    assert result() == "seeding-alongside"

    def failing():
        raise ValueError("shrink failed")

    with pytest.raises(ValueError, match="shrink failed"):
        alongside(failing)()


def test_optimize_exits_130_after_showing_the_best_found(graph_file, monkeypatch):
    real = compare_module.run_instance

    def interrupted_run(*args, **kwargs):
        _solve_stopped_by_ctrl_c()
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_module, "run_instance", interrupted_run)
    result = run("optimize", graph_file, graph_file, "-k", 1, "--rng", 1, "--json")
    assert result.exit_code == 130
    assert len([line for line in result.stdout.splitlines() if line == "{"]) == 1  # the batch stopped
    assert json.loads(result.stdout)["seeds"] == [1]
    assert "stopped early" in result.stderr.strip().splitlines()[-1]


def test_compare_stops_after_the_row_whose_solver_was_interrupted(graph_file, tmp_path, monkeypatch):
    real = compare_module.run_instance
    calls = []

    def interrupted_run(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            _solve_stopped_by_ctrl_c()
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_module, "run_instance", interrupted_run)
    out = tmp_path / "cmp"
    result = run("compare", graph_file, "--methods", "degree,pagerank", "-k", 1, "--rng", 1, "--simulations", 64,
                 "--output-dir", out)
    assert result.exit_code == 130 and "the 1 finished runs are in" in result.stderr
    assert [r["method"] for r in json.loads((out / "results.json").read_text())["rows"]] == ["degree"]


# ------------------------------------------------------------------ 11. memory on input
@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
def test_decompression_bomb_is_refused_early(tmp_path, kind):
    compress = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[kind]
    member = compress(b"1 2\n" + b"0" * (1 << 20))  # each member: 1 MiB of text in about a kilobyte
    path = tmp_path / f"bomb.txt.{kind}"
    path.write_bytes(member * 1024)  # 1 GiB once decompressed
    tracemalloc.start()
    try:
        with pytest.raises(seeding.GraphFormatError, match="refusing a likely decompression bomb"):
            read_graph(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 << 20  # stopped after about 64 MiB, not after the whole gigabyte
    one_red_line(run("spread", path, "--seeds", 1), f"bomb.txt.{kind}: decompresses more than 100 times over")


def test_compressed_files_still_read_in_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(seeding.io, "_DECOMPRESS_CHUNK", 7)  # many small pieces
    text = "".join(f"{i} {i + 1} 0.5\n" for i in range(500))
    for name, opener in (("g.txt.gz", gzip.open), ("g.txt.bz2", bz2.open), ("g.txt.xz", lzma.open)):
        with opener(tmp_path / name, "wt") as fh:
            fh.write(text)
        g = read_graph(tmp_path / name)
        assert (g.n, g.m) == (501, 500)


# ------------------------------------------------------------ 12. local services on loopback
def _listening(processes):
    found = set()
    for proc in processes:
        try:
            for conn in proc.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.add((proc.pid, conn.laddr.ip, conn.laddr.port))
        except psutil.NoSuchProcess:
            continue
    return found


def test_local_cluster_listens_on_loopback_only():
    pytest.importorskip("distributed")
    from seeding.distributed import local_client

    me = psutil.Process()
    before = _listening([me])
    client = local_client(2)
    try:
        client.wait_for_workers(2, timeout=60)
        children = me.children(recursive=True)
        sockets = (_listening([me]) - before) | _listening(children)
        workers = client.scheduler_info()["workers"]
        addresses = [client.scheduler.address, *workers, *(w.get("nanny") for w in workers.values() if w.get("nanny"))]
        dashboard = client.dashboard_link
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    assert len(workers) == 2 and len(children) >= 2
    assert len({pid for pid, _, _ in sockets} - {me.pid}) >= 2  # the worker processes listen too
    assert sockets and all(ip in ("127.0.0.1", "::1") for _, ip, _ in sockets), sockets
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    assert dashboard is None or "127.0.0.1" in dashboard or "localhost" in dashboard


# ------------------------------------------------------------ 8. a Dask cluster that dies
def _tree(proc):
    try:
        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(procs):
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = p.cpu_times()
            total += times.user + times.system
    return total


@needs_proc
@pytest.mark.parametrize("lost", ["workers", "scheduler"])
def test_dask_cluster_lost_mid_run_is_one_line_naming_the_scheduler(tmp_path, lost):
    pytest.importorskip("distributed")
    graph = tmp_path / "r.txt"
    write_rmat(graph, 13, 8, rng=1)
    info = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(info)], **quiet)
    started = []
    try:
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert time.monotonic() < deadline and scheduler.poll() is None, "no scheduler"
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(info),
                                   "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], **quiet)
        started.append(worker)
        run_cli = subprocess.Popen(
            [sys.executable, "-m", "seeding.cli", "spread", str(graph), "--seeds", "0,1,5", "--probability",
             "uniform:0.5", "--simulations", str(10**8), "--scheduler", address],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        started.append(run_cli)
        base = None
        while True:  # until the worker is busy with the run's simulations
            assert time.monotonic() < deadline + 60 and run_cli.poll() is None, run_cli.communicate()
            used = _cpu(_tree(worker)[1:])
            base = used if base is None else base
            if used - base > 1.0:
                break
            time.sleep(0.1)
        victims = _tree(worker) if lost == "workers" else [psutil.Process(scheduler.pid)]
        for victim in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.kill()
        out, err = run_cli.communicate(timeout=90)
    finally:
        for proc in [*started, scheduler]:
            for p in reversed(_tree(proc)):
                with contextlib.suppress(psutil.NoSuchProcess):
                    p.kill()
            proc.wait(timeout=30)
    assert run_cli.returncode == 2, err
    lines = err.strip().splitlines()
    # Which loss the client sees first depends on timing (a killed worker can take the
    # scheduler's connection down with it): either way, one line naming the scheduler.
    assert len(lines) == 1, err
    assert lines[0] in (f"error: the Dask cluster at {address} cannot do the work: {gone}"
                        for gone in ("its workers are gone", "the scheduler is gone")), err


def test_cache_key_covers_reader_options(tmp_path):
    src = _edge_file(tmp_path)
    g = read_graph(src)
    target = cache_path(src, False)
    size, digest = src.stat().st_size, seeding.io.source_digest(src)
    seeding.io._write_cache(target, g, seeding.io._cache_key(size, digest, "header=auto"), 0o644)
    assert seeding.io._read_cache(target, size, lambda: digest, "header=auto").m == 3
    with pytest.raises(seeding.io._StaleCache):
        seeding.io._read_cache(target, size, lambda: digest, "header=none")
