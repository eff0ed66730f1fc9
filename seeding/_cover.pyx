# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Hot loops of the coverage bounds: rows of node indices stored back to back (CSR).

Private module behind ``seeding.relax``. A row ``r`` is ``members[offsets[r]:offsets[r + 1]]``;
its weight is how many RR sets it stands for. Inputs are validated by the caller.
"""

from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

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


cdef inline void _hash_member(int32_t v, uint64_t* a, uint64_t* b) noexcept nogil:
    cdef uint64_t z = _mix(<uint64_t>v + 0x9E3779B97F4A7C15ULL)
    a[0] += z
    b[0] += _mix(z ^ 0xD6E8FEB86659FD93ULL)


def row_hashes(const int32_t[::1] members, const int64_t[::1] offsets):
    """Two order-independent 64-bit hashes of every row (sums of mixed members; collisions ~2**-128)."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef uint64_t a, b
    h1 = np.zeros(n_rows, dtype=np.uint64)
    h2 = np.zeros(n_rows, dtype=np.uint64)
    cdef uint64_t[::1] o1 = h1
    cdef uint64_t[::1] o2 = h2
    with nogil:
        for r in range(n_rows):
            a = 0
            b = 0
            for e in range(offsets[r], offsets[r + 1]):
                _hash_member(members[e], &a, &b)
            o1[r] = a
            o2[r] = b
    return h1, h2


def kept_rows(const int32_t[::1] nodes, const int64_t[::1] offsets, const int32_t[::1] var_of,
              const uint8_t[::1] dropped, int64_t n_vars):
    """The sets not ``dropped``, reduced to their members with a variable (``var_of[v] >= 0``).

    A set left with one member adds 1 to that variable's ``singleton`` weight; a set
    left with none is gone. Returns ``(singleton, members, row_offsets, h1, h2)``: the
    rows of two or more members as variable indices, back to back, and their hashes
    (as :func:`row_hashes`).
    """
    cdef int64_t n_sets = offsets.shape[0] - 1, s, e, size = 0, n_rows = 0, first
    cdef int32_t x, only = -1
    cdef uint64_t a, b
    singleton_arr = np.zeros(n_vars, dtype=np.float64)
    members_arr = np.empty(nodes.shape[0], dtype=np.int32)
    offsets_arr = np.empty(n_sets + 1, dtype=np.int64)
    h1_arr = np.empty(n_sets, dtype=np.uint64)
    h2_arr = np.empty(n_sets, dtype=np.uint64)
    cdef double[::1] singleton = singleton_arr
    cdef int32_t[::1] members = members_arr
    cdef int64_t[::1] out_offsets = offsets_arr
    cdef uint64_t[::1] h1 = h1_arr
    cdef uint64_t[::1] h2 = h2_arr
    with nogil:
        out_offsets[0] = 0
        for s in range(n_sets):
            if dropped[s]:
                continue
            first = size
            a = 0
            b = 0
            for e in range(offsets[s], offsets[s + 1]):
                x = var_of[nodes[e]]
                if x >= 0:
                    members[size] = x
                    size += 1
                    _hash_member(x, &a, &b)
            if size - first == 1:
                singleton[members[first]] += 1.0
                size = first
            elif size - first >= 2:
                h1[n_rows] = a
                h2[n_rows] = b
                n_rows += 1
                out_offsets[n_rows] = size
            else:
                size = first
    return (singleton_arr, members_arr[:size].copy(), offsets_arr[:n_rows + 1].copy(),
            h1_arr[:n_rows], h2_arr[:n_rows])


