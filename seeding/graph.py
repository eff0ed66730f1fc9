"""The one graph type of `seeding`: an immutable directed graph in CSR form.

Nodes are indexed ``0 .. n-1``; the original labels (ints or strings) are kept
for input and output. Each arc carries one value ``p``: its activation
probability under Independent Cascade, and its influence weight under Linear
Threshold unless separate ``lt_weights`` are given.
"""

from __future__ import annotations

import dataclasses
import mmap
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _edges
from ._rng import available_cores
from .errors import SeedingError

if TYPE_CHECKING:  # networkx is imported where it is used: startup stays fast
    import networkx as nx

__all__ = ["Graph", "as_graph"]


def _index_labels(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct labels and the index of every endpoint (a direct table for dense ids)."""
    both = np.concatenate([src, dst])
    m = src.shape[0]
    if both.dtype.kind in "iu" and both.size and both.min() >= 0 and both.max() < max(4 * both.size, 1 << 16):
        present = np.zeros(int(both.max()) + 1, dtype=bool)
        present[both] = True
        remap = np.cumsum(present) - 1
        index = remap[both]
        return np.flatnonzero(present), index[:m], index[m:]
    labels, inverse = np.unique(both, return_inverse=True)
    return labels, inverse[:m].astype(np.int64), inverse[m:].astype(np.int64)


_BUCKET_ARCS = 1 << 17  # arcs per bucket of the CSR sorts, at least (a bucket and its scratch stay in cache)
_MAX_BUCKETS = 64  # ... and at most this many buckets: a pass that fills more at once is slower
_SUB_ARCS = 1 << 17  # a larger bucket is sorted in parts of about this many arcs
_STEP_ARCS = 1 << 22  # arcs per compiled call: Python handles Ctrl-C between calls
_DIRECT_REVERSE_ARCS = 1 << 21  # up to this many arcs, the reverse CSR in one pass (a fraction of a Ctrl-C step)


def _load_threads(n_threads: int | None) -> int:
    """Threads for loading: the given number, else the available cores (at most 8: memory-bound work)."""
    return max(1, int(n_threads)) if n_threads is not None else min(8, available_cores())


def _mapped_empty(size: int, dtype: Any, *, huge_pages: bool = True) -> np.ndarray:
    """An uninitialised 1-d array in an anonymous memory mapping of its own.

    Its memory goes back to the system when the last reference goes (malloc may
    keep a freed block of a few MiB), and without transparent huge pages only
    the pages written count: an array filled at many places at once (buckets)
    holds little more than what was written so far.
    """
    dtype = np.dtype(dtype)
    mapping = mmap.mmap(-1, max(1, size * dtype.itemsize))
    if not huge_pages and hasattr(mmap, "MADV_NOHUGEPAGE"):
        mapping.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(mapping, dtype=dtype, count=size)


def _node_steps(indptr: np.ndarray, arcs: int) -> list[tuple[int, int]]:
    """Consecutive node ranges of about ``arcs`` arcs each (at least one node each)."""
    n = indptr.shape[0] - 1
    steps = []
    first = 0
    while first < n:
        last = int(np.searchsorted(indptr, indptr[first] + arcs, side="right")) - 1
        last = min(n, max(last, first + 1))
        steps.append((first, last))
        first = last
    return steps


def _buckets(indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Buckets of consecutive nodes with about equal numbers of arcs: ``(bounds, starts, bucket, shift)``.

    Bucket ``b`` holds nodes ``bounds[b]:bounds[b + 1]`` (at most 65536: a node
    within its bucket fits 16 bits) and arcs ``starts[b]:starts[b + 1]``; node
    ``a`` is in bucket ``bucket[a >> shift]`` (bounds are multiples of
    ``2**shift``, so that this table stays small).
    """
    n, m = indptr.shape[0] - 1, int(indptr[-1])
    shift = max(0, int(n).bit_length() - 16)
    n_buckets = max(1, min(-(-m // _BUCKET_ARCS), _MAX_BUCKETS))
    bounds = np.searchsorted(indptr, (np.arange(1, n_buckets, dtype=np.int64) * m) // n_buckets)
    bounds = (np.clip(bounds, 0, n) >> shift) << shift
    bounds = np.sort(np.concatenate([[0], bounds, np.arange(0, n, 1 << 16), [n]]))
    # Distinct values (np.unique would import numpy.ma, 10 ms of every run's start).
    bounds = bounds[np.concatenate([[True], bounds[1:] != bounds[:-1]])].astype(np.int32)
    blocks = -(-bounds.astype(np.int64) // (1 << shift))
    bucket = np.repeat(np.arange(bounds.shape[0] - 1, dtype=np.uint16), np.diff(blocks))
    return bounds, np.ascontiguousarray(indptr[bounds]), bucket, shift


def _bucket_extent(starts: np.ndarray, bounds: np.ndarray) -> tuple[int, int]:
    """The most arcs and the most nodes of any bucket: the per-thread scratch of a bucket sort."""
    sizes = np.diff(starts)
    widest = max(int(sizes.max()) if sizes.size else 0, 1)
    return widest, max(int(np.diff(bounds).max()) if bounds.shape[0] > 1 else 0, 1)


def _bucket_steps(starts: np.ndarray, arcs: int) -> list[tuple[int, int]]:
    """Consecutive bucket ranges of about ``arcs`` arcs each."""
    steps = []
    first = 0
    while first < starts.shape[0] - 1:
        last = int(np.searchsorted(starts, starts[first] + arcs, side="right")) - 1
        last = min(starts.shape[0] - 1, max(last, first + 1))
        steps.append((first, last))
        first = last
    return steps


def _arc_csr(
    parts: list, n: int, *, counted: tuple[np.ndarray, int] | None = None, n_threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, int, int]:
    """CSR arrays from arcs in pieces ``(u, v, p, w)``: self-loops dropped, parallel arcs merged.

    Returns ``(indptr, indices, p, w, self_loops, merged)``: arcs sorted by
    ``(source, target)``, ties kept in input order and then merged (``p`` as
    ``1 - prod(1 - p_i)``, ``w`` summed; without ``w`` input, merging derives
    ``w`` as the sum of the ``p``). ``parts`` is consumed piece by piece.
    ``counted``: the out-degrees (at ``[1:]`` of an array of ``n + 1``) and the
    number of self-loops, when the caller counted them already.

    The sort holds each arc once besides the pieces that remain: a first stable
    pass appends arcs to buckets of consecutive sources, in memory without huge
    pages, so it fills as the pieces are freed; each bucket (about
    _BUCKET_ARCS arcs) is then sorted in cache, by target (radix passes) and by
    source (a counting pass into its CSR positions), on several threads.
    """
    threads = _load_threads(n_threads)
    with_p = any(part[2] is not None for part in parts)
    with_w = any(part[3] is not None for part in parts)
    empty = np.zeros(0)
    if counted is None:
        indptr = np.zeros(n + 1, dtype=np.int64)
        loops = 0
        for u, v, _, _ in parts:
            loops += _edges.count_arcs(u, v, indptr[1:])
    else:
        indptr, loops = counted
    np.cumsum(indptr, out=indptr)
    m = int(indptr[-1])
    bounds, starts, bucket, shift = _buckets(indptr)
    cursor = starts[:-1].copy()
    U = _mapped_empty(m, np.uint16, huge_pages=False)
    V = _mapped_empty(m, np.int32, huge_pages=False)
    P = _mapped_empty(m, np.float64, huge_pages=False) if with_p else empty
    W = _mapped_empty(m, np.float64, huge_pages=False) if with_w else empty
    for i in range(len(parts)):
        u, v, p, w = parts[i]
        parts[i] = None  # the last reference: freed once placed
        for a in range(0, u.shape[0], _STEP_ARCS):
            b = a + _STEP_ARCS
            _edges.bucket_arcs(u[a:b], v[a:b], empty if p is None else p[a:b], empty if w is None else w[a:b],
                               bucket, shift, bounds, cursor, U, V, P, W)
        del u, v, p, w
    del bucket, cursor
    widest, rows = _bucket_extent(starts, bounds)
    su = np.empty((threads, widest), dtype=np.uint16)
    sv = np.empty((threads, widest), dtype=np.int32)
    sp = np.empty((threads, widest) if with_p else (1, 1))
    sw = np.empty((threads, widest) if with_w else (1, 1))
    count = np.empty((threads, 2049), dtype=np.int64)
    cursors = np.empty((threads, rows), dtype=np.int64)
    n_bits = max(int(n - 1).bit_length(), 1)
    for first, last in _bucket_steps(starts, _STEP_ARCS * threads):
        _edges.sort_buckets(starts, bounds, indptr, n_bits, U, V, P, W, first, last, su, sv, sp, sw, count,
                            cursors, threads, _SUB_ARCS)
    del U, su, sv, sp, sw, count, cursors
    group_starts, group_sizes = _edges.duplicate_groups(indptr, V)
    merged = int(group_sizes.sum() - group_sizes.shape[0])
    p_out = P if with_p else None
    w_out = W if with_w else None
    if merged:
        members = np.repeat(group_starts - np.cumsum(group_sizes) + group_sizes, group_sizes)
        members += np.arange(members.shape[0])
        offsets = np.cumsum(group_sizes) - group_sizes
        derived_w = False
        if p_out is not None and w_out is None:
            # LT weights of parallel arcs add up (the chance that v picks one of them);
            # IC probabilities do not. Keep the sum for LT: a sum above 1 is reported
            # when LT is asked for, while IC stays usable.
            w_out = p_out.copy()
            derived_w = True
        if p_out is not None:
            p_out[group_starts] = 1.0 - np.multiply.reduceat(1.0 - p_out[members], offsets)
        if w_out is not None:
            w_out[group_starts] = np.add.reduceat(w_out[members], offsets)
            if not derived_w:
                if (w_out[group_starts] > 1.0 + 1e-9).any():
                    raise SeedingError("parallel arcs add up to an LT weight above 1")
                np.minimum(w_out, 1.0, out=w_out)
        del members, offsets
        kept = _edges.drop_duplicates(indptr, V, empty if p_out is None else p_out,
                                      empty if w_out is None else w_out, group_starts, group_sizes)
        V = V[:kept].copy()
        p_out = None if p_out is None else p_out[:kept].copy()
        w_out = None if w_out is None else w_out[:kept].copy()
    return indptr, V, p_out, w_out, loops, merged


def _check_unit_interval(values: np.ndarray, what: str) -> None:
    for first in range(0, values.shape[0], _STEP_ARCS):  # in steps: small temporaries, Ctrl-C seen between
        part = values[first : first + _STEP_ARCS]
        bad = ~((part >= 0.0) & (part <= 1.0))  # NaN fails both
        if bad.any():
            i = first + int(np.flatnonzero(bad)[0])
            raise SeedingError(f"{what}[{i}] = {float(values[i])!r} is not a number in [0, 1]")


def _check_node_weights(weights: np.ndarray, n: int) -> np.ndarray:
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if weights.shape != (n,):
        raise SeedingError(f"node_weights must have one value per node ({n}); got shape {weights.shape}")
    bad = ~(np.isfinite(weights) & (weights >= 0.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeedingError(f"node_weights[{i}] = {float(weights[i])!r} must be finite and >= 0")
    if weights.sum() <= 0:
        raise SeedingError("node_weights are all zero: no node would count towards the spread")
    return weights


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Graph:
    """An immutable directed graph with one value per arc, stored as CSR arrays.

    Build it with :meth:`from_edges`, :meth:`from_networkx` or
    :func:`seeding.read_graph` rather than from raw arrays.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n + 1,)
        Out-arcs of node ``u`` are ``indptr[u]:indptr[u + 1]``.
    indices : ndarray of int32, shape (m,)
        Target node of each arc, sorted within each node's block.
    p : ndarray of float64, shape (m,), or None
        Activation probability (IC) of each arc; None when the source had none.
    labels : ndarray, shape (n,)
        Original label of each node.
    lt_weights : ndarray of float64, shape (m,), or None
        Linear Threshold weight of each arc; when None, LT uses ``p``.
    node_weights : ndarray of float64, shape (n,), or None
        Value of reaching each node (targeted campaigns); None counts every node as 1.
    info : dict
        How the graph was built: ``self_loops`` dropped and ``merged`` parallel arcs.

    Examples
    --------
    >>> g = Graph.from_edges(["a", "a", "b"], ["b", "c", "c"], [0.5, 0.5, 1.0])
    >>> g.n, g.m, g.labels.tolist()
    (3, 3, ['a', 'b', 'c'])
    >>> g.out_degree.tolist(), g.in_degree.tolist()
    ([2, 1, 0], [0, 1, 2])
    """

    indptr: np.ndarray
    indices: np.ndarray
    p: np.ndarray | None
    labels: np.ndarray
    lt_weights: np.ndarray | None = None
    node_weights: np.ndarray | None = None
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    _cache: dict = dataclasses.field(default_factory=dict, init=False, repr=False)

    # ------------------------------------------------------------------ shape
    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    @property
    def m(self) -> int:
        """Number of arcs (after merging parallel arcs and dropping self-loops)."""
        return int(self.indices.shape[0])

    def __repr__(self) -> str:
        has_p = "with p" if self.p is not None else "no p"
        return f"<seeding.Graph n={self.n} m={self.m} {has_p}>"

    @cached_property
    def sources(self) -> np.ndarray:
        """Source node of each arc (int32, aligned with ``indices``)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Out-degree of each node (int64)."""
        return np.diff(self.indptr)

    @cached_property
    def in_degree(self) -> np.ndarray:
        """In-degree of each node (int64)."""
        degree = np.zeros(self.n, dtype=np.int64)
        _edges.count_targets(self.indices, degree)
        return degree

    @cached_property
    def _reverse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Arcs in CSR order, appended to buckets of consecutive targets, then each bucket
        # sorted by target in a stable counting pass: each in-block comes out sorted by source.
        in_indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(self.in_degree, out=in_indptr[1:])
        if self.m <= _DIRECT_REVERSE_ARCS:  # small: one pass, its cursors in cache
            in_indices, in_arcs = np.empty(self.m, dtype=np.int32), np.empty(self.m, dtype=np.int64)
            _edges.reverse_direct(self.indptr, self.indices, in_indptr, in_indices, in_arcs)
            return in_indptr, in_indices, in_arcs
        threads = _load_threads(None)
        bounds, starts, bucket, shift = _buckets(in_indptr)
        cursor = starts[:-1].copy()
        targets = _mapped_empty(self.m, np.uint16, huge_pages=False)
        in_indices = _mapped_empty(self.m, np.int32, huge_pages=False)
        in_arcs = _mapped_empty(self.m, np.int64, huge_pages=False)
        for first, last in _node_steps(self.indptr, _STEP_ARCS):
            _edges.bucket_reverse(self.indptr, self.indices, bucket, shift, bounds, cursor, targets, in_indices,
                                  in_arcs, first, last)
        del bucket, cursor
        widest, rows = _bucket_extent(starts, bounds)
        su = np.empty((threads, widest), dtype=np.int32)
        se = np.empty((threads, widest), dtype=np.int64)
        cursors = np.empty((threads, rows), dtype=np.int64)
        for first, last in _bucket_steps(starts, _STEP_ARCS * threads):
            _edges.sort_reverse(starts, bounds, in_indptr, targets, in_indices, in_arcs, first, last, su, se,
                                cursors, threads)
        return in_indptr, in_indices, in_arcs

    @property
    def in_indptr(self) -> np.ndarray:
        """In-arcs of node ``v`` are ``in_indptr[v]:in_indptr[v + 1]`` (int64)."""
        return self._reverse[0]

    @property
    def in_indices(self) -> np.ndarray:
        """Source node of each in-arc (int32), sorted within each node's block."""
        return self._reverse[1]

    @property
    def in_arcs(self) -> np.ndarray:
        """Out-arc id of each in-arc (int64): ``p[in_arcs]`` are the in-arc values."""
        return self._reverse[2]

    # ----------------------------------------------------------------- labels
    @cached_property
    def _label_index(self) -> dict:
        return {label: i for i, label in enumerate(self.labels.tolist())}

    def index_of(self, labels: Iterable[Any]) -> np.ndarray:
        """Node indices (int32) of the given labels, in order.

        A string that spells an integer is accepted for integer labels, so labels
        read from a command line or a text file work.

        Raises
        ------
        SeedingError
            If a label is not a node of the graph.

        Examples
        --------
        >>> g = Graph.from_edges([10, 20], [20, 30])
        >>> g.index_of([30, "10"]).tolist()
        [2, 0]
        """
        table = self._label_index
        numeric = self.labels.dtype.kind in "iu"
        out = []
        for label in labels:
            key = label
            if numeric and isinstance(label, str):
                try:
                    key = int(label.strip())
                except ValueError:
                    key = label
            elif isinstance(label, np.generic):
                key = label.item()
            try:
                i = table.get(key)
            except TypeError:  # an unhashable label (a list) is no node
                i = None
            if i is None:
                sample = ", ".join(repr(x) for x in self.labels[:3].tolist())
                raise SeedingError(
                    f"node {label!r} is not in the graph ({self.n} nodes, labels like {sample})"
                )
            out.append(i)
        return np.asarray(out, dtype=np.int32)

    def label_of(self, indices: Iterable[int]) -> list:
        """Original labels (as Python objects) of node indices."""
        return self.labels[np.asarray(list(indices), dtype=np.int64)].tolist()

    # -------------------------------------------------------------- variants
    def with_p(self, p: np.ndarray) -> Graph:
        """A copy of this graph with new arc probabilities ``p`` (one per arc)."""
        p = np.ascontiguousarray(p, dtype=np.float64)
        if p.shape != (self.m,):
            raise SeedingError(f"p must have one value per arc ({self.m}); got shape {p.shape}")
        _check_unit_interval(p, "p")
        return self._replace(p=p)

    def with_lt_weights(self, weights: np.ndarray | None) -> Graph:
        """A copy of this graph with Linear Threshold arc weights (None: use ``p``)."""
        if weights is not None:
            weights = np.ascontiguousarray(weights, dtype=np.float64)
            if weights.shape != (self.m,):
                raise SeedingError(
                    f"lt_weights must have one value per arc ({self.m}); got shape {weights.shape}"
                )
            _check_unit_interval(weights, "lt_weights")
        return self._replace(lt_weights=weights)

    def with_node_weights(self, weights: np.ndarray | Mapping[Any, float] | None) -> Graph:
        """A copy of this graph where reaching node ``v`` is worth ``weights[v]``.

        ``weights`` is an array in node order or a mapping from label to weight
        (unlisted nodes are worth 0); None restores plain counting.
        """
        if weights is not None and isinstance(weights, Mapping):
            arr = np.zeros(self.n)
            arr[self.index_of(weights.keys())] = list(weights.values())
            weights = arr
        if weights is not None:
            weights = _check_node_weights(weights, self.n)
        return self._replace(node_weights=weights)

    def _replace(self, **changes: Any) -> Graph:
        new = dataclasses.replace(self, **changes)
        # Structure-derived caches stay valid; value-derived ones do not.
        for key in ("sources", "out_degree", "in_degree", "_reverse", "_label_index"):
            if key in self.__dict__:
                new.__dict__[key] = self.__dict__[key]
        return new

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_edges(
        cls,
        sources: Sequence[Any] | np.ndarray,
        targets: Sequence[Any] | np.ndarray,
        probabilities: Sequence[float] | np.ndarray | None = None,
        *,
        directed: bool = True,
        labels: Sequence[Any] | np.ndarray | None = None,
        lt_weights: Sequence[float] | np.ndarray | None = None,
        node_weights: Sequence[float] | np.ndarray | None = None,
    ) -> Graph:
        """Build a graph from parallel arrays of arc endpoints (labels).

        Parameters
        ----------
        sources, targets : array-like
            Labels of the arc endpoints.
        probabilities : array-like of float, optional
            Probability of each arc, in [0, 1].
        directed : bool, default True
            If False, every edge is added in both directions with the same value.
        labels : array-like, optional
            All node labels, in index order (isolated nodes included). By default
            the nodes are the distinct endpoints, sorted.
        lt_weights : array-like of float, optional
            Linear Threshold weight of each arc (default: LT uses ``probabilities``).
        node_weights : array-like of float, optional
            Value of each node, in the order of ``labels`` (requires ``labels``).

        Returns
        -------
        Graph

        Notes
        -----
        Self-loops cannot change who is reached, so they are dropped; the count is
        in ``graph.info["self_loops"]``. Parallel arcs ``u -> v`` are merged into
        one arc: their probabilities combine as ``1 - prod(1 - p_i)`` (the chance
        that at least one fires, which is exact under IC) and their LT weights add
        up. Without ``lt_weights``, the LT weight of a merged arc is the sum of its
        probabilities (so LT sees the file's values added up, and a sum above 1
        is an error when LT is used). The number of arcs merged away is in
        ``graph.info["merged"]``.

        Examples
        --------
        >>> g = Graph.from_edges([1, 1, 2], [2, 2, 1], [0.5, 0.5, 0.1])
        >>> g.m, g.p.tolist(), g.info["merged"]
        (2, [0.75, 0.1], 1)
        """
        src = np.asarray(sources)
        dst = np.asarray(targets)
        if src.ndim != 1 or src.shape != dst.shape:
            raise SeedingError(
                f"sources and targets must be 1-d of equal length; got shapes {src.shape} and {dst.shape}"
            )
        m0 = src.shape[0]

        def column(values: Any, what: str) -> np.ndarray | None:
            if values is None:
                return None
            arr = np.ascontiguousarray(values, dtype=np.float64)
            if arr.shape != (m0,):
                raise SeedingError(f"{what} must have one value per arc ({m0}); got shape {arr.shape}")
            _check_unit_interval(arr, what)
            return arr

        p = column(probabilities, "probabilities")
        w = column(lt_weights, "lt_weights")

        if labels is None:
            if node_weights is not None:
                raise SeedingError("node_weights need labels= to say which node each weight belongs to")
            if m0 == 0:
                raise SeedingError("the graph is empty: no arcs and no labels were given")
            node_labels, u, v = _index_labels(src, dst)
        else:
            node_labels = np.asarray(labels)
            if node_labels.ndim != 1 or node_labels.shape[0] == 0:
                raise SeedingError("labels must be a non-empty 1-d sequence of node labels")
            order = np.argsort(node_labels, kind="stable")
            sorted_labels = node_labels[order]
            if sorted_labels.shape[0] > 1 and (sorted_labels[1:] == sorted_labels[:-1]).any():
                i = int(np.flatnonzero(sorted_labels[1:] == sorted_labels[:-1])[0])
                raise SeedingError(f"labels must be distinct; {sorted_labels[i]!r} appears twice")

            def lookup(ends: np.ndarray) -> np.ndarray:
                pos = np.searchsorted(sorted_labels, ends)
                pos = np.minimum(pos, sorted_labels.shape[0] - 1)
                bad = sorted_labels[pos] != ends
                if np.any(bad):
                    missing = ends[np.flatnonzero(bad)[0]]
                    raise SeedingError(f"arc endpoint {missing!r} is not in labels")
                return order[pos].astype(np.int64)

            u = lookup(src) if m0 else np.zeros(0, np.int64)
            v = lookup(dst) if m0 else np.zeros(0, np.int64)
        if node_labels.shape[0] >= 2**31 - 1:
            raise SeedingError(f"graphs are limited to 2**31 - 2 nodes; got {node_labels.shape[0]}")

        parts = [(u.astype(np.int32), v.astype(np.int32), p, w)]
        if not directed:
            parts.append((parts[0][1], parts[0][0], p, w))
        del u, v, p, w
        return cls._from_parts(parts, node_labels, node_weights=node_weights)

    @classmethod
    def _from_parts(
        cls,
        parts: list,
        labels: np.ndarray,
        *,
        node_weights: Sequence[float] | np.ndarray | None = None,
        counted: tuple[np.ndarray, int] | None = None,
        n_threads: int | None = None,
    ) -> Graph:
        """Build a graph from arcs in pieces ``(u, v, p, w)``: int32 node indices, float64 values or None.

        The pieces are consumed: each is dropped from ``parts`` once its arcs are
        placed, so the arcs are never held twice (see :func:`_arc_csr`, also for
        ``counted``). Every piece carries ``p`` (``w``), or none does.
        """
        n = int(labels.shape[0])
        if n >= 2**31 - 1:
            raise SeedingError(f"graphs are limited to 2**31 - 2 nodes; got {n}")
        indptr, indices, p, w, n_loops, n_merged = _arc_csr(parts, n, counted=counted, n_threads=n_threads)
        graph = cls(indptr=indptr, indices=indices, p=p, labels=labels, lt_weights=w,
                    info={"self_loops": n_loops, "merged": n_merged})
        if node_weights is not None:
            graph = graph.with_node_weights(np.asarray(node_weights, dtype=np.float64))
        return graph

    @classmethod
    def from_networkx(
        cls,
        G: nx.Graph,
        probability: str = "p",
        *,
        lt_weight: str | None = None,
        node_weight: str | None = None,
    ) -> Graph:
        """Build a graph from a networkx graph.

        Parameters
        ----------
        G : networkx.Graph or networkx.DiGraph (multigraphs too)
            Undirected graphs get both arc directions.
        probability : str, default "p"
            Edge attribute holding the arc probability. If no edge has it, the
            graph has no probabilities (choose a model such as ``"wc"`` later).
        lt_weight : str, optional
            Edge attribute holding Linear Threshold weights.
        node_weight : str, optional
            Node attribute holding node values (missing: 0).

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.DiGraph([("x", "y", {"p": 0.3})])
        >>> g = Graph.from_networkx(G)
        >>> g.labels.tolist(), g.p.tolist()
        (['x', 'y'], [0.3])
        """
        import networkx as nx

        if not isinstance(G, nx.Graph):
            raise SeedingError(f"expected a networkx graph; got {type(G).__name__}")
        nodes = list(G.nodes)
        if not nodes:
            raise SeedingError("the graph is empty: it has no nodes")
        index = {node: i for i, node in enumerate(nodes)}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[a] for a, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[b] for _, b, _ in edges), dtype=np.int64, count=len(edges))

        def attribute(name: str | None) -> np.ndarray | None:
            """An edge attribute's values, each a probability (a bad one names its edge)."""
            if name is None:
                return None
            values = [d.get(name) for _, _, d in edges]
            present = [x is not None for x in values]
            if not any(present):
                return None
            if not all(present):
                a, b, _ = edges[present.index(False)]
                raise SeedingError(f"edge ({a!r}, {b!r}) has no {name!r} attribute while others do")
            numbers = _numbers(values, edges, name)
            bad = np.flatnonzero(~((numbers >= 0.0) & (numbers <= 1.0)))
            if bad.size:
                a, b, _ = edges[int(bad[0])]
                raise SeedingError(f"edge ({a!r}, {b!r}) has {name} = {values[int(bad[0])]!r}, not a probability "
                                   f"in [0, 1] ({bad.size} of {len(edges)} edges)")
            return numbers

        try:
            node_labels = np.asarray(nodes)
            if node_labels.ndim != 1:
                raise ValueError
        except ValueError:
            node_labels = np.empty(len(nodes), dtype=object)
            node_labels[:] = nodes
        mixed = node_labels.dtype.kind == "U" and not all(isinstance(x, str) for x in nodes)  # 3 and "a"
        if node_labels.dtype.kind not in "iuU" or mixed:
            node_labels = np.empty(len(nodes), dtype=object)
            node_labels[:] = nodes
        weights = None
        if node_weight is not None:
            weights = np.asarray([G.nodes[x].get(node_weight, 0.0) for x in nodes], dtype=np.float64)
        graph = cls.from_edges(
            src,
            dst,
            attribute(probability),
            directed=G.is_directed(),
            labels=np.arange(len(nodes)),
            lt_weights=attribute(lt_weight),
            node_weights=weights,
        )
        return dataclasses.replace(graph, labels=node_labels)

    def to_networkx(self) -> nx.DiGraph:
        """This graph as a networkx DiGraph with ``p`` (and ``w``) edge attributes."""
        import networkx as nx

        G = nx.DiGraph()
        G.add_nodes_from(self.labels.tolist())
        lab = self.labels
        src, dst = lab[self.sources].tolist(), lab[self.indices].tolist()
        for e, (a, b) in enumerate(zip(src, dst, strict=True)):
            attrs = {}
            if self.p is not None:
                attrs["p"] = float(self.p[e])
            if self.lt_weights is not None:
                attrs["w"] = float(self.lt_weights[e])
            G.add_edge(a, b, **attrs)
        return G


def _numbers(values: list, edges: list, name: str) -> np.ndarray:
    """Edge attribute values as floats; a value that is not a number names its edge."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        for (a, b, _), value in zip(edges, values, strict=True):
            try:
                float(value)
            except (TypeError, ValueError):
                raise SeedingError(
                    f"edge ({a!r}, {b!r}) has {name} = {str(value)[:40]!r}, not a number"
                ) from None
        raise SeedingError(f"edge attribute {name!r} must hold numbers") from None


def as_graph(graph: Graph | nx.Graph) -> Graph:
    """Accept a :class:`Graph` or a networkx graph wherever a graph is expected."""
    if isinstance(graph, Graph):
        return graph
    nx = sys.modules.get("networkx")  # a networkx graph implies networkx is loaded
    if nx is not None and isinstance(graph, nx.Graph):
        return Graph.from_networkx(graph)
    raise SeedingError(f"expected a seeding.Graph or a networkx graph; got {type(graph).__name__}")
