"""Issue 11: damaged caches, interrupted runs, hostile inputs and silent overwrites."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import stat
import struct
import warnings
import zipfile

import pytest
from click.testing import CliRunner

import seeding
import seeding.io
from seeding import read_graph
from seeding.cli import main
from seeding.errors import SeedingWarning
from seeding.io import cache_path


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
