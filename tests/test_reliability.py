"""Issue 11: damaged caches, interrupted runs, hostile inputs and silent overwrites."""

from __future__ import annotations

import dataclasses
import errno
import importlib
import json
import os
import stat
import struct
import subprocess
import sys
import warnings
import zipfile

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

import seeding
import seeding.io
from seeding import read_graph
from seeding._rng import max_jobs
from seeding.cli import main
from seeding.compare import run_instance
from seeding.errors import SeedingWarning
from seeding.instance import Instance, unique_names
from seeding.io import cache_path

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
