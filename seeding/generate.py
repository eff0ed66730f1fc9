"""Synthetic graphs for benchmarks: R-MAT (Chakrabarti, Zhan, Faloutsos 2004) with Graph500 parameters."""

from __future__ import annotations

import os

import numpy as np

from . import _edges
from ._rng import RNGLike, as_generator
from .errors import SeedingError
from .io import write_bytes

__all__ = ["rmat_edges", "write_rmat"]


def rmat_edges(
    scale: int,
    edge_factor: int = 16,
    *,
    a: float = 0.57,
    b: float = 0.19,
    c: float = 0.19,
    rng: RNGLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Arcs of an R-MAT graph on ``2**scale`` nodes with ``edge_factor * 2**scale`` arcs.

    Each arc picks one quadrant of the adjacency matrix per level (probabilities
    ``a, b, c, 1 - a - b - c``, Graph500's 0.57/0.19/0.19/0.05); node ids are then
    shuffled, as Graph500 does, so that degree does not follow the id. Self-loops
    and repeated arcs are kept, as in Graph500 (the reader drops and merges them).

    Examples
    --------
    >>> u, v = rmat_edges(4, 2, rng=1)
    >>> u.shape, int(max(u.max(), v.max())) < 16
    ((32,), True)
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or not 1 <= scale <= 30:
        raise SeedingError(f"scale must be an integer in [1, 30]; got {scale!r}")
    if isinstance(edge_factor, bool) or not isinstance(edge_factor, (int, np.integer)) or edge_factor < 1:
        raise SeedingError(f"edge factor must be a positive integer; got {edge_factor!r}")
    if not (a > 0 and b > 0 and c > 0 and a + b + c < 1):
        raise SeedingError(f"R-MAT parameters need a, b, c > 0 and a + b + c < 1; got {a}, {b}, {c}")
    gen = as_generator(rng)
    n = 1 << int(scale)
    m = int(edge_factor) * n
    u = np.zeros(m, dtype=np.int64)
    v = np.zeros(m, dtype=np.int64)
    ab, abc = np.float32(a + b), np.float32(a + b + c)
    for level in range(int(scale)):
        r = gen.random(m, dtype=np.float32)
        down = r >= ab  # quadrants c and d: the row bit is 1
        right = ((r >= np.float32(a)) & ~down) | (r >= abc)  # quadrants b and d: the column bit is 1
        u |= down.astype(np.int64) << level
        v |= right.astype(np.int64) << level
    perm = gen.permutation(n)
    return perm[u], perm[v]


def write_rmat(path: str | os.PathLike, scale: int, edge_factor: int = 16, *, rng: RNGLike = None) -> int:
    """Write an R-MAT edge list (``u v`` per line, a ``#`` header); return the number of arcs."""
    u, v = rmat_edges(scale, edge_factor, rng=rng)
    header = f"# R-MAT scale {scale}, edge factor {edge_factor}: {1 << scale} nodes, {u.shape[0]} arcs\n"
    write_bytes(path, header.encode() + _edges.format_arcs(u, v))
    return int(u.shape[0])
