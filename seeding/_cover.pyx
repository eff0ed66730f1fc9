# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Hot loops of the coverage bounds: rows of node indices stored back to back (CSR).

Private module behind ``seeding.rrsets``, ``seeding.coverage_model`` and ``seeding.relax``. A row
``r`` is ``members[offsets[r]:offsets[r + 1]]``; its weight is how many RR sets it stands for.
Inputs are validated by the caller.
"""

from libc.math cimport INFINITY
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memmove
from cython.parallel cimport prange
from seeding._inline cimport mix64, seeding_prefetch

import numpy as np


def gather_rows(const int64_t[::1] var_offsets, const int32_t[::1] var_rows, const double[::1] row_values,
                const double[::1] base, int n_threads=1):
    """Per variable ``v``, ``base[v]`` plus ``row_values[r]`` over its rows ``r`` (rows by variable, in row
    order: each sum is added in the order a pass row by row would add it, so the same on any number of
    threads): a new float64 array."""
    cdef int64_t n = base.shape[0], v, e
    cdef double acc
    result = np.empty(n, dtype=np.float64)
    cdef double[::1] out = result
    with nogil:
        for v in prange(n, schedule="static", num_threads=max(1, n_threads)):
            acc = base[v]
            for e in range(var_offsets[v], var_offsets[v + 1]):
                acc = acc + row_values[var_rows[e]]
            out[v] = acc
    return result


def rows_hit_by(const int64_t[::1] var_offsets, const int32_t[::1] var_rows, const int64_t[::1] chosen,
                int64_t n_rows):
    """Per row, 1 if one of the ``chosen`` variables is a member (:func:`rows_hit` through the rows of each
    variable: only the chosen ones' rows are read): a uint8 array."""
    cdef int64_t i, e
    result = np.zeros(n_rows, dtype=np.uint8)
    cdef uint8_t[::1] out = result
    with nogil:
        for i in range(chosen.shape[0]):
            for e in range(var_offsets[chosen[i]], var_offsets[chosen[i] + 1]):
                out[var_rows[e]] = 1
    return result


def count_hits(const int32_t[::1] members, const int64_t[::1] offsets, const uint8_t[::1] mask, int n_bits):
    """For each bit ``b < n_bits``, how many rows have a member ``v`` with bit ``b`` of ``mask[v]`` set: the
    coverage of up to eight node sets in one pass (a row is left once every bit has been met)."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    cdef uint8_t seen, full = <uint8_t>((1 << n_bits) - 1)
    cdef int64_t[8] counts
    cdef int b
    for b in range(8):
        counts[b] = 0
    with nogil:
        for r in range(n_rows):
            seen = 0
            for e in range(offsets[r], offsets[r + 1]):
                seen |= mask[members[e]]
                if seen == full:
                    break
            for b in range(n_bits):
                counts[b] += (seen >> b) & 1
    return [counts[b] for b in range(n_bits)]


def rows_hit(const int32_t[::1] members, const int64_t[::1] offsets, const uint8_t[::1] mask):
    """Per row, 1 if some member ``v`` has ``mask[v]`` set (an empty row is not hit): a uint8 array."""
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e
    result = np.zeros(n_rows, dtype=np.uint8)
    cdef uint8_t[::1] out = result
    with nogil:
        for r in range(n_rows):
            for e in range(offsets[r], offsets[r + 1]):
                if mask[members[e]]:
                    out[r] = 1
                    break
    return result


cdef inline bint _worse(const double[::1] scores, int64_t a, int64_t b) noexcept nogil:
    """Whether item ``a`` ranks below ``b``: a smaller score, or an equal one and a higher index."""
    return scores[a] < scores[b] or (scores[a] == scores[b] and a > b)


def top_k(const double[::1] scores, int64_t count):
    """The ``count`` largest positive scores (fewer if fewer are positive): ``(their sum, their indices)``.

    A heap of the best so far, the worst on top; ties at the boundary go to the lower index.
    """
    cdef int64_t n = scores.shape[0], v, i, child, size = 0, tmp
    cdef double total = 0.0, worst = INFINITY  # the heap's top once it is full
    count = max(0, min(count, n))
    heap_arr = np.empty(max(count, 1), dtype=np.int64)
    cdef int64_t[::1] heap = heap_arr
    with nogil:
        for v in range(n):
            if scores[v] <= 0.0 or (size == count and not scores[v] > worst):  # (a tie: v ranks below)
                continue
            if size < count:  # sift up
                i = size
                size += 1
                heap[i] = v
                while i > 0 and _worse(scores, heap[i], heap[(i - 1) >> 1]):
                    tmp = heap[(i - 1) >> 1]
                    heap[(i - 1) >> 1] = heap[i]
                    heap[i] = tmp
                    i = (i - 1) >> 1
            else:  # replace the worst, sift down
                heap[0] = v
                i = 0
                while True:
                    child = 2 * i + 1
                    if child >= size:
                        break
                    if child + 1 < size and _worse(scores, heap[child + 1], heap[child]):
                        child += 1
                    if not _worse(scores, heap[child], heap[i]):
                        break
                    tmp = heap[child]
                    heap[child] = heap[i]
                    heap[i] = tmp
                    i = child
            if size == count:
                worst = scores[heap[0]]
        for i in range(size):
            total += scores[heap[i]]
    return total, np.sort(heap_arr[:size])


cdef inline void _hash_member(int32_t v, uint64_t* a, uint64_t* b) noexcept nogil:
    cdef uint64_t z = mix64(<uint64_t>v + 0x9E3779B97F4A7C15ULL)
    a[0] += z
    b[0] += mix64(z ^ 0xD6E8FEB86659FD93ULL)


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


cdef void _keep_part(const int32_t* nodes, const int64_t* offsets, const int32_t* var_of, const uint8_t* dropped,
                     const uint64_t* terms, int64_t first, int64_t last, int32_t* members, int64_t* ends,
                     uint64_t* h1, uint64_t* h2, double* singleton, int64_t* counts) noexcept nogil:
    """:func:`kept_rows` over the sets ``first .. last - 1``: members from ``members[0]``, each row's end (counted
    from there) and hashes from index 0; ``counts`` gets the members and rows written."""
    cdef int64_t s, e, size = 0, n_rows = 0, start
    cdef int32_t x
    cdef uint64_t a, b
    for s in range(first, last):
        if dropped[s]:
            continue
        start = size
        a = 0
        b = 0
        for e in range(offsets[s], offsets[s + 1]):
            x = var_of[nodes[e]]
            if x >= 0:
                members[size] = x
                size += 1
                a += terms[2 * x]
                b += terms[2 * x + 1]
        if size - start == 1:
            singleton[members[start]] += 1.0
            size = start
        elif size - start >= 2:
            h1[n_rows] = a
            h2[n_rows] = b
            ends[n_rows] = size
            n_rows += 1
        else:
            size = start
    counts[0] = size
    counts[1] = n_rows


def kept_rows(const int32_t[::1] nodes, const int64_t[::1] offsets, const int32_t[::1] var_of,
              const uint8_t[::1] dropped, int64_t n_vars, int n_threads=1):
    """The sets not ``dropped``, reduced to their members with a variable (``var_of[v] >= 0``).

    A set left with one member adds 1 to that variable's ``singleton`` weight; a set
    left with none is gone. Returns ``(singleton, members, row_offsets, h1, h2)``: the
    rows of two or more members as variable indices, back to back, and their hashes
    (as :func:`row_hashes`).

    The sets are done in two halves, on two threads when ``n_threads > 1``, each
    written where its own sets lay (a set never grows), the second half then moved
    down behind the first: the same result on any number of threads.
    """
    cdef int64_t n_sets = offsets.shape[0] - 1, e, p
    cdef int64_t mid = n_sets // 2
    # Each variable's two hash terms, once (a row's hashes are their sums).
    terms_arr = np.zeros((max(n_vars, 1), 2), dtype=np.uint64)
    cdef uint64_t[:, ::1] terms = terms_arr
    with nogil:
        for e in range(n_vars):
            _hash_member(<int32_t>e, &terms[e, 0], &terms[e, 1])
    singles_arr = np.zeros((2, max(n_vars, 1)), dtype=np.float64)
    members_arr = np.empty(max(nodes.shape[0], 1), dtype=np.int32)
    ends_arr = np.empty(max(n_sets, 1), dtype=np.int64)
    h1_arr = np.empty(max(n_sets, 1), dtype=np.uint64)
    h2_arr = np.empty(max(n_sets, 1), dtype=np.uint64)
    counts_arr = np.zeros((2, 2), dtype=np.int64)
    cdef double[:, ::1] singles = singles_arr
    cdef int32_t[::1] members = members_arr
    cdef int64_t[::1] ends = ends_arr
    cdef uint64_t[::1] h1 = h1_arr
    cdef uint64_t[::1] h2 = h2_arr
    cdef int64_t[:, ::1] counts = counts_arr
    cdef int64_t[3] first
    cdef int64_t[2] at
    first[0], first[1], first[2] = 0, mid, n_sets
    if n_sets:
        at[0], at[1] = 0, offsets[mid]
        with nogil:
            for p in prange(2, num_threads=2 if n_threads > 1 else 1, schedule="static"):
                _keep_part(&nodes[0], &offsets[0], &var_of[0], &dropped[0], &terms[0, 0], first[p], first[p + 1],
                           &members[at[p]], &ends[first[p]], &h1[first[p]], &h2[first[p]], &singles[p, 0],
                           &counts[p, 0])
    cdef int64_t size0 = counts[0, 0], rows0 = counts[0, 1], size1 = counts[1, 0], rows1 = counts[1, 1]
    if n_sets:  # the second half behind the first (a move down: the ranges may overlap)
        memmove(&members[size0], &members[at[1]], size1 * sizeof(int32_t))
        memmove(&h1[rows0], &h1[mid], rows1 * sizeof(uint64_t))
        memmove(&h2[rows0], &h2[mid], rows1 * sizeof(uint64_t))
    offsets_arr = np.empty(rows0 + rows1 + 1, dtype=np.int64)
    offsets_arr[0] = 0
    offsets_arr[1:rows0 + 1] = ends_arr[:rows0]
    offsets_arr[rows0 + 1:] = ends_arr[mid:mid + rows1] + size0
    singleton = singles_arr[0, :n_vars]
    singleton += singles_arr[1, :n_vars]  # counts of sets: whole numbers, exact in any order
    # Views, not copies: the caller merges the rows into new arrays at once.
    return singleton, members_arr[:size0 + size1], offsets_arr, h1_arr[:rows0 + rows1], h2_arr[:rows0 + rows1]


cdef enum:
    MERGE_AHEAD = 8  # rows between a slot's prefetch and its probe


def merge_equal_rows(const int32_t[::1] members, const int64_t[::1] offsets, const double[::1] weights,
                     const uint64_t[::1] h1, const uint64_t[::1] h2):
    """Rows with equal hashes and length merged, in order of first appearance (open addressing on ``h1``,
    each probe's slot prefetched a few rows ahead).

    Returns ``(members, offsets, weights)``: each group's first row, weighted by the group's total.
    """
    cdef int64_t n_rows = offsets.shape[0] - 1, r, e, size = 0, n_out = 0, slot, q
    cdef int64_t mask = 1
    if n_rows >= 2**31:
        raise ValueError(f"too many rows to merge: {n_rows}")
    while mask < 2 * n_rows:
        mask <<= 1
    table_arr = np.full(mask, -1, dtype=np.int32)  # a first row of each group, by slot
    group_arr = np.empty(n_rows, dtype=np.int64)  # output index of each first row
    members_arr = np.empty(members.shape[0], dtype=np.int32)
    offsets_arr = np.empty(n_rows + 1, dtype=np.int64)
    weights_arr = np.empty(n_rows, dtype=np.float64)
    cdef int32_t[::1] table = table_arr
    cdef int64_t[::1] group = group_arr
    cdef int32_t[::1] out_members = members_arr
    cdef int64_t[::1] out_offsets = offsets_arr
    cdef double[::1] out_weights = weights_arr
    mask -= 1
    with nogil:
        out_offsets[0] = 0
        for r in range(n_rows):
            if r + MERGE_AHEAD < n_rows:
                seeding_prefetch(&table[<int64_t>(h1[r + MERGE_AHEAD] & <uint64_t>mask)])
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
            table[slot] = <int32_t>r
            group[r] = n_out
            for e in range(offsets[r], offsets[r + 1]):
                out_members[size] = members[e]
                size += 1
            out_weights[n_out] = weights[r]
            n_out += 1
            out_offsets[n_out] = size
    # Views of the buffers sized for no merge at all: merged rows leave at most that much unused, and
    # copying would fault in as much fresh memory again.
    return members_arr[:size], offsets_arr[:n_out + 1], weights_arr[:n_out]


cdef struct _Row:
    double lam  # the multiplier
    double w  # its cap: the row's weight
    double acc  # sum of x over the row's members (during a subgradient; kept between 0/1 ones)
    int64_t start  # first member
    int32_t size  # number of members
    int32_t mark  # bit 0 while a candidate of the current subgradient; 0/1 subgradients: bit 1 while on
    #               the list of rows that two or more chosen variables cover, the count's generation above


cdef inline void _fresh(_Row* row, int32_t generation) noexcept nogil:
    """A row whose count is of an older generation counts no chosen member and is on no list."""
    if (row.mark >> 2) != generation:
        row.acc = 0.0
        row.mark = generation << 2


cdef class SparseSteps:
    """Projected subgradient steps on the multipliers that touch only the rows that can move.

    The subgradient of row ``r`` is ``-1 + sum of x over its members``, projected to 0
    where its multiplier sits at a bound it would cross. A row at its cap ``w[r]``
    that no chosen variable covers therefore stays put, and most rows are such rows:
    a step visits the rows below their cap (kept in a list) and the rows of the
    chosen variables (through the rows of each variable), not all rows. Each row's
    state lies in one record, so a visit costs one cache line.

    When every selection is 0/1 (:meth:`subgradient_chosen`), each row's count of
    chosen members is kept from one step to the next: a step then visits the rows of
    the variables that enter or leave the selection, or, when those are more than
    the chosen ones' (the selection churns), counts afresh from a new generation (a
    count of an older one reads as 0, so nothing is cleared); either way it finds
    the rows that two or more cover on a list kept as they arise.
    """

    cdef _Row[::1] rows
    cdef const int32_t[::1] members
    cdef const int64_t[::1] var_offsets
    cdef const int32_t[::1] var_rows
    cdef int32_t[::1] active
    cdef int32_t[::1] cand
    cdef double[::1] g
    cdef int32_t[::1] over
    cdef int32_t[::1] dirty
    cdef uint8_t[::1] is_dirty
    cdef int64_t n_dirty
    cdef const int64_t[::1] prev
    cdef int64_t n_active
    cdef int64_t n_cand
    cdef int64_t n_over
    cdef int32_t generation

    def __init__(self, const int32_t[::1] members, const int64_t[::1] offsets, const int64_t[::1] var_offsets,
                 const int32_t[::1] var_rows, const double[::1] w, const double[::1] lam):
        cdef int64_t n_rows = offsets.shape[0] - 1, r, n = 0
        layout = [("lam", "f8"), ("w", "f8"), ("acc", "f8"), ("start", "i8"), ("size", "i4"), ("mark", "i4")]
        self.rows = np.zeros(n_rows, dtype=np.dtype(layout, align=True))
        self.members, self.var_offsets, self.var_rows = members, var_offsets, var_rows
        self.active = np.empty(n_rows, dtype=np.int32)
        self.cand = np.empty(n_rows, dtype=np.int32)
        self.g = np.empty(n_rows, dtype=np.float64)
        self.over = np.empty(n_rows, dtype=np.int32)
        self.dirty = np.empty(n_rows, dtype=np.int32)
        self.is_dirty = np.zeros(n_rows, dtype=np.uint8)
        self.n_dirty = 0
        self.prev = np.zeros(0, dtype=np.int64)
        self.n_over = 0
        self.generation = 0
        with nogil:
            for r in range(n_rows):
                self.rows[r].lam = lam[r]
                self.rows[r].w = w[r]
                self.rows[r].start = offsets[r]
                self.rows[r].size = <int32_t>(offsets[r + 1] - offsets[r])
                if lam[r] < w[r]:
                    self.active[n] = <int32_t>r
                    n += 1
        self.n_active = n
        self.n_cand = 0

    def multipliers(self, double[::1] out):
        """Copy the multipliers into ``out``."""
        cdef int64_t r
        with nogil:
            for r in range(self.rows.shape[0]):
                out[r] = self.rows[r].lam

    def sync(self, double[::1] out):
        """Copy into ``out`` the multipliers changed since the last sync (or since the start): ``out`` held
        them as they were then. A step changes a few rows, so this costs far less than a copy."""
        cdef int64_t i
        cdef int32_t r
        with nogil:
            for i in range(self.n_dirty):
                r = self.dirty[i]
                out[r] = self.rows[r].lam
                self.is_dirty[r] = 0
        self.n_dirty = 0

    def subgradient(self, const int64_t[::1] chosen, const double[::1] x):
        """The subgradient at ``x`` (zero outside ``chosen``) on the rows that can move; returns its squared norm."""
        cdef int64_t i, e, v, j, n = 0
        cdef int32_t r
        cdef double xv, t, norm2 = 0.0
        cdef _Row* row
        with nogil:
            for i in range(self.n_active):
                r = self.active[i]
                self.rows[r].mark = 1
                self.cand[n] = r
                n += 1
            for i in range(chosen.shape[0]):
                v = chosen[i]
                xv = x[v]
                for e in range(self.var_offsets[v], self.var_offsets[v + 1]):
                    r = self.var_rows[e]
                    row = &self.rows[r]
                    row.acc += xv
                    if not row.mark:
                        row.mark = 1
                        self.cand[n] = r
                        n += 1
            for j in range(n):
                row = &self.rows[self.cand[j]]
                t = row.acc - 1.0
                row.acc = 0.0
                row.mark = 0
                if (row.lam <= 0.0 and t > 0.0) or (row.lam >= row.w and t < 0.0):
                    t = 0.0
                self.g[j] = t
                norm2 += t * t
        self.n_cand = n
        return norm2

    def subgradient_chosen(self, const int64_t[::1] chosen):
        """The subgradient at the 0/1 selection ``chosen`` (sorted variable indices), as :meth:`subgradient`
        with ``x = 1`` on ``chosen``; returns its squared norm.

        The counts of chosen members carry over from the last call, so only the
        variables that left or joined the selection are visited. Not to be mixed
        with :meth:`subgradient` on one object.
        """
        cdef int64_t i = 0, j = 0, e, v, k = 0, n = 0, n_prev = self.prev.shape[0], n_new = chosen.shape[0]
        cdef int64_t changed = 0, whole = 0
        cdef int32_t r, generation
        cdef double delta, t, norm2 = 0.0
        cdef _Row* row
        with nogil:
            while i < n_prev or j < n_new:  # the rows to visit either way
                if j >= n_new or (i < n_prev and self.prev[i] < chosen[j]):
                    changed += self.var_offsets[self.prev[i] + 1] - self.var_offsets[self.prev[i]]
                    i += 1
                    continue
                v = chosen[j]
                whole += self.var_offsets[v + 1] - self.var_offsets[v]
                if i >= n_prev or v < self.prev[i]:
                    changed += self.var_offsets[v + 1] - self.var_offsets[v]
                else:
                    i += 1
                j += 1
            if changed > whole:  # count afresh
                self.generation += 1
                self.n_over = 0
                n_prev = 0
            generation = self.generation
            i = 0
            j = 0
            while i < n_prev or j < n_new:  # one walk over both sorted selections
                if j >= n_new or (i < n_prev and self.prev[i] < chosen[j]):
                    v = self.prev[i]
                    i += 1
                    delta = -1.0
                elif i >= n_prev or chosen[j] < self.prev[i]:
                    v = chosen[j]
                    j += 1
                    delta = 1.0
                else:
                    i += 1
                    j += 1
                    continue
                for e in range(self.var_offsets[v], self.var_offsets[v + 1]):
                    r = self.var_rows[e]
                    row = &self.rows[r]
                    _fresh(row, generation)
                    row.acc += delta
                    if row.acc >= 2.0 and not (row.mark & 2):
                        row.mark |= 2
                        self.over[self.n_over] = r
                        self.n_over += 1
            for i in range(self.n_active):
                r = self.active[i]
                _fresh(&self.rows[r], generation)
                self.rows[r].mark |= 1
                self.cand[n] = r
                n += 1
            for i in range(self.n_over):  # the rows still covered twice or more, the list kept to them
                r = self.over[i]
                row = &self.rows[r]
                if row.acc < 2.0:
                    row.mark &= ~2
                    continue
                self.over[k] = r
                k += 1
                if not (row.mark & 1):
                    row.mark |= 1
                    self.cand[n] = r
                    n += 1
            self.n_over = k
            for j in range(n):
                row = &self.rows[self.cand[j]]
                t = row.acc - 1.0
                row.mark &= ~1
                if (row.lam <= 0.0 and t > 0.0) or (row.lam >= row.w and t < 0.0):
                    t = 0.0
                self.g[j] = t
                norm2 += t * t
        self.n_cand = n
        self.prev = np.array(chosen, dtype=np.int64)
        return norm2

    def step(self, double size, double[::1] scores):
        """Multipliers ``-= size * subgradient`` within ``[0, w]``; ``scores`` (the scores at the old
        multipliers) take the changes. Returns the change of the multipliers' sum."""
        cdef int64_t j, e, n_active = 0
        cdef double value, change, total = 0.0
        cdef _Row* row
        with nogil:
            for j in range(self.n_cand):
                row = &self.rows[self.cand[j]]
                if self.g[j] != 0.0:
                    value = row.lam - size * self.g[j]
                    if value < 0.0:
                        value = 0.0
                    elif value > row.w:
                        value = row.w
                    change = value - row.lam
                    if change != 0.0:
                        row.lam = value
                        total += change
                        if not self.is_dirty[self.cand[j]]:
                            self.is_dirty[self.cand[j]] = 1
                            self.dirty[self.n_dirty] = self.cand[j]
                            self.n_dirty += 1
                        for e in range(row.start, row.start + row.size):
                            scores[self.members[e]] += change
                if row.lam < row.w:
                    self.active[n_active] = self.cand[j]
                    n_active += 1
        self.n_active = n_active
        self.n_cand = 0
        return total


