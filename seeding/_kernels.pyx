# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Hot loops of `seeding`: live-edge diffusion simulation.

Private module. The Python wrappers (``seeding.spread``, ``seeding.models``)
validate dtypes and ranges once; nothing here checks them again.

Randomness is *stateless*: whether arc ``e`` is live in world ``i`` is a pure
function of ``(world key, e)`` (IC) or ``(world key, target node)`` (LT), where
the world key is derived from ``(run seed, world index)``.  Consequences:

* the per-world outcome does not depend on processing order, batching or the
  number of threads;
* evaluating several seed sets with the same run seed uses common random numbers
  (the same live-edge worlds), which is what greedy/CELF marginal gains need.

Both models are simulated as reachability in a random live-edge graph (Kempe,
Kleinberg and Tardos 2003). Worlds are processed 64 at a time (a *batch*): each
node carries a 64-bit mask of the worlds in which it is active, so one pass over
the adjacency serves 64 worlds. World ``i`` is bit ``i % 64`` of batch ``i // 64``.

Each world still gets its own exact, independent draws. For a *slot* (the arc
under IC, the arc's target under LT) the batch derives a stream of 64-bit words
``r_1, r_2, ...``; bit ``j`` of ``r_t`` is binary digit ``t`` of a uniform number
``U_j`` on [0, 1) that belongs to world ``j`` alone. Comparing the 64 numbers
with a threshold digit by digit (bit-sliced) settles about half of the undecided
worlds per word, so a coin for ``k`` worlds costs about ``log2(k) + 2`` words
instead of ``k``, and only the worlds that need the coin are settled.

* IC: arc ``e`` is live in world ``j`` iff ``U_j < p_e`` (53-bit threshold).
* LT: the in-arcs of ``v`` own disjoint intervals ``[lo, hi)`` of [0, 1) with
  lengths equal to their weights, and arc ``e`` is live iff ``U_j`` (keyed by
  ``v``) falls in its interval: each node picks at most one live in-arc.
"""

from cython.parallel cimport parallel, prange
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport calloc, free, malloc

import numpy as np

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int seeding_ctz64(unsigned long long x) {
        unsigned long i; _BitScanForward64(&i, x); return (int)i;
    }
    #else
    static inline int seeding_ctz64(unsigned long long x) { return __builtin_ctzll(x); }
    #endif
    """
    int seeding_ctz64(unsigned long long x) noexcept nogil

cdef uint64_t GAMMA = 0x9E3779B97F4A7C15ULL
cdef uint64_t KEY_SALT = 0xD1B54A32D192ED03ULL


cdef inline uint64_t mix64(uint64_t z) noexcept nogil:
    """The splitmix64 finaliser: a bijective 64-bit mixer."""
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef uint64_t ONE53 = (<uint64_t>1) << 53


cdef inline uint64_t batch_key(uint64_t run_seed, int64_t batch) noexcept nogil:
    return mix64(run_seed + mix64(<uint64_t>batch * GAMMA + KEY_SALT))


cdef inline uint64_t below(uint64_t base, uint64_t worlds, uint64_t lo, uint64_t hi) noexcept nogil:
    """Worlds ``j`` in ``worlds`` whose uniform ``U_j`` (stream ``base``) is in ``[lo, hi)``.

    ``lo <= hi <= 2**53`` are thresholds in units of ``2**-53``.
    """
    cdef uint64_t und_hi = worlds, und_lo = worlds if lo != 0 else 0
    cdef uint64_t res_hi = 0, res_lo = 0, r, b
    cdef int t = 0
    if hi <= lo:
        return 0
    if hi >= ONE53:
        res_hi = worlds
        und_hi = 0
    while (und_hi | und_lo) != 0 and t < 53:
        t += 1
        r = mix64(base + <uint64_t>t * GAMMA)
        b = 0 - ((hi >> (53 - t)) & 1)
        res_hi |= und_hi & ~r & b
        und_hi &= ~(r ^ b)
        b = 0 - ((lo >> (53 - t)) & 1)
        res_lo |= und_lo & ~r & b
        und_lo &= ~(r ^ b)
    return res_hi & ~res_lo


def live_worlds(uint64_t run_seed, int64_t batch, int64_t slot, uint64_t lo, uint64_t hi):
    """Mask of the worlds of ``batch`` in which slot ``slot`` draws a number in ``[lo, hi)``.

    Exposed for tests (an independent Python oracle re-derives it).
    """
    return below(mix64(batch_key(run_seed, batch) + <uint64_t>(slot + 1) * GAMMA), ~<uint64_t>0, lo, hi)


cdef void _simulate_batch(
    const int64_t* indptr,
    const int32_t* indices,
    const uint64_t* lo,
    const uint64_t* width,
    bint by_target,
    const int32_t* seeds,
    int64_t n_seeds,
    const double* node_w,
    bint weighted,
    uint64_t key,
    int n_worlds,
    int64_t n,
    uint64_t* state,
    int32_t* queue,
    int32_t* touched,
    double* out,
) noexcept nogil:
    """Simulate ``n_worlds`` (<= 64) worlds; add each world's spread to ``out[j]``.

    ``state[2 * v]`` is the mask of worlds where ``v`` is active and
    ``state[2 * v + 1]`` those where its activation is not yet propagated (kept
    side by side: one cache line serves both). ``state`` must be all-zero on
    entry and is left all-zero. ``queue`` is circular with capacity ``n``: a node
    is queued iff its pending mask is non-zero, so it is never queued twice.
    """
    cdef uint64_t full = (~<uint64_t>0) if n_worlds == 64 else ((<uint64_t>1 << n_worlds) - 1)
    cdef int64_t head = 0, size = 0, n_touched = 0, i, e, end
    cdef int32_t u, v
    cdef uint64_t m, c, live, slot, lo_e, width_e
    cdef int j
    cdef double w

    for i in range(n_seeds):
        v = seeds[i]
        state[2 * v] = full
        state[2 * v + 1] = full
        touched[n_touched] = v
        n_touched += 1
        queue[size] = v
        size += 1

    while size > 0:
        u = queue[head]
        head += 1
        if head == n:
            head = 0
        size -= 1
        m = state[2 * u + 1]
        state[2 * u + 1] = 0
        end = indptr[u + 1]
        for e in range(indptr[u], end):
            v = indices[e]
            c = m & ~state[2 * v]
            if c == 0:
                continue
            width_e = width[e]
            if by_target:
                lo_e = lo[e]
                slot = <uint64_t>v
            else:
                lo_e = 0
                slot = <uint64_t>e
            live = below(mix64(key + (slot + 1) * GAMMA), c, lo_e, lo_e + width_e)
            if live != 0:
                if state[2 * v] == 0:
                    touched[n_touched] = v
                    n_touched += 1
                state[2 * v] |= live
                if state[2 * v + 1] == 0:
                    i = head + size
                    if i >= n:
                        i -= n
                    queue[i] = v
                    size += 1
                state[2 * v + 1] |= live

    for i in range(n_touched):
        v = touched[i]
        m = state[2 * v]
        state[2 * v] = 0
        w = node_w[v] if weighted else 1.0
        while m != 0:
            j = seeding_ctz64(m)
            m &= m - 1
            out[j] += w


def simulate(
    const int64_t[::1] indptr,
    const int32_t[::1] indices,
    const uint64_t[::1] lo,
    const uint64_t[::1] width,
    bint by_target,
    const int32_t[::1] seeds,
    const double[::1] node_weights,
    uint64_t run_seed,
    int64_t first_world,
    int64_t n_worlds,
    int n_threads,
):
    """Spread of ``seeds`` in worlds ``first_world .. first_world + n_worlds - 1``.

    ``first_world`` must be a multiple of 64 (worlds come in batches of 64).

    Returns a float64 array of length ``n_worlds``: the number of active nodes
    (or the sum of their ``node_weights`` when that array is non-empty).
    """
    cdef int64_t n = indptr.shape[0] - 1
    cdef int64_t n_batches = (n_worlds + 63) // 64
    cdef bint weighted = node_weights.shape[0] > 0
    result = np.zeros(n_worlds, dtype=np.float64)
    cdef double[::1] out = result
    if first_world % 64 != 0:
        raise ValueError("first_world must be a multiple of 64")
    if n_worlds == 0 or seeds.shape[0] == 0:
        return result

    cdef const int64_t* p_indptr = &indptr[0]
    cdef const int32_t* p_indices = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const uint64_t* p_lo = &lo[0] if lo.shape[0] > 0 else NULL
    cdef const uint64_t* p_width = &width[0] if width.shape[0] > 0 else NULL
    cdef const int32_t* p_seeds = &seeds[0]
    cdef const double* p_w = &node_weights[0] if weighted else NULL
    cdef double* p_out = &out[0]

    cdef int64_t b, first, count
    cdef int64_t first_batch = first_world // 64
    cdef uint64_t* state
    cdef int32_t* queue
    cdef int32_t* touched
    cdef int failed = 0

    with nogil, parallel(num_threads=max(1, n_threads)):
        state = <uint64_t*> calloc(2 * n, sizeof(uint64_t))
        queue = <int32_t*> malloc(n * sizeof(int32_t))
        touched = <int32_t*> malloc(n * sizeof(int32_t))
        for b in prange(n_batches, schedule="dynamic"):
            if state == NULL or queue == NULL or touched == NULL:
                failed += 1
            else:
                first = b * 64
                count = n_worlds - first
                if count > 64:
                    count = 64
                _simulate_batch(
                    p_indptr, p_indices, p_lo, p_width, by_target,
                    p_seeds, seeds.shape[0], p_w, weighted,
                    batch_key(run_seed, first_batch + b), <int>count, n, state, queue, touched, p_out + first,
                )
        free(state)
        free(queue)
        free(touched)
    if failed:
        raise MemoryError("not enough memory for the simulation buffers")
    return result