def merge_equal_rows(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] weights,
                     const uint64_t[::1] h1, const uint64_t[::1] h2):
    """Rows with equal hashes and length merged, in order of first appearance (open addressing on ``h1``).

    Returns ``(members, offsets, weights)``: each group's first row, weighted by the group's total.
    """
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e, size = 0, n_out = 0, slot, q
    cdef int64_t mask = 1
    while mask < 2 * n_rows:
        mask <<= 1
    table_arr = np.full(mask, -1, dtype=np.int64)  # a first row of each group, by slot
    group_arr = np.empty(n_rows, dtype=np.int64)  # output index of each first row
    members_arr = np.empty(members.shape[0], dtype=np.int32)
    offsets_arr = np.empty(n_rows + 1, dtype=np.int64)
    weights_arr = np.empty(n_rows, dtype=np.float64)
    cdef int64_t[::1] table = table_arr
    cdef int64_t[::1] group = group_arr
    cdef int32_t[::1] out_members = members_arr
    cdef int64_t[::1] out_offsets = offsets_arr
    cdef double[::1] out_weights = weights_arr
    mask -= 1
    with nogil:
        out_offsets[0] = 0
        for r in range(n_rows):
            slot = <int64_t>(h1[r] & <uint64_t>mask)
            while True:
                q = table[slot]
                if q < 0:
                    break
                if (h1[q] == h1[r] and h2[q] == h2[r]
                        and offsets[q + 1] - offsets[q] == offsets[r + 1] - offsets[r]):
                    break
                slot = (slot + 1) & mask
            if q >= 0:
                out_weights[group[q]] += weights[r]
                continue
            table[slot] = r
            group[r] = n_out
            for e in range(offsets[r], offsets[r + 1]):
                out_members[size] = members[e]
                size += 1
            out_weights[n_out] = weights[r]
            n_out += 1
            out_offsets[n_out] = size
    return members_arr[:size].copy(), offsets_arr[:n_out + 1].copy(), weights_arr[:n_out].copy()


def transpose_rows(const int32_t[::1] members, const int64_t[::1] offsets, int64_t n_vars):
    """The rows of every variable, CSR by variable: ``(var_offsets, var_rows)``."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e, v
    var_offsets_arr = np.zeros(n_vars + 1, dtype=np.int64)
    var_rows_arr = np.empty(members.shape[0], dtype=np.int32)
    cdef int64_t[::1] var_offsets = var_offsets_arr
    cdef int32_t[::1] var_rows = var_rows_arr
    cdef int64_t[::1] fill
    with nogil:
        for e in range(members.shape[0]):
            var_offsets[members[e] + 1] += 1
        for v in range(n_vars):
            var_offsets[v + 1] += var_offsets[v]
    fill_arr = var_offsets_arr[:-1].copy()
    fill = fill_arr
    with nogil:
        for r in range(n_rows):
            for e in range(offsets[r], offsets[r + 1]):
                v = members[e]
                var_rows[fill[v]] = <int32_t>r
                fill[v] += 1
    return var_offsets_arr, var_rows_arr


def sparse_subgradient(const int64_t[::1] var_offsets, const int32_t[::1] var_rows, const int64_t[::1] chosen,
                       const double[::1] x, const double[::1] weights, const double[::1] lam, double[::1] g):
    """As :func:`row_subgradient` for an ``x`` that is zero outside ``chosen``, in time
    O(rows + rows of the chosen variables) through the rows of each variable."""
    cdef int64_t n_rows = g.shape[0], r, i, e, v
    cdef double total, norm2 = 0.0, value
    with nogil:
        for r in range(n_rows):
            g[r] = -1.0
        for i in range(chosen.shape[0]):
            v = chosen[i]
            value = x[v]
            for e in range(var_offsets[v], var_offsets[v + 1]):
                g[var_rows[e]] += value
        for r in range(n_rows):
            total = g[r]
            if (lam[r] <= 0.0 and total > 0.0) or (lam[r] >= weights[r] and total < 0.0):
                total = 0.0
                g[r] = 0.0
            norm2 += total * total
    return norm2


def row_step_changed(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] weights,
                     double[::1] lam, const double[::1] g, double step, double[::1] scores):
    """As :func:`row_step`, but ``scores`` holds the scores at the old ``lam`` on entry and
    only the rows whose multiplier moves are scattered (by the change). Returns ``sum(lam)``."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef double value, change, total = 0.0
    with nogil:
        for r in range(n_rows):
            value = lam[r] - step * g[r]
            if value < 0.0:
                value = 0.0
            elif value > weights[r]:
                value = weights[r]
            change = value - lam[r]
            if change != 0.0:
                lam[r] = value
                for e in range(offsets[r], offsets[r + 1]):
                    scores[members[e]] += change
            total += value
    return total
