from __future__ import annotations

import os
import time

import numpy as np
import pytest
from click.testing import CliRunner

import seeding
from seeding.cli import main
from seeding.distributed import dask_runner
from seeding.generate import rmat_edges, write_rmat
from seeding.io import cache_path


def test_rmat_is_reproducible_and_skewed():
    u1, v1 = rmat_edges(10, 8, rng=3)
    u2, v2 = rmat_edges(10, 8, rng=3)
    assert np.array_equal(u1, u2) and np.array_equal(v1, v2)
    assert u1.shape == (8 * 1024,) and 0 <= u1.min() and max(u1.max(), v1.max()) < 1024
    deg = np.bincount(u1, minlength=1024)
    assert deg.max() > 10 * deg.mean()  # R-MAT's heavy tail
    assert not np.array_equal(u1, rmat_edges(10, 8, rng=4)[0])
    with pytest.raises(seeding.SeedingError, match="scale"):
        rmat_edges(0)


def test_generate_command_and_reader(tmp_path):
    out = tmp_path / "r.txt.gz"
    result = CliRunner().invoke(main, ["generate", "rmat", str(out), "--scale", "8", "--edge-factor", "4",
                                       "--rng", "1"])
    assert result.exit_code == 0 and "1,024 arcs" in result.output
    g = seeding.read_graph(out)
    assert g.m + g.info["self_loops"] + g.info["merged"] == 1024


def test_binary_cache_is_reused_and_refreshed(tmp_path):
    src = tmp_path / "g.txt"
    write_rmat(src, 9, 4, rng=2)
    first = seeding.read_graph(src, cache=True)
    assert cache_path(src, False).exists() and "cache" not in first.info
    second = seeding.read_graph(src, cache=True)
    assert second.info["cache"] == str(cache_path(src, False))
    assert np.array_equal(first.indptr, second.indptr) and np.array_equal(first.labels, second.labels)
    time.sleep(0.01)
    src.write_text("1 2 0.5\n2 3 0.5\n")  # changed source: the cache must not be used
    third = seeding.read_graph(src, cache=True)
    assert (third.n, third.m) == (3, 2) and "cache" not in third.info
    assert seeding.read_graph(src, cache=False).m == 2


def test_memory_cap_stops_sampling_and_reports(tmp_path):
    g = seeding.with_probability(seeding.Graph.from_edges(*rmat_edges(11, 8, rng=1)), "wc")
    full = seeding.maximize_influence(g, 10, rng=1, n_evaluation=20_000)
    capped = seeding.maximize_influence(g, 10, rng=1, n_evaluation=20_000, max_memory="1M")
    assert not full.details["stopped_by_memory"] and capped.details["stopped_by_memory"]
    assert capped.details["rr_bytes"] <= 1 << 20
    assert capped.details["rr_sets"] < full.details["rr_sets"]
    assert 0 < capped.approx_ratio <= 1
    with pytest.raises(seeding.SeedingError, match="max_memory must be a size"):
        seeding.maximize_influence(g, 10, max_memory="lots")


distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address="127.0.0.1:0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def mid_graph():
    return seeding.with_probability(seeding.Graph.from_edges(*rmat_edges(10, 8, rng=5)), "wc")


@pytest.mark.parametrize("method", ["opim-c", "imm"])
def test_dask_backend_gives_the_local_answer(client, mid_graph, method):
    local = seeding.maximize_influence(mid_graph, 8, method=method, rng=7, n_evaluation=30_000, n_jobs=1)
    remote = seeding.maximize_influence(mid_graph, 8, method=method, rng=7, n_evaluation=30_000, client=client)
    assert remote.seeds == local.seeds and remote.gains == local.gains
    assert remote.spread == local.spread
    if method == "opim-c":  # the Lagrangian tightening needs the sets in one place: local runs only
        assert remote.details["greedy_upper_bound"] == local.details["greedy_upper_bound"]
        assert remote.upper_bound == local.details["greedy_upper_bound"] >= local.upper_bound
    else:
        assert remote.upper_bound == local.upper_bound


def test_dask_monte_carlo_matches_local(client, mid_graph):
    seeds = mid_graph.label_of([0, 1, 2])
    for model in ("ic", "lt"):
        local = seeding.simulate(mid_graph, seeds, model=model, n_simulations=1000, rng=3)
        remote = seeding.simulate(mid_graph, seeds, model=model, n_simulations=1000, rng=3,
                                  runner=dask_runner(client))
        assert np.array_equal(local, remote)


def _kill_first_sampling_worker(marker):
    """A worker plugin: the first worker to start an RR-sampling task dies there, once.

    The class is made inside a function so that Dask ships it by value
    (cloudpickle): the worker processes cannot import this test module. The
    victim writes its pid and the task's key to ``marker``, created
    atomically, and exits at once; workers that find the marker (other
    workers, and the one the nanny starts in place of the victim) live.
    """
    class KillFirstSamplingWorker(distributed.WorkerPlugin):
        name = "kill-first-sampling-worker"

        def transition(self, key, start, finish, **kwargs):
            if finish != "executing" or not str(key).startswith("_sample_chunk-"):
                return
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.write(fd, f"{os.getpid()} {key}".encode())
            os.close(fd)
            os._exit(1)

    return KillFirstSamplingWorker()


def test_worker_killed_during_sampling_is_retried_without_changing_the_result(mid_graph, tmp_path):
    local = seeding.maximize_influence(mid_graph, 5, rng=11, n_evaluation=5000, min_samples=20_000)
    marker = tmp_path / "killed"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as c:
        c.register_plugin(_kill_first_sampling_worker(marker))
        remote = seeding.maximize_influence(mid_graph, 5, rng=11, n_evaluation=5000, min_samples=20_000, client=c)
        alive = set(c.run(os.getpid).values())
    pid, key = marker.read_text().split()  # a worker did die, as it started a sampling task
    assert key.startswith("_sample_chunk-") and int(pid) not in alive
    assert remote.seeds == local.seeds and remote.spread == local.spread
