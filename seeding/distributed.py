"""A ``dask.distributed`` backend for RR-set sampling, max coverage and Monte-Carlo evaluation.

The graph is scattered to the workers once. Work is split by index ranges: RR
set ``i`` and simulated world ``j`` depend only on ``(run seed, i)`` and
``(run seed, j)``, so a distributed run returns exactly what a local run returns
for the same ``rng``, however the ranges fall on workers.

The graph is broadcast to every worker, so it survives the loss of a worker as
long as another one holds it. RR sets stay where they were sampled. Greedy max coverage runs there too: each
chunk reports its per-node marginal coverage once, then after every pick only
the counts that pick lowered (sparse); the driver sums them, picks the node and
the next round tells every chunk which nodes are picked (as distributed IMM
implementations do) -- the RR sets never travel. Tasks are submitted with retries; a chunk's state is a pure function of
its range and of the picks so far, so a task re-run after a worker failure gives
the same answer.

Requires the ``distributed`` package (``pip install 'seeding-im[dask]'``, or ``pip install '.[dask]'`` in a checkout).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _cover, _kernels
from .errors import ClusterError
from .graph import Graph
from .models import check_model
from .rrsets import RRSampler, RRSets, rr_estimate
from .spread import SpreadEstimate, simulate_indices

__all__ = ["DistributedSampler", "DistributedRRSets", "simulate_distributed", "dask_runner", "local_client"]

RETRIES = 3
NO_WORKERS_GRACE_S = 30.0  # how long work may wait on a scheduler without workers before it fails


def _address(client: Any) -> str:
    try:
        return str(client.scheduler.address)
    except Exception:  # a client that never connected
        return "(unknown address)"


def _failure(exc: BaseException) -> str:
    """Why the cluster failed, in words."""
    text = str(exc) or type(exc).__name__
    if "scheduler-connection-lost" in text or type(exc).__name__ == "CommClosedError":
        return "the scheduler is gone"
    if "no valid workers" in text.lower() or type(exc).__name__ == "KilledWorker" or "forgotten" in text:
        return "its workers are gone"
    return " ".join(text.split())[:120]


@contextlib.contextmanager
def cluster_errors(client: Any) -> Iterator[None]:
    """Turn a lost scheduler or lost workers into one :class:`ClusterError` naming the scheduler."""
    try:
        yield
    except ClusterError:
        raise
    except (concurrent.futures.CancelledError, TimeoutError) as exc:  # FutureCancelledError, timeouts
        raise ClusterError(f"the Dask cluster at {_address(client)} cannot do the work: {_failure(exc)}") from None
    except Exception as exc:
        if type(exc).__name__ not in ("KilledWorker", "CommClosedError"):
            raise
        raise ClusterError(f"the Dask cluster at {_address(client)} cannot do the work: {_failure(exc)}") from None


def _workers(client: Any) -> int:
    return len(client.scheduler_info(n_workers=-1).get("workers", {}))


def _gather(client: Any, futures: list) -> list:
    """``client.gather`` that fails with a :class:`ClusterError` rather than waiting forever without workers."""
    from distributed import wait

    with cluster_errors(client):
        alone_since = None
        while True:
            try:
                wait(futures, timeout=2.0)
                break
            except TimeoutError:
                if _workers(client):
                    alone_since = None
                    continue
                now = time.monotonic()
                alone_since = alone_since or now
                if now - alone_since > NO_WORKERS_GRACE_S:
                    raise ClusterError(f"the Dask cluster at {_address(client)} cannot do the work: "
                                       f"no workers for {NO_WORKERS_GRACE_S:.0f} s") from None
        return client.gather(futures)


LOOPBACK = "127.0.0.1"


def local_client(n_workers: int, threads_per_worker: int = 1) -> Any:
    """A client on a new local cluster of ``n_workers`` processes.

    The scheduler, the workers, their nannies and the dashboard all listen on
    127.0.0.1 only (the dashboard on a free port): nothing is reachable from
    the network.
    """
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                           host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0")
    return Client(cluster)


def _ranges(first: int, count: int, chunks: int, align: int = 1) -> list[tuple[int, int]]:
    """Split ``[first, first + count)`` into about ``chunks`` ranges whose sizes are multiples of ``align``."""
    size = max(align, math.ceil(count / max(chunks, 1) / align) * align)
    return [(start, min(size, first + count - start)) for start in range(first, first + count, size)]


def _sampler(graph: Graph, model: str) -> RRSampler:
    """The worker's sampler for a scattered graph (built once per worker and model)."""
    key = ("rr_sampler", model)
    sampler = graph._cache.get(key)
    if sampler is None:
        sampler = graph._cache[key] = RRSampler(graph, model)
    return sampler


def _hits_chunk(graph: Graph, model: str, seeds: np.ndarray, run_seed: int, first: int, count: int) -> int:
    return _sampler(graph, model).hits(seeds, count, run_seed=run_seed, first=first, n_threads=1)