cdef struct _Search:
    const int64_t* var_offsets
    const int32_t* var_rows
    const uint64_t* row_masks
    const double* row_w
    const double* single_w
    const double* costs  # n_budgets x n_vars, row-major
    const double* capacity
    const int32_t* group_of
    const int64_t* quota_min
    const int64_t* quota_max
    int64_t* counts
    double* spent
    int64_t n_vars
    int64_t n_budgets
    int64_t deficit
    int64_t work
    int64_t max_work
    double best
    uint64_t best_mask


cdef int _search(_Search* s, int64_t start, uint64_t chosen, double value) noexcept nogil:
    """Visit every selection that extends ``chosen`` by variables from ``start`` on; 1 when out of work."""
    cdef int64_t j, b, e, g, r
    cdef double gain
    cdef bint fits
    if s.deficit == 0 and value > s.best:
        s.best = value
        s.best_mask = chosen
    for j in range(start, s.n_vars):
        fits = True
        for b in range(s.n_budgets):
            if s.spent[b] + s.costs[b * s.n_vars + j] > s.capacity[b]:
                fits = False
                break
        g = s.group_of[j]
        if not fits or (g >= 0 and s.counts[g] >= s.quota_max[g]):
            continue
        s.work += 1 + s.var_offsets[j + 1] - s.var_offsets[j]
        if s.work > s.max_work:
            return 1
        gain = s.single_w[j]
        for e in range(s.var_offsets[j], s.var_offsets[j + 1]):
            r = s.var_rows[e]
            if s.row_masks[r] & chosen == 0:
                gain += s.row_w[r]
        for b in range(s.n_budgets):
            s.spent[b] += s.costs[b * s.n_vars + j]
        if g >= 0:
            if s.counts[g] < s.quota_min[g]:
                s.deficit -= 1
            s.counts[g] += 1
        if _search(s, j + 1, chosen | ((<uint64_t>1) << j), value + gain):
            return 1
        if g >= 0:
            s.counts[g] -= 1
            if s.counts[g] < s.quota_min[g]:
                s.deficit += 1
        for b in range(s.n_budgets):
            s.spent[b] -= s.costs[b * s.n_vars + j]
    return 0


