# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Hot loops of the coverage bounds: rows of node indices stored back to back (CSR).

Private module behind ``seeding.relax``. A row ``r`` is ``members[offsets[r]:offsets[r + 1]]``;
its weight is how many RR sets it stands for. Inputs are validated by the caller.
"""

from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t, uint64_t

import numpy as np


def scatter_rows(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] row_values,
                 double[::1] out):
    """``out[v] += row_values[r]`` for every member ``v`` of every row ``r`` (out is not cleared)."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef double value
    with nogil:
        for r in range(n_rows):
            value = row_values[r]
            if value != 0.0:
                for e in range(offsets[r], offsets[r + 1]):
                    out[members[e]] += value


def gather_rows(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] node_values,
                int n_threads=1):
    """``sum(node_values[v] for v in row r)`` for every row: a float64 array."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef double total
    result = np.zeros(n_rows, dtype=np.float64)
    cdef double[::1] out = result
    for r in prange(n_rows, nogil=True, num_threads=max(1, n_threads), schedule="static"):
        total = 0.0
        for e in range(offsets[r], offsets[r + 1]):
            total = total + node_values[members[e]]
        out[r] = total
    return result


cdef inline uint64_t _mix(uint64_t z) noexcept nogil:
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


def row_hashes(const int32_t[::1] members, const int64_t[::1] offsets):
    """Two order-independent 64-bit hashes of every row (sums of mixed members; collisions ~2**-128)."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef uint64_t a, b, z
    h1 = np.zeros(n_rows, dtype=np.uint64)
    h2 = np.zeros(n_rows, dtype=np.uint64)
    cdef uint64_t[::1] o1 = h1
    cdef uint64_t[::1] o2 = h2
    with nogil:
        for r in range(n_rows):
            a = 0
            b = 0
            for e in range(offsets[r], offsets[r + 1]):
                z = _mix(<uint64_t>members[e] + 0x9E3779B97F4A7C15ULL)
                a += z
                b += _mix(z ^ 0xD6E8FEB86659FD93ULL)
            o1[r] = a
            o2[r] = b
    return h1, h2


def row_subgradient(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] weights,
                    const double[::1] lam, const double[::1] x, double[::1] g, int n_threads=1):
    """Subgradient ``g_r = sum_{v in r} x_v - 1`` of the Lagrangian, zeroed where the box blocks it.

    Returns ``|g|**2``. A component is blocked when ``lam_r`` sits at 0 and ``g_r > 0``,
    or at ``weights[r]`` and ``g_r < 0`` (a projected step could not move it).
    """
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef double total, norm2 = 0.0
    for r in prange(n_rows, nogil=True, num_threads=max(1, n_threads), schedule="static"):
        total = -1.0
        for e in range(offsets[r], offsets[r + 1]):
            total = total + x[members[e]]
        if (lam[r] <= 0.0 and total > 0.0) or (lam[r] >= weights[r] and total < 0.0):
            total = 0.0
        g[r] = total
        norm2 += total * total
    return norm2


def row_step(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] weights,
             double[::1] lam, const double[::1] g, double step, double[::1] scores):
    """``lam = clip(lam - step * g, 0, weights)`` in place, then ``scores[v] += lam_r`` over members.

    Returns ``sum(lam)``. ``scores`` must hold the base values on entry.
    """
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef double value, total = 0.0
    with nogil:
        for r in range(n_rows):
            value = lam[r] - step * g[r]
            if value < 0.0:
                value = 0.0
            elif value > weights[r]:
                value = weights[r]
            lam[r] = value
            total += value
            if value != 0.0:
                for e in range(offsets[r], offsets[r + 1]):
                    scores[members[e]] += value
    return total