def _sample_chunk(graph: Graph, model: str, run_seed: int, first: int, count: int) -> RRSets:
    return _sampler(graph, model).sample(count, run_seed=run_seed, first=first, n_threads=1)


class _ChunkCoverage:
    """Coverage of one chunk's RR sets under the current picks (rebuilt from lineage if lost)."""

    def __init__(self, sets: RRSets) -> None:
        self.sets = sets
        self.coverage = _kernels.Coverage(sets.nodes, sets.offsets, np.ones(sets.count), sets.n)
        self.picked: list[int] = []
        self.last_delta: tuple[np.ndarray, np.ndarray] | None = None

    def __reduce__(self) -> tuple:
        # The coverage index is rebuilt where the state lands: it is a function of the sets and the picks.
        return (_rebuild_coverage, (self.sets, tuple(self.picked)))

    def catch_up(self, picks: tuple[int, ...]) -> None:
        """Apply the picks not applied yet (start over if these picks are another run's)."""
        if list(picks[: len(self.picked)]) != self.picked:
            self.__init__(self.sets)
        for v in picks[len(self.picked):]:
            self.last_delta = self.coverage.lower(v)
            self.picked.append(v)

    def report(self, picks: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
        """All gains for the first round; afterwards only what the last pick lowered (sparse)."""
        if not picks:
            self.catch_up(picks)
            return np.array(self.coverage.gains)
        if tuple(self.picked) != tuple(picks):
            if tuple(self.picked) != tuple(picks[:-1]):  # a retry or a lost state: replay up to the last pick
                self.__init__(self.sets)
                self.catch_up(picks[:-1])
            self.catch_up(picks)
        return self.last_delta


def _rebuild_coverage(sets: RRSets, picks: tuple[int, ...]) -> _ChunkCoverage:
    state = _ChunkCoverage(sets)
    state.catch_up(picks)
    return state


def _coverage_state(sets: RRSets) -> _ChunkCoverage:
    return _ChunkCoverage(sets)


def _report(state: _ChunkCoverage, picks: tuple[int, ...]) -> Any:
    return state.report(picks)


def _covered_by_each(sets: RRSets, seed_sets: tuple[np.ndarray, ...]) -> list[int]:
    return sets.covered_by_each(*seed_sets)


def _nbytes(sets: RRSets) -> tuple[int, int]:
    return sets.nbytes, int(sets.nodes.shape[0])


class DistributedRRSets:
    """RR sets held by Dask workers: a list of ``(first, count, future)`` chunks."""

    def __init__(self, client: Any, chunks: list, n: int, total_weight: float, model: str) -> None:
        self.client = client
        self.chunks = chunks
        self.n = n
        self.total_weight = total_weight
        self.model = model
        self._sizes: tuple[int, int] | None = None

    @property
    def count(self) -> int:
        return int(sum(c for _, c, _ in self.chunks))

    def _measure(self) -> tuple[int, int]:
        if self._sizes is None:
            parts = _gather(self.client, [self.client.submit(_nbytes, f, pure=False) for _, _, f in self.chunks])
            self._sizes = (sum(p[0] for p in parts), sum(p[1] for p in parts))
        return self._sizes

    @property
    def nbytes(self) -> int:
        return self._measure()[0]

    @property
    def mean_size(self) -> float:
        return self._measure()[1] / max(self.count, 1)

    def __add__(self, other: DistributedRRSets) -> DistributedRRSets:
        return DistributedRRSets(self.client, self.chunks + other.chunks, self.n, self.total_weight, self.model)

    def covered(self, seeds: np.ndarray) -> int:
        return self.covered_by_each(seeds)[0]

    def covered_by_each(self, *seed_sets: np.ndarray) -> list[int]:
        """:meth:`RRSets.covered_by_each`, each chunk on its worker."""
        seed_sets = tuple(np.asarray(s, dtype=np.int32) for s in seed_sets)
        futures = [self.client.submit(_covered_by_each, f, seed_sets, pure=False, retries=RETRIES)
                   for _, _, f in self.chunks]
        counts = [0] * len(seed_sets)
        for part in _gather(self.client, futures):
            counts = [a + int(b) for a, b in zip(counts, part, strict=True)]
        return counts

    def estimate(self, seeds: np.ndarray) -> SpreadEstimate:
        return rr_estimate(self.covered(seeds), self.count, self.total_weight, self.model)

    def greedy(self, k: int, *, allowed: np.ndarray | None = None,
               n_threads: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
        """Greedy max coverage with the chunks' counts summed each round; same answer as local.

        Ties go to the lowest node index, and the bound is OPIM-C's
        ``min over rounds of (covered + k largest marginal coverages)``, as in
        ``_kernels.max_cover``. ``n_threads`` is the local sets' option: each worker
        indexes its own chunks.
        """
        client = self.client
        states = [client.submit(_coverage_state, f, pure=False, retries=RETRIES) for _, _, f in self.chunks]
        free = np.ones(self.n, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
        picks: list[int] = []
        gains: list[int] = []
        covered = 0
        bound = math.inf
        total = np.zeros(self.n)
        for step in range(k + 1):
            # Round 0 sums the chunks' gains; later rounds only subtract what the last pick covered.
            parts = _gather(client, [client.submit(_report, st, tuple(picks), pure=False, retries=RETRIES)
                                     for st in states])
            if step == 0:
                total = np.sum(parts, axis=0)
            else:
                for changed, lowered in parts:
                    total[changed] -= lowered
            score = np.where(free, total, -1.0)
            bound = min(bound, covered + _cover.top_k(score, k)[0])
            if step == k:
                break
            best = int(np.argmax(score))
            if score[best] < 0:
                break
            picks.append(best)
            gains.append(int(round(total[best])))
            covered += gains[-1]
            free[best] = False
        client.cancel(states)
        return np.asarray(picks, dtype=np.int32), np.asarray(gains, dtype=np.int64), int(round(bound))


class DistributedSampler:
    """Samples RR sets on Dask workers; a drop-in for :class:`~seeding.rrsets.RRSampler`.

    Parameters
    ----------
    graph : Graph
    model : {"ic", "lt"}
    client : distributed.Client
    graph_future : Future, optional
        The graph already scattered (scattered here otherwise).
    """

    def __init__(self, graph: Graph, model: str, client: Any, graph_future: Any = None) -> None:
        self.graph = graph
        self.model = check_model(model)
        self.client = client
        self.graph_future = graph_future if graph_future is not None else scatter_graph(client, graph)
        w = graph.node_weights
        self.total_weight = float(graph.n if w is None else w.sum())
        with cluster_errors(client):
            self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    def sample(self, count: int, *, run_seed: int, first: int = 0, n_threads: int = 1,
               after: DistributedRRSets | None = None) -> DistributedRRSets:
        """RR sets ``first .. first + count - 1`` of the stream ``run_seed``, as chunks on the workers
        (following ``after``'s chunks when given)."""
        chunks = []
        for start, size in _ranges(first, count, 2 * self.workers):
            future = self.client.submit(
                _sample_chunk, self.graph_future, self.model, run_seed, start, size, pure=False, retries=RETRIES
            )
            chunks.append((start, size, future))
        sets = DistributedRRSets(self.client, chunks, self.graph.n, self.total_weight, self.model)
        return sets if after is None else after + sets


    def estimate(self, seeds: np.ndarray, count: int, *, run_seed: int, n_threads: int = 1) -> SpreadEstimate:
        """Spread of ``seeds`` on fresh RR sets counted on the workers (same as locally)."""
        seeds = np.asarray(seeds, dtype=np.int32)
        futures = [
            self.client.submit(_hits_chunk, self.graph_future, self.model, seeds, run_seed, start, size,
                               pure=False, retries=RETRIES)
            for start, size in _ranges(0, count, 2 * self.workers)
        ]
        return rr_estimate(int(sum(_gather(self.client, futures))), int(count), self.total_weight, self.model)


def scatter_graph(client: Any, graph: Graph) -> Any:
    """Send the graph to every worker once; returns its future."""
    with cluster_errors(client):
        return client.scatter(graph, broadcast=True, hash=False)


def _simulate_chunk(graph: Graph, seeds: np.ndarray, model: str, run_seed: int, first: int, count: int) -> np.ndarray:
    return simulate_indices(graph, seeds, model=model, n_simulations=count, run_seed=run_seed,
                            n_threads=1, first_world=first)


def simulate_distributed(client: Any, graph: Graph, seeds: np.ndarray, *, model: str, n_simulations: int,
                         run_seed: int, graph_future: Any = None) -> np.ndarray:
    """Per-world spreads computed on the workers; identical to :func:`seeding.spread.simulate_indices`."""
    gf = graph_future if graph_future is not None else scatter_graph(client, graph)
    with cluster_errors(client):
        workers = max(1, len(client.scheduler_info().get("workers", {})))
    futures = [
        client.submit(_simulate_chunk, gf, np.asarray(seeds, np.int32), model, run_seed, start, size,
                      pure=False, retries=RETRIES)
        for start, size in _ranges(0, n_simulations, 2 * workers, align=64)
    ]
    return np.concatenate(_gather(client, futures))


def dask_runner(client: Any) -> Callable[..., np.ndarray]:
    """A ``runner`` for :func:`seeding.estimate_spread` that simulates on the workers of ``client``.

    ``seeding.estimate_spread(g, seeds, rng=1, runner=dask_runner(client))`` gives the
    same estimate as a local run with ``rng=1``.
    """
    def run(graph: Graph, seeds: np.ndarray, *, model: str, n_simulations: int, run_seed: int) -> np.ndarray:
        return simulate_distributed(client, graph, seeds, model=model, n_simulations=n_simulations,
                                    run_seed=run_seed)

    return run
