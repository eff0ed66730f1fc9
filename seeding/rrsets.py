"""Reverse-reachable (RR) sets: sampling, coverage and the RIS spread estimate.

An RR set is the set of nodes that reach a random root in a random live-edge
world. For any seed set ``S``, ``W * Pr[S meets a random RR set]`` equals the
expected spread of ``S`` (Borgs, Brautbar, Chayes, Lucier 2014), where ``W`` is
the number of nodes, or the total node weight when roots are drawn by weight.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from . import _cover, _edges, _kernels
from ._interrupt import Pace, alongside, in_chunks
from .errors import SeedingError
from .graph import Graph
from .models import arc_values, check_model, live_edge_arrays
from .spread import Z95, SpreadEstimate

__all__ = ["RRSets", "RRSampler"]

_RR_STEP = 256  # RR sets per thread in a kernel chunk's first step


@dataclasses.dataclass(frozen=True, eq=False)
class RRSets:
    """A collection of RR sets stored flat: ``nodes[offsets[i]:offsets[i + 1]]`` is set ``i``.

    Attributes
    ----------
    nodes : ndarray of int32
    offsets : ndarray of int64, shape (count + 1,)
    n : int
        Number of nodes of the graph.
    total_weight : float
        ``W``: the spread represented by a set covered with certainty.
    model : str
    """

    nodes: np.ndarray
    offsets: np.ndarray
    n: int
    total_weight: float
    model: str

    @property
    def count(self) -> int:
        """Number of RR sets."""
        return int(self.offsets.shape[0] - 1)

    @property
    def nbytes(self) -> int:
        """Memory held by the sets."""
        return int(self.nodes.nbytes + self.offsets.nbytes)

    @property
    def mean_size(self) -> float:
        """Average number of nodes per set."""
        return self.nodes.shape[0] / max(self.count, 1)

    def __add__(self, other: RRSets) -> RRSets:
        """Concatenate two collections sampled from the same graph and model."""
        offsets = np.concatenate([self.offsets[:-1], other.offsets + self.offsets[-1]])
        nodes = np.concatenate([self.nodes, other.nodes])
        return dataclasses.replace(self, nodes=nodes, offsets=offsets)

    def head(self, count: int) -> RRSets:
        """The first ``count`` sets (views, no copy)."""
        count = max(0, min(int(count), self.count))
        return dataclasses.replace(
            self, nodes=self.nodes[: self.offsets[count]], offsets=self.offsets[: count + 1]
        )

    def covered(self, seeds: np.ndarray) -> int:
        """Number of sets that contain at least one of the node indices ``seeds``."""
        return self.covered_by_each(seeds)[0]

    def covered_by_each(self, *seed_sets: np.ndarray) -> list[int]:
        """:meth:`covered` of each of up to eight seed sets, in one pass over the sets."""
        if not 1 <= len(seed_sets) <= 8:
            raise ValueError(f"one to eight seed sets, not {len(seed_sets)}")
        if self.count == 0:
            return [0] * len(seed_sets)
        mask = np.zeros(self.n, dtype=np.uint8)
        for bit, seeds in enumerate(seed_sets):
            mask[np.asarray(seeds, dtype=np.int64)] |= np.uint8(1 << bit)
        return _cover.count_hits(self.nodes, self.offsets, mask, len(seed_sets))

    def estimate(self, seeds: np.ndarray) -> SpreadEstimate:
        """Unbiased spread estimate ``W * covered / count`` with a 95% CI (see :func:`rr_estimate`)."""
        return rr_estimate(self.covered(seeds), self.count, self.total_weight, self.model)

    def greedy(self, k: int, *, allowed: np.ndarray | None = None,
               n_threads: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
        """Greedy max coverage: ``(seeds, gains, bound)``, see ``_kernels.max_cover`` (the same on any
        number of threads)."""
        mask = np.zeros(0, dtype=np.uint8) if allowed is None else np.ascontiguousarray(allowed, np.uint8)
        seeds, gains, bound = _kernels.max_cover(self.nodes, self.offsets, self.n, int(k), mask, int(n_threads))
        keep = seeds >= 0
        return seeds[keep], gains[keep], int(bound)


def rr_estimate(hits: int, count: int, total_weight: float, model: str) -> SpreadEstimate:
    """Spread estimate from ``hits`` of ``count`` RR sets: ``W * hits / count``.

    The 95% interval is Wilson's score interval for the binomial fraction ``hits /
    count``: unlike the normal one it keeps its coverage near 0 and 1 (a set
    covered by every sample so far is not certainly covered).
    """
    frac = hits / count
    mean = total_weight * frac
    stderr = total_weight * math.sqrt(frac * (1.0 - frac) / count) if count > 1 else float("nan")
    z2 = Z95 * Z95 / count
    centre = (frac + z2 / 2.0) / (1.0 + z2)
    half = Z95 / (1.0 + z2) * math.sqrt(frac * (1.0 - frac) / count + z2 / (4.0 * count))
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return SpreadEstimate(mean, stderr, total_weight * low, total_weight * high, count, model, "rr")


class RRSampler:
    """Samples RR sets of one graph under one diffusion model.

    RR set ``i`` depends only on ``(run_seed, i)``: the same sets come out
    whatever the number of threads and however the indices are split into calls.

    Parameters
    ----------
    graph : Graph
        With arc values set. Node weights, if any, make roots be drawn in
        proportion to weight (targeted campaigns).
    model : {"ic", "lt"}

    Examples
    --------
    >>> g = Graph.from_edges([0, 1], [1, 2], [1.0, 1.0])
    >>> sets = RRSampler(g, "ic").sample(1000, run_seed=1)
    >>> sets.estimate(np.array([0])).mean  # node 0 reaches everyone
    3.0
    """

    def __init__(self, graph: Graph, model: str) -> None:
        self.graph = graph
        self.model = check_model(model)
        self.rr_nodes, self.rr_pool, self.in_thr = _rr_tables(graph, self.model)
        # Sets a second of the last chunks of each kernel: a later call starts at that pace.
        self._sample_pace, self._hits_pace = Pace(), Pace()
        if graph.node_weights is None:
            self.root_cdf = np.zeros(0)
            self.total_weight = float(graph.n)
        else:
            cdf = np.cumsum(graph.node_weights)
            self.total_weight = float(cdf[-1])
            cdf /= cdf[-1]
            cdf[-1] = 1.0
            self.root_cdf = cdf

    def hits(self, seeds: np.ndarray, count: int, *, run_seed: int, first: int = 0, n_threads: int = 1) -> int:
        """How many of the sets :meth:`sample` would return meet ``seeds`` (nothing stored)."""
        g = self.graph
        mask = np.zeros(g.n, dtype=np.uint8)
        mask[np.asarray(seeds, dtype=np.int64)] = 1

        def run(start: int, size: int) -> int:
            return int(_kernels.count_rr_hits(
                self.rr_nodes, self.rr_pool, g.in_indices, self.in_thr, self.model == "lt", self.root_cdf, mask,
                run_seed, start, size, int(n_threads),
            ))

        return sum(in_chunks(run, int(first), int(count), step=_RR_STEP * n_threads, start=_RR_STEP * n_threads,
                             pace=self._hits_pace))

    def estimate(self, seeds: np.ndarray, count: int, *, run_seed: int, n_threads: int = 1) -> SpreadEstimate:
        """Spread of ``seeds`` on ``count`` fresh RR sets, each stopped once it meets a seed.

        Equal to ``self.sample(count, run_seed=run_seed).estimate(seeds)``, in less
        time and no memory.
        """
        hits = self.hits(seeds, count, run_seed=run_seed, n_threads=n_threads)
        return rr_estimate(hits, int(count), self.total_weight, self.model)

    def sample(self, count: int, *, run_seed: int, first: int = 0, n_threads: int = 1,
               after: RRSets | None = None) -> RRSets:
        """RR sets ``first .. first + count - 1`` of the stream ``run_seed`` (following the sets ``after``
        when given: ``after + sample(...)`` with one copy, not two)."""
        g = self.graph

        def run(start: int, size: int) -> tuple[np.ndarray, np.ndarray]:
            return _kernels.sample_rr_sets(
                self.rr_nodes, self.rr_pool, g.in_indices, self.in_thr, self.model == "lt", self.root_cdf,
                run_seed, start, size, int(n_threads),
            )

        # In chunks (Ctrl-C); set i depends only on (run_seed, i), so the result is the same.
        parts = list(in_chunks(run, int(first), int(count), step=_RR_STEP * n_threads, start=_RR_STEP * n_threads,
                               pace=self._sample_pace))
        if after is not None:
            parts.insert(0, (after.nodes, after.offsets))
        nodes, offsets = _join_sets(parts)
        return RRSets(nodes, offsets, g.n, self.total_weight, self.model)


# Kinds of node of the RR kernels (layout in ``_kernels.pyx``).
_RR_TABLE, _RR_LOG, _RR_ALL, _RR_COIN = 0, 1, 2, 3
_RR_TABLE_MAX_DEG = 256  # larger geometric nodes jump with log(): their tables would miss the cache
_RR_BUCKET_BITS = 8  # a table's guesses: one per 2**-8 of the draw's range (``RR_GUESS_*`` in the kernel)
_RR_BUCKETS = 1 << _RR_BUCKET_BITS


def _rr_tables(graph: Graph, model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``(rr_nodes, rr_pool, in_thr)`` arrays of the RR kernels (layout in ``_kernels.pyx``).

    IC: a node whose in-arcs share one probability ``p < 1`` jumps geometrically,
    with thresholds ``floor((1 - p)**j * 2**53)`` in a pool shared by the nodes of
    equal ``p`` (a handful of short tables under weighted cascade); one whose
    in-arcs all have ``p >= 1`` keeps them all; any other flips a coin per arc.
    LT: the upper ends of the in-arc intervals.
    """
    n = graph.n
    deg = graph.in_degree
    # The reverse CSR (the kernels' in-arcs) is built on a second thread while the tables are laid out:
    # they need only the in-degrees.
    reverse = alongside(lambda: graph.in_arcs)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=indptr[1:])
    if n and (indptr[-1] >= 2**62 or deg.max() >= 2**32):
        raise SeedingError(f"graph too large for the RR kernels: {indptr[-1]} arcs")
    kind = np.full(n, _RR_COIN, dtype=np.uint64)
    off = np.zeros(n, dtype=np.uint64)
    pool = np.zeros(0, dtype=np.uint64)
    if model == "lt":
        order = reverse()
        lo, width, _ = live_edge_arrays(graph, "lt")
        in_thr = np.ascontiguousarray((lo + width)[order])
    else:
        values = np.asarray(arc_values(graph, "ic"), dtype=np.float64)
        in_thr = np.zeros(0, dtype=np.uint64)
        if graph.m:
            kind, table, table_p, longest, pmin = _edges.rr_kinds(graph.indices, values, deg, _RR_TABLE_MAX_DEG)
            # One table per distinct p, as long as the largest in-degree using it.
            tables, starts_t = _geometric_tables(np.log1p(-table_p), longest)
            small = np.flatnonzero(table >= 0)
            off[small] = starts_t[table[small]]
            # Large nodes: (1 - p)**deg, then log(1 - p).
            big = np.flatnonzero(kind == _RR_LOG)
            q = np.log1p(-pmin[big])
            extra = np.empty((big.shape[0], 2), dtype=np.uint64)
            extra[:, 0] = _threshold(q * deg[big])
            extra[:, 1] = q.view(np.uint64)
            off[big] = starts_t[-1] + 2 * np.arange(big.shape[0], dtype=np.uint64)
            pool = np.concatenate([tables, extra.ravel()])
            # Coins: floor(p * 2**53) in in-arc order, for the nodes of mixed p only.
            coin = np.flatnonzero((kind == _RR_COIN) & (deg > 0))
            if coin.shape[0]:
                width = live_edge_arrays(graph, "ic")[1]
                in_thr = _edges.coin_thresholds(indptr, reverse(), width, coin.astype(np.int64))
            if pool.shape[0] >= 2**32:
                raise SeedingError(f"graph too large for the RR kernels: {pool.shape[0]} thresholds")
    reverse()  # built, and any error it met raised
    rr_nodes = np.empty((n, 2), dtype=np.uint64)
    rr_nodes[:, 0] = indptr[:-1].astype(np.uint64) | (kind << np.uint64(62))
    rr_nodes[:, 1] = deg.astype(np.uint64) | (off << np.uint64(32))
    return rr_nodes, pool, in_thr