def best_subset(const int32_t[::1] members, const int64_t[::1] offsets, const int64_t[::1] var_offsets,
                const int32_t[::1] var_rows, const double[::1] row_w,
                const double[::1] single_w, const double[:, ::1] costs, const double[::1] capacity,
                const int32_t[::1] group_of, const int64_t[::1] quota_min, const int64_t[::1] quota_max,
                int64_t max_work):
    """The best selection of at most 64 variables within every budget and quota, by enumeration.

    Visits every selection whose costs fit (``costs[b] . x <= capacity[b]``) and whose
    group counts stay within ``quota_max``; the best one meeting ``quota_min`` too wins.
    ``group_of[v]`` is -1 for a variable in no group; ``var_offsets, var_rows`` are the rows
    of each variable. Returns ``(value, chosen)``, or ``None`` when the search needs more
    than ``max_work`` steps (or 64 variables).
    """
    cdef int64_t n_vars = single_w.shape[0], n_rows = offsets.shape[0] - 1, r, e, v
    cdef int64_t n_groups = quota_min.shape[0], g
    if n_vars > 64:
        return None
    masks_arr = np.zeros(n_rows, dtype=np.uint64)
    cdef uint64_t[::1] masks = masks_arr
    for r in range(n_rows):
        for e in range(offsets[r], offsets[r + 1]):
            masks[r] |= (<uint64_t>1) << members[e]
    counts_arr = np.zeros(max(n_groups, 1), dtype=np.int64)
    spent_arr = np.zeros(max(costs.shape[0], 1), dtype=np.float64)
    cdef int64_t[::1] counts = counts_arr
    cdef double[::1] spent = spent_arr
    cdef _Search s
    cdef int out_of_work
    s.var_offsets = &var_offsets[0]
    s.var_rows = &var_rows[0] if var_rows.shape[0] else NULL
    s.row_masks = &masks[0] if n_rows else NULL
    s.row_w = &row_w[0] if n_rows else NULL
    s.single_w = &single_w[0] if n_vars else NULL
    s.costs = &costs[0, 0] if costs.shape[0] and n_vars else NULL
    s.capacity = &capacity[0] if capacity.shape[0] else NULL
    s.group_of = &group_of[0] if n_vars else NULL
    s.quota_min = &quota_min[0] if n_groups else NULL
    s.quota_max = &quota_max[0] if n_groups else NULL
    s.counts = &counts[0]
    s.spent = &spent[0]
    s.n_vars = n_vars
    s.n_budgets = costs.shape[0]
    s.deficit = 0
    for g in range(n_groups):
        s.deficit += quota_min[g]
    s.work = 0
    s.max_work = max_work
    s.best = -1.0
    s.best_mask = 0
    with nogil:
        out_of_work = _search(&s, 0, 0, 0.0)
    if out_of_work:
        return None
    if s.best < 0:
        return -1.0, np.zeros(0, dtype=np.int64)
    chosen = np.array([v for v in range(n_vars) if (s.best_mask >> v) & 1], dtype=np.int64)
    return s.best, chosen