def _geometric_tables(log_q: np.ndarray, longest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pool entries of the ``_RR_TABLE`` probabilities ``p`` (``log_q = log(1 - p)``), back to back, and
    where each starts (one more: the end).

    Each entry: ``_RR_BUCKETS`` 16-bit guesses (packed in words), then ``P[j] = floor((1 -
    p)**j * 2**53)`` for ``j = 0 .. longest`` and a 0. Guess ``b`` is the gap ``J(r) =
    max{j: P[j] > r}`` at the top of bucket ``b`` (53-bit draws ``r`` with ``r >> 45 ==
    b``): ``J`` does not increase with ``r``, so in the bucket it is the guess or a
    little more, and only where a threshold splits the bucket, which bit 15 of the guess
    says (``longest`` stays below ``2**15``: tables serve in-degrees up to
    ``_RR_TABLE_MAX_DEG``). The guesses are read off the thresholds themselves, so they
    are exact.
    """
    n_tables = log_q.shape[0]
    words = _RR_BUCKETS // 4
    sizes = words + longest + 2
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(longest + 1)])[:-1]  # where each table's P[0] is in ``thr``
    owner = np.repeat(np.arange(n_tables), longest + 1)
    j = np.arange(owner.shape[0]) - first[owner]
    thr = _threshold(log_q[owner] * j)
    guess = np.empty((n_tables, _RR_BUCKETS), dtype=np.uint16)
    _edges.table_guesses(thr, first.astype(np.int64), longest.astype(np.int64), _RR_BUCKET_BITS, guess)
    pool = np.zeros(starts[-1], dtype=np.uint64)
    pool[(starts[:-1, None] + np.arange(words)).ravel()] = guess.view(np.uint64).ravel()
    pool[np.repeat(starts[:-1] + words, longest + 1) + j] = thr
    return pool, starts


def _threshold(log_prob: np.ndarray) -> np.ndarray:
    """``floor(exp(log_prob) * 2**53)`` as uint64: a 53-bit draw below it has that probability."""
    return np.floor(np.ldexp(np.exp(log_prob), 53)).astype(np.uint64)


def _join_sets(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``(nodes, offsets)`` pieces of consecutive RR sets."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, np.int32), np.zeros(1, np.int64)
    nodes = np.concatenate([p[0] for p in parts])
    ends = np.cumsum([p[0].shape[0] for p in parts])
    offsets = np.concatenate(
        [p[1][:-1] + (ends[i - 1] if i else 0) for i, p in enumerate(parts)] + [np.array([ends[-1]], np.int64)]
    )
    return nodes, offsets
