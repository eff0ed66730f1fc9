# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Hot loops of `seeding`: diffusion simulation and reverse-reachable (RR) sets.

Private module. It holds the loops that draw live-edge worlds and what is
computed on them:

* :func:`simulate` (with :func:`ic_live_worlds` and :func:`live_worlds`):
  Monte-Carlo spread of a seed set under IC or LT (``seeding.spread``);
* :func:`sample_rr_sets` and :func:`count_rr_hits`: RR sets sampled, or only
  counted against a seed set (``seeding.rrsets``; Borgs et al. 2014, Tang et
  al. 2015);
* :func:`max_cover` and :class:`Coverage`: greedy maximum coverage of RR sets,
  with OPIM-C's upper bound, and weighted coverage under a growing seed set
  (``seeding.rrsets``, ``seeding.algorithms.budgeted``).

The Python wrappers (``seeding.spread``, ``seeding.rrsets``, ``seeding.models``)
validate dtypes and ranges once; nothing here checks them again. Edge-list
parsing, writing and arc sorting live in ``_edges``.

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
worlds per word.

* IC: arc ``e`` is live in world ``j`` iff ``U_j < p_e`` (53-bit threshold). The
  words of arc ``e`` in a batch with key ``k`` are ``r_t = mum(k + (64 e + t) *
  P0)``, with ``mum(x)`` the two halves of the 128-bit product ``x * (x ^ P1)``
  xor-ed together (wyrand's output function and constants ``P0``, ``P1``). The
  first time a node is expanded in a batch, the 64-world live masks of all its
  out-arcs are drawn at once (about 9 words each, mostly in fixed runs, so few
  branches depend on the data) and kept for the node's later expansions in the
  batch. An expansion then only reads masks and targets; the arcs live in a
  pending world are collected and applied to their targets in runs, without
  data-dependent branches.
* LT: the in-arcs of ``v`` own disjoint intervals ``[lo, hi)`` of [0, 1) with
  lengths equal to their weights, and arc ``e`` is live iff ``U_j`` (keyed by
  ``v``) falls in its interval: each node picks at most one live in-arc. Here
  the words are ``r_t = mix64(mix64(k + (v + 1) * GAMMA) + t * GAMMA)`` (splitmix64's
  finaliser), drawn on demand for only the worlds that need the coin, so a coin for
  ``k`` worlds costs about ``log2(k) + 2`` words.
"""

from cython.parallel cimport parallel, prange
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint64_t
from libc.math cimport floor, log
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy
from seeding._inline cimport mix64, seeding_prefetch

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

cdef extern from *:
    """
    /* wyrand's output function: the high and low halves of x * (x ^ P1), xor-ed. */
    #define SEEDING_P0 0xa0761d6478bd642fULL
    #define SEEDING_P1 0xe7037ed1a0b428dbULL
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    /* One mulq, its halves in rax:rdx (a 128-bit temporary can make GCC spill them). */
    static inline unsigned long long seeding_mum(unsigned long long x) {
        unsigned long long lo, hi;
        __asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(x), "rm"(x ^ SEEDING_P1) : "cc");
        return hi ^ lo;
    }
    #elif defined(__SIZEOF_INT128__)
    static inline unsigned long long seeding_mum(unsigned long long x) {
        unsigned __int128 t = (unsigned __int128)x * (x ^ SEEDING_P1);
        return (unsigned long long)(t >> 64) ^ (unsigned long long)t;
    }
    #elif defined(_MSC_VER) && defined(_M_X64)
    #include <intrin.h>
    static inline unsigned long long seeding_mum(unsigned long long x) {
        unsigned long long hi, lo = _umul128(x, x ^ SEEDING_P1, &hi);
        return hi ^ lo;
    }
    #else
    static inline unsigned long long seeding_mum(unsigned long long x) {
        unsigned long long y = x ^ SEEDING_P1;
        unsigned long long a = x >> 32, b = x & 0xffffffffULL, c = y >> 32, d = y & 0xffffffffULL;
        unsigned long long ac = a * c, ad = a * d, bc = b * c, bd = b * d;
        unsigned long long mid = (bd >> 32) + (ad & 0xffffffffULL) + (bc & 0xffffffffULL);
        unsigned long long hi = ac + (ad >> 32) + (bc >> 32) + (mid >> 32);
        return hi ^ (x * y);
    }
    #endif
    """
    uint64_t seeding_mum(uint64_t x) noexcept nogil
    uint64_t SEEDING_P0

# The constants are compile-time ones (C macros and enums): a module variable would be read from memory
# again after every store through a uint64_t pointer, which may alias it.
cdef extern from *:
    """
    #define SEEDING_GAMMA 0x9E3779B97F4A7C15ULL
    #define SEEDING_KEY_SALT 0xD1B54A32D192ED03ULL
    #define SEEDING_ONE53 (1ULL << 53)
    #define SEEDING_RR_SALT 0x8CB92BA72F3D8DD7ULL
    #define SEEDING_INV53 (1.0 / 9007199254740992.0)
    #define SEEDING_RR_BEGIN ((1ULL << 62) - 1)
    #define SEEDING_RR_DEG ((1ULL << 32) - 1)
    """
    const uint64_t GAMMA "SEEDING_GAMMA"  # splitmix64's increment
    const uint64_t KEY_SALT "SEEDING_KEY_SALT"
    const uint64_t ONE53 "SEEDING_ONE53"
    const uint64_t RR_SALT "SEEDING_RR_SALT"
    const double INV53 "SEEDING_INV53"
    const uint64_t RR_BEGIN "SEEDING_RR_BEGIN"  # an RR record's first in-arc (its low 62 bits)
    const uint64_t RR_DEG "SEEDING_RR_DEG"  # an RR record's in-degree (its low 32 bits)


cdef enum:
    PF_NODE = 8  # queue look-ahead of the state/offset prefetch
    PF_ADJ = 4   # queue look-ahead of the adjacency prefetch
    PF_ARC = 4   # arc look-ahead of the target-state prefetch
    IC_WORDS = 8  # words drawn unconditionally per IC arc before the loop
    HIT_FLUSH = 64  # deferred IC hits applied once there are this many
    PF_HIT = 8  # hit look-ahead of the target-state prefetch


cdef inline uint64_t batch_key(uint64_t run_seed, int64_t batch) noexcept nogil:
    return mix64(run_seed + mix64(<uint64_t>batch * GAMMA + KEY_SALT))


cdef inline uint64_t ic_mask_head(uint64_t x, uint64_t thr, uint64_t* und, uint64_t* t) noexcept nogil:
    """The worlds settled live by the first ``IC_WORDS`` words of an IC arc (see :func:`ic_mask`).

    Leaves in ``und`` the worlds still tied and in ``t`` the digits of ``thr``
    left (the next at bit 63); nothing is left to settle unless both are non-zero.
    """
    cdef uint64_t res = 0, r, b, z, u = ~<uint64_t>0, s
    cdef int _i
    if thr >= ONE53:
        und[0] = 0
        t[0] = 0
        return u
    s = thr << 11  # digit 1 at bit 63
    for _i in range(IC_WORDS):
        r = seeding_mum(x)
        x += SEEDING_P0
        b = <uint64_t>(<int64_t>s >> 63)
        s <<= 1
        z = u & (r ^ b)  # worlds settled by this digit
        res |= z & b
        u ^= z
    und[0] = u
    t[0] = s
    return res


cdef inline uint64_t ic_mask_rest(uint64_t x, uint64_t res, uint64_t und, uint64_t t) noexcept nogil:
    """Settle the worlds ``und`` left tied by :func:`ic_mask_head`; ``x`` is the counter of word ``IC_WORDS + 1``.

    Four words settle the last tied world of an arc but rarely, so the loop
    after them is rarely entered.
    """
    cdef uint64_t r, b, z
    cdef int _i
    for _i in range(4):
        r = seeding_mum(x)
        x += SEEDING_P0
        b = <uint64_t>(<int64_t>t >> 63)
        t <<= 1
        z = und & (r ^ b)
        res |= z & b
        und ^= z
    while (und != 0) & (t != 0):
        r = seeding_mum(x)
        x += SEEDING_P0
        b = <uint64_t>(<int64_t>t >> 63)
        t <<= 1
        z = und & (r ^ b)
        res |= z & b
        und ^= z
    return res


cdef inline uint64_t ic_mask(uint64_t x, uint64_t thr) noexcept nogil:
    """The 64 worlds in which an IC arc with threshold ``thr`` (``floor(p * 2**53)``) is live.

    ``x`` is the arc's counter ``k + (64 e + 1) * P0``: word ``t`` (from 1) is
    ``mum(x + (t - 1) * P0)``, bit ``j`` of it digit ``t`` of ``U_j``. A world is
    settled at its first digit that differs from ``thr``'s; once the digits of
    ``thr`` left are all zero, the worlds still tied are not below it. A word
    drawn after every world is settled changes nothing, so words are drawn in
    fixed runs: ``IC_WORDS`` (a world is still tied after them in about one arc
    in four), then 4 more, then one at a time (rare).
    """
    cdef uint64_t und, t
    cdef uint64_t res = ic_mask_head(x, thr, &und, &t)
    if (und != 0) & (t != 0):
        res = ic_mask_rest(x + IC_WORDS * SEEDING_P0, res, und, t)
    return res


cdef inline uint64_t below(uint64_t base, uint64_t worlds, uint64_t lo, uint64_t hi) noexcept nogil:
    """Worlds ``j`` in ``worlds`` whose uniform ``U_j`` (stream ``base``) is in ``[lo, hi)``.

    ``lo <= hi <= 2**53`` are thresholds in units of ``2**-53``.

    Word ``t`` compares binary digit ``t`` of every ``U_j`` with digit ``t`` of
    ``hi`` (and of ``lo``); a world is settled at its first differing digit.
    Words are drawn two per loop test: a word drawn after every world is settled
    changes nothing, and the rarer loop exits cost fewer branch mispredictions.
    """
    cdef uint64_t und_hi = worlds, und_lo = worlds if lo != 0 else 0
    cdef uint64_t res_hi = 0, res_lo = 0, r, b
    cdef int t = 0
    if hi <= lo:
        return 0
    if hi >= ONE53:
        res_hi = worlds
        und_hi = 0
    while (und_hi | und_lo) != 0 and t < 52:
        # Word t + 1: digit 52 - t of the thresholds.
        r = mix64(base + <uint64_t>(t + 1) * GAMMA)
        b = 0 - ((hi >> (52 - t)) & 1)
        res_hi |= und_hi & ~r & b
        und_hi &= ~(r ^ b)
        b = 0 - ((lo >> (52 - t)) & 1)
        res_lo |= und_lo & ~r & b
        und_lo &= ~(r ^ b)
        # Word t + 2: digit 51 - t.
        r = mix64(base + <uint64_t>(t + 2) * GAMMA)
        b = 0 - ((hi >> (51 - t)) & 1)
        res_hi |= und_hi & ~r & b
        und_hi &= ~(r ^ b)
        b = 0 - ((lo >> (51 - t)) & 1)
        res_lo |= und_lo & ~r & b
        und_lo &= ~(r ^ b)
        t += 2
    if (und_hi | und_lo) != 0:
        # Word 53, the last digit; worlds still tied with a threshold compare
        # equal to it, i.e. not below it.
        r = mix64(base + <uint64_t>53 * GAMMA)
        b = 0 - (hi & 1)
        res_hi |= und_hi & ~r & b
        b = 0 - (lo & 1)
        res_lo |= und_lo & ~r & b
    return res_hi & ~res_lo


def ic_live_worlds(uint64_t run_seed, int64_t batch, int64_t arc, uint64_t width):
    """Mask of the worlds of ``batch`` in which IC arc ``arc`` (threshold ``width``) is live.

    Exposed for tests (an independent Python oracle re-derives it).
    """
    return ic_mask(batch_key(run_seed, batch) + (<uint64_t>arc * 64 + 1) * SEEDING_P0, width)


def live_worlds(uint64_t run_seed, int64_t batch, int64_t slot, uint64_t lo, uint64_t hi):
    """Mask of the worlds of ``batch`` in which LT slot ``slot`` draws a number in ``[lo, hi)``.

    Exposed for tests (an independent Python oracle re-derives it).
    """
    return below(mix64(batch_key(run_seed, batch) + <uint64_t>(slot + 1) * GAMMA), ~<uint64_t>0, lo, hi)


cdef void _count_worlds(
    const int32_t* touched, int64_t n_touched, uint64_t* state, const double* node_w, bint weighted,
    int n_worlds, double* out,
) noexcept nogil:
    """Add each world's spread to ``out[j]`` (``j < n_worlds``) and clear the active masks of ``touched``.

    Unweighted counts are kept in byte lanes (lane ``8 y + b`` of ``acc[b]`` counts
    world ``8 y + b``), flushed before a lane can overflow; weighted sums add the
    weights in ``touched`` order, so they do not depend on anything but the batch.
    """
    cdef uint64_t acc[8]
    cdef int64_t cnt[64]
    cdef int64_t i, start
    cdef uint64_t m
    cdef int32_t v
    cdef int b, j
    cdef double w
    if weighted:
        for i in range(n_touched):
            v = touched[i]
            m = state[2 * v]
            state[2 * v] = 0
            w = node_w[v]
            while m != 0:
                j = seeding_ctz64(m)
                m &= m - 1
                out[j] += w
        return
    for j in range(64):
        cnt[j] = 0
    for start in range(0, n_touched, 255):  # a byte lane holds up to 255
        for b in range(8):
            acc[b] = 0
        for i in range(start, min(start + 255, n_touched)):
            v = touched[i]
            m = state[2 * v]
            state[2 * v] = 0
            for b in range(8):
                acc[b] += (m >> b) & 0x0101010101010101ULL
        for b in range(8):
            for j in range(8):
                cnt[8 * j + b] += <int64_t>((acc[b] >> (8 * j)) & 0xFF)
    for j in range(n_worlds):
        out[j] += <double>cnt[j]


cdef inline int64_t _seed_batch(
    const int32_t* seeds, int64_t n_seeds, uint64_t full, uint64_t* state, int32_t* queue, int32_t* touched,
) noexcept nogil:
    """Activate and queue the seeds in all ``full`` worlds; return how many distinct seeds."""
    cdef int64_t i, count = 0
    cdef int32_t v
    for i in range(n_seeds):
        v = seeds[i]
        if state[2 * v] != 0:
            continue  # a repeated seed: queued and counted once
        state[2 * v] = full
        state[2 * v + 1] = full
        touched[count] = v
        queue[count] = v
        count += 1
    return count


cdef int _simulate_ic_batch(
    const int64_t* indptr,
    const int32_t* indices,
    const uint64_t* width,
    const int32_t* seeds,
    int64_t n_seeds,
    const double* node_w,
    bint weighted,
    uint64_t key,
    int n_worlds,
    int64_t n,
    uint64_t* state,
    int32_t* queue,
    int64_t q_mask,
    int32_t* touched,
    int64_t* first_mask,
    uint64_t** masks,
    int64_t* cap,
    int32_t* hit_node,
    uint64_t* hit_mask,
    int64_t* tail_arc,
    uint64_t* tail_und,
    uint64_t* tail_t,
    double* out,
) noexcept nogil:
    """IC: simulate ``n_worlds`` (<= 64) worlds and add each world's spread to ``out[j]``; 0, or -1 if out of memory.

    Buffers as in :func:`_simulate_lt_batch`. The first expansion of node ``u``
    draws the live masks of its out-arcs into ``masks[0][first_mask[u]:]`` (the
    buffer grows as needed; ``first_mask`` is -1 for nodes without masks, on entry
    and on return); the arcs with a world still tied after the first words are
    listed in ``tail_*`` (``max_deg`` slots) and finished in a second loop. An
    expansion then reads only the node's masks and targets:
    each arc live in some pending world, with ``mask & pending``, is a *hit*,
    appended to ``hit_node``/``hit_mask`` without a branch. Hits are applied in
    runs of at least ``HIT_FLUSH`` (or when the queue is empty): ``live = hit &
    ~active`` is added to the target's masks by a branch-free update that writes
    one slot past the ends of ``touched`` and ``queue`` and claims it only when
    needed. Only hit targets' state is touched, the runs keep loop exits rare,
    and the targets a few hits ahead are prefetched, as are nodes a few places
    down the queue (``queue`` holds node indices in every slot, so the
    look-ahead is safe). Deferring hits changes no world's outcome: a world's
    active set is the least fixed point of the same live arcs in any order.
    """
    cdef uint64_t full = (~<uint64_t>0) if n_worlds == 64 else ((<uint64_t>1 << n_worlds) - 1)
    cdef int64_t n_touched = _seed_batch(seeds, n_seeds, full, state, queue, touched)
    cdef int64_t head = 0, tail = n_touched, used = 0
    cdef int64_t i, k, d, start, want, v, n_hit, n_tail
    cdef int32_t u
    cdef uint64_t m, live, a, p, x, x0, und, t
    cdef uint64_t* mk = masks[0]
    cdef uint64_t* grown
    cdef const uint64_t* lm
    cdef const int32_t* tgt
    cdef int64_t nz
    cdef int status = 0

    n_hit = 0
    while True:
        if head == tail or n_hit >= HIT_FLUSH:
            # Apply the deferred hits: the targets' state, loaded in one run.
            if n_hit == 0:
                break
            for k in range(n_hit):
                i = k + PF_HIT
                if i >= n_hit:
                    i = n_hit - 1
                seeding_prefetch(&state[2 * <int64_t>hit_node[i]])
                v = hit_node[k]
                a = state[2 * v]
                p = state[2 * v + 1]
                live = hit_mask[k] & ~a
                nz = live != 0
                touched[n_touched] = <int32_t>v
                n_touched += nz & (a == 0)
                state[2 * v] = a | live
                queue[tail] = <int32_t>v
                tail = (tail + (nz & (p == 0))) & q_mask
                state[2 * v + 1] = p | live
            n_hit = 0
            continue
        u = queue[head]
        head = (head + 1) & q_mask
        v = queue[(head + PF_NODE) & q_mask]
        seeding_prefetch(&state[2 * v])
        seeding_prefetch(&indptr[v])
        seeding_prefetch(&first_mask[v])
        v = queue[(head + PF_ADJ) & q_mask]
        seeding_prefetch(&indices[indptr[v]])
        seeding_prefetch(mk + max(first_mask[v], 0))  # its masks, if drawn
        m = state[2 * u + 1]
        state[2 * u + 1] = 0
        start = indptr[u]
        d = indptr[u + 1] - start
        tgt = indices + start
        if first_mask[u] < 0:
            if used + d > cap[0]:
                want = max(2 * cap[0], used + d)
                grown = <uint64_t*> realloc(mk, want * sizeof(uint64_t))
                if grown == NULL:
                    status = -1
                    break
                mk = grown
                masks[0] = grown
                cap[0] = want
            first_mask[u] = used
            # Draw the masks (the arcs with a world still tied after the first
            # words are finished afterwards, in a second short loop: fewer
            # mispredicted branches) and make the first expansion's hits.
            x0 = key + (<uint64_t>start * 64 + 1) * SEEDING_P0
            x = x0
            n_tail = 0
            for k in range(d):
                a = ic_mask_head(x, width[start + k], &und, &t)
                x += 64 * SEEDING_P0
                tail_arc[n_tail] = k
                tail_und[n_tail] = und
                tail_t[n_tail] = t
                n_tail += (und != 0) & (t != 0)
                mk[used + k] = a
                live = a & m
                hit_node[n_hit] = tgt[k]
                hit_mask[n_hit] = live
                n_hit += live != 0
            for i in range(n_tail):
                k = tail_arc[i]
                a = mk[used + k]
                p = ic_mask_rest(x0 + (<uint64_t>k * 64 + IC_WORDS) * SEEDING_P0, a, tail_und[i], tail_t[i])
                mk[used + k] = p
                live = p & ~a & m
                hit_node[n_hit] = tgt[k]
                hit_mask[n_hit] = live
                n_hit += live != 0
            used += d
        else:
            # The arcs live in some pending world become hits, applied later.
            lm = mk + first_mask[u]
            for k in range(d):
                live = lm[k] & m
                hit_node[n_hit] = tgt[k]
                hit_mask[n_hit] = live
                n_hit += live != 0

    for i in range(n_touched):
        first_mask[touched[i]] = -1
    _count_worlds(touched, n_touched, state, node_w, weighted, n_worlds, out)
    return status


cdef void _simulate_lt_batch(
    const int64_t* indptr,
    const int32_t* indices,
    const uint64_t* lo,
    const uint64_t* width,
    const int32_t* seeds,
    int64_t n_seeds,
    const double* node_w,
    bint weighted,
    uint64_t key,
    int n_worlds,
    int64_t n,
    uint64_t* state,
    int32_t* queue,
    int64_t q_mask,
    int32_t* touched,
    double* out,
) noexcept nogil:
    """LT: simulate ``n_worlds`` (<= 64) worlds and add each world's spread to ``out[j]``.

    ``state[2 * v]`` is the mask of worlds where ``v`` is active and
    ``state[2 * v + 1]`` those where its activation is not yet propagated (kept
    side by side: one cache line serves both). ``state`` must be all-zero on
    entry and is left all-zero. ``queue`` is circular with ``q_mask + 1 > n``
    slots (a power of two), all holding node indices: a node is queued iff its
    pending mask is non-zero, so at most ``n`` are and the slot at the tail is
    always free. ``touched`` needs ``n + 1`` slots (the update writes one slot
    ahead).

    The coin of an arc is drawn only for the worlds where its source is pending
    and its target inactive. Nodes a few places down the queue and the targets of
    the next arcs are prefetched. None of this changes which worlds are live
    (``touched`` keeps first-activation order, so weighted sums are accumulated
    in the same order too).
    """
    cdef uint64_t full = (~<uint64_t>0) if n_worlds == 64 else ((<uint64_t>1 << n_worlds) - 1)
    cdef int64_t n_touched = _seed_batch(seeds, n_seeds, full, state, queue, touched)
    cdef int64_t head = 0, tail = n_touched, e, end
    cdef int32_t u, v, q
    cdef uint64_t m, c, live, lo_e, a, p
    cdef int64_t nz

    while head != tail:
        u = queue[head]
        head = (head + 1) & q_mask
        q = queue[(head + PF_NODE) & q_mask]
        seeding_prefetch(&state[2 * q])
        seeding_prefetch(&indptr[q])
        q = queue[(head + PF_ADJ) & q_mask]
        seeding_prefetch(&indices[indptr[q]])
        seeding_prefetch(&width[indptr[q]])
        m = state[2 * u + 1]
        state[2 * u + 1] = 0
        end = indptr[u + 1]
        for e in range(indptr[u], end):
            if e + PF_ARC < end:
                seeding_prefetch(&state[2 * indices[e + PF_ARC]])
            v = indices[e]
            c = m & ~state[2 * v]
            if c == 0:
                continue
            lo_e = lo[e]
            live = below(mix64(key + (<uint64_t>v + 1) * GAMMA), c, lo_e, lo_e + width[e])
            # Branch-free update (``live`` is unpredictable): ``touched`` and
            # ``queue`` get a slot past the end, claimed only when needed.
            a = state[2 * v]
            p = state[2 * v + 1]
            nz = live != 0
            touched[n_touched] = v
            n_touched += nz & (a == 0)
            state[2 * v] = a | live
            queue[tail] = v
            tail = (tail + (nz & (p == 0))) & q_mask
            state[2 * v + 1] = p | live

    _count_worlds(touched, n_touched, state, node_w, weighted, n_worlds, out)


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
    if np.min(seeds) < 0 or np.max(seeds) >= n:
        raise ValueError(f"seed indices must be in [0, {n}); got {np.min(seeds)}..{np.max(seeds)}")

    cdef const int64_t* p_indptr = &indptr[0]
    cdef const int32_t* p_indices = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const uint64_t* p_lo = &lo[0] if lo.shape[0] > 0 else NULL
    cdef const uint64_t* p_width = &width[0] if width.shape[0] > 0 else NULL
    cdef const int32_t* p_seeds = &seeds[0]
    cdef const double* p_w = &node_weights[0] if weighted else NULL
    cdef double* p_out = &out[0]

    cdef int64_t b, first, count, v
    cdef int64_t first_batch = first_world // 64
    cdef int64_t q_mask = 1
    while q_mask < n + 1:
        q_mask *= 2
    q_mask -= 1
    cdef int64_t mask_cap
    cdef uint64_t* state
    cdef int32_t* queue
    cdef int32_t* touched
    cdef int64_t* first_mask
    cdef uint64_t* masks
    cdef int32_t* hit_node
    cdef uint64_t* hit_mask
    cdef int64_t* tail_arc
    cdef uint64_t* tail_und
    cdef uint64_t* tail_t
    cdef int64_t max_deg = 0
    cdef int failed = 0
    for v in range(n):
        if p_indptr[v + 1] - p_indptr[v] > max_deg:
            max_deg = p_indptr[v + 1] - p_indptr[v]

    with nogil, parallel(num_threads=max(1, n_threads)):
        state = <uint64_t*> calloc(2 * n, sizeof(uint64_t))
        queue = <int32_t*> calloc(q_mask + 1, sizeof(int32_t))
        touched = <int32_t*> malloc((n + 1) * sizeof(int32_t))
        first_mask = NULL
        masks = NULL
        hit_node = NULL
        hit_mask = NULL
        tail_arc = NULL
        tail_und = NULL
        tail_t = NULL
        mask_cap = 0
        if not by_target:
            first_mask = <int64_t*> malloc(n * sizeof(int64_t))
            mask_cap = min(max(indices.shape[0], 64), 1 << 20)
            masks = <uint64_t*> malloc(mask_cap * sizeof(uint64_t))
            hit_node = <int32_t*> malloc((HIT_FLUSH + 2 * max_deg + 1) * sizeof(int32_t))
            hit_mask = <uint64_t*> malloc((HIT_FLUSH + 2 * max_deg + 1) * sizeof(uint64_t))
            tail_arc = <int64_t*> malloc((max_deg + 1) * sizeof(int64_t))
            tail_und = <uint64_t*> malloc((max_deg + 1) * sizeof(uint64_t))
            tail_t = <uint64_t*> malloc((max_deg + 1) * sizeof(uint64_t))
            if first_mask != NULL:
                for v in range(n):
                    first_mask[v] = -1
        for b in prange(n_batches, schedule="dynamic"):
            if state == NULL or queue == NULL or touched == NULL or (
                not by_target and (
                    first_mask == NULL or masks == NULL or hit_node == NULL or hit_mask == NULL
                    or tail_arc == NULL or tail_und == NULL or tail_t == NULL
                )
            ):
                failed += 1
            else:
                first = b * 64
                count = n_worlds - first
                if count > 64:
                    count = 64
                if by_target:
                    _simulate_lt_batch(
                        p_indptr, p_indices, p_lo, p_width, p_seeds, seeds.shape[0], p_w, weighted,
                        batch_key(run_seed, first_batch + b), <int>count, n, state, queue, q_mask, touched,
                        p_out + first,
                    )
                elif _simulate_ic_batch(
                    p_indptr, p_indices, p_width, p_seeds, seeds.shape[0], p_w, weighted,
                    batch_key(run_seed, first_batch + b), <int>count, n, state, queue, q_mask, touched,
                    first_mask, &masks, &mask_cap, hit_node, hit_mask, tail_arc, tail_und, tail_t, p_out + first,
                ) != 0:
                    failed += 1
        free(state)
        free(queue)
        free(touched)
        free(first_mask)
        free(masks)
        free(hit_node)
        free(hit_mask)
        free(tail_arc)
        free(tail_und)
        free(tail_t)
    if failed:
        raise MemoryError("not enough memory for the simulation buffers")
    return result


# --------------------------------------------------------------------------
# Reverse-reachable (RR) sets
# --------------------------------------------------------------------------
#
# RR set i is sampled from its own stream, seeded by (run seed, i): the sets do
# not depend on the number of threads. The stream starts at ``mix64(run_seed +
# mix64(i * GAMMA + RR_SALT))`` and its words are wyrand's (the state steps by
# ``P0``, each word is ``mum(state)``): one multiply a word where splitmix64
# takes two, and a set of Epinions draws about 8.5 words, its root's included.
# Sets are produced in blocks; each block fills a private growable buffer and
# the blocks are concatenated in order.
#
# The walk is bound by cache misses (a node's record, then the source of each
# live in-arc), so the per-node data is packed into 16 bytes and what the draws
# compare with sits in a small shared pool. ``rr_nodes[v] = (word0, word1)``:
# ``word0 = begin | kind << 62`` (``begin``: first in-arc of ``v``) and ``word1 =
# deg | off << 32`` (``deg``: in-degree, ``off``: offset in ``rr_pool``). Under IC:
#
# * ``RR_TABLE``: all in-arcs share one probability ``p < 1`` and ``deg`` is at most
#   a few hundred. ``rr_pool + off`` holds 256 16-bit guesses ``G`` (``RR_GUESS_WORDS``
#   words), then ``P[j] = floor((1 - p)**j * 2**53)`` for ``j = 0 .. L`` and a 0 (one
#   table per ``p``, ``L`` its largest in-degree). The gap ``J`` before the next live
#   arc is geometric: ``J >= j`` iff a uniform 53-bit draw ``r`` is below ``P[j]``, so
#   ``J = max{j: P[j] > r}``; ``J >= rest`` (``rest`` arcs left) means no further live
#   arc. ``J`` does not increase with ``r``: ``G[r >> 45]`` is ``J`` at the top of
#   ``r``'s bucket, its bit 15 set where a threshold splits the bucket; only there is
#   ``J`` more (by one, rarely a few: one compare each), elsewhere no threshold is read.
#   The events of one draw nest exactly, as the thresholds are shared.
# * ``RR_LOG``: the same with a large ``deg``: ``rr_pool[off] = (1 - p)**deg`` as
#   above and ``rr_pool[off + 1]`` the bits of ``log(1 - p)``; after the first
#   draw, gaps are ``floor(log(U) / log(1 - p))``.
# * ``RR_ALL``: every in-arc has ``p >= 1``: all live, no draw.
# * ``RR_COIN``: mixed probabilities: one coin per arc, live iff ``r < in_thr[e]
#   = floor(p_e * 2**53)``.
#
# Under LT ``in_thr`` is the upper end of each in-arc's interval, increasing
# within a node; ``kind`` and ``off`` are unused.

cdef enum:
    RR_TABLE = 0
    RR_LOG = 1
    RR_ALL = 2
    RR_COIN = 3

cdef enum:
    RR_BLOCK = 256  # RR sets per block of a thread
    RR_GUESS_SHIFT = 45  # 53-bit draws: 256 buckets
    RR_GUESS_WORDS = 64  # 256 uint16 guesses
    RR_AHEAD = 8  # roots drawn this many sets ahead


cdef inline uint64_t next64(uint64_t* s) noexcept nogil:
    """The next word of an RR set's stream: wyrand (a step of ``P0``, then ``mum``)."""
    s[0] += SEEDING_P0
    return seeding_mum(s[0])


cdef inline int _grow(int32_t** buf, int64_t* cap, int64_t need) noexcept nogil:
    """Make room for ``need`` nodes in ``buf``; 0 on success, -1 if out of memory."""
    cdef int32_t* grown
    cdef int64_t size = cap[0]
    if need <= size:
        return 0
    while size < need:
        size *= 2
    grown = <int32_t*> realloc(buf[0], size * sizeof(int32_t))
    if grown == NULL:
        return -1
    buf[0] = grown
    cap[0] = size
    return 0


cdef inline void _prefetch_in_arcs(const uint64_t* rr_nodes, const int32_t* in_indices, int32_t v) noexcept nogil:
    """Prefetch the first and last in-arc of ``v``: a short in-list (most) fits in these lines."""
    cdef uint64_t a = rr_nodes[2 * v] & RR_BEGIN, d = rr_nodes[2 * v + 1] & RR_DEG
    if d != 0:
        seeding_prefetch(&in_indices[a])
        seeding_prefetch(&in_indices[a + d - 1])


ctypedef struct _Never:  # the stop mask of sampling: no node stops a set (the check compiles away)
    char unused

ctypedef fused Stop:
    _Never
    uint8_t


cdef inline int _reach(
    int32_t u, const uint64_t* rr_nodes, uint64_t* seen, const Stop* stop, int32_t* buf, int64_t* end,
) noexcept nogil:
    """Add ``u`` at ``buf[end[0]]`` unless seen (the caller made room): 0, or -2 if ``u`` is a stop node.

    The record of a new node is prefetched: it is read when the node's turn comes.
    Sampling (no stop mask) adds without a branch: ``u`` is written in any case
    and the end moves past it only if it is new (whether it was seen is a coin
    flip to the branch predictor).
    """
    cdef uint64_t bit = (<uint64_t>1) << (u & 63)
    cdef uint64_t word = seen[u >> 6]
    if Stop is uint8_t:
        if word & bit:
            return 0
        if stop[u]:
            return -2
    seen[u >> 6] = word | bit
    seeding_prefetch(&rr_nodes[2 * u])
    buf[end[0]] = u
    if Stop is uint8_t:
        end[0] += 1
    else:
        end[0] += (word & bit) == 0
    return 0


cdef inline int _rr_walk(
    const uint64_t* rr_nodes,
    const uint64_t* rr_pool,
    const int32_t* in_indices,
    const uint64_t* in_thr,
    bint lt,
    uint64_t* stream_out,
    int32_t** buf,
    int64_t* cap,
    int64_t head,
    int64_t* end,
    uint64_t* seen,
    const Stop* stop,
) noexcept nogil:
    """Grow the set in ``buf[head:end[0]]`` to all it reaches; 0, or -2 (stop node), -1 (out of memory).

    IC: each in-arc of a reached node is live independently; see the layout note
    above for the kinds of node. LT: each reached node keeps at most one in-arc,
    the one whose interval ``[in_thr[k-1], in_thr[k])`` holds ``U``, and the walk
    stops at a node seen before.
    """
    cdef int64_t a, b, lo_k, hi_k, mid, pos, rest, j
    cdef int32_t v
    cdef uint64_t r, w0, w1
    cdef const uint64_t* P
    cdef const uint16_t* G
    cdef double q, jump
    cdef int kind, status
    cdef bint known
    cdef int32_t* out = buf[0]
    cdef int64_t e = end[0]
    cdef uint64_t st = stream_out[0]  # a local copy: the stores to the sets and the bitmap cannot alias it
    cdef uint64_t* stream = &st
    while head < e:
        v = out[head]
        head += 1
        w0 = rr_nodes[2 * v]
        w1 = rr_nodes[2 * v + 1]
        if head < e:  # the next node's in-arcs (its record was prefetched when it was queued)
            _prefetch_in_arcs(rr_nodes, in_indices, out[head])
        rest = <int64_t>(w1 & RR_DEG)
        if rest == 0:
            continue
        if e + rest > cap[0]:  # room for every in-arc: no check per arc
            if _grow(buf, cap, e + rest) < 0:
                end[0] = e
                stream_out[0] = st
                return -1
            out = buf[0]
        a = <int64_t>(w0 & RR_BEGIN)
        b = a + rest
        if lt:
            r = next64(stream) >> 11
            if r >= in_thr[b - 1]:
                continue
            lo_k = a
            hi_k = b - 1
            while lo_k < hi_k:  # first in-arc whose upper end exceeds r
                mid = (lo_k + hi_k) >> 1
                if in_thr[mid] > r:
                    hi_k = mid
                else:
                    lo_k = mid + 1
            status = _reach(in_indices[lo_k], rr_nodes, seen, stop, out, &e)
            if status:
                end[0] = e
                stream_out[0] = st
                return status
            continue
        kind = <int>(w0 >> 62)
        P = rr_pool + (w1 >> 32)
        if kind == RR_TABLE:
            G = <const uint16_t*> P
            P += RR_GUESS_WORDS
            pos = a - 1
            while True:
                r = next64(stream) >> 11
                j = G[r >> RR_GUESS_SHIFT]  # the gap at the bucket's top, and whether a threshold splits it
                if j >> 15:  # then the gap here may be larger: at most one more, but for rare buckets
                    j &= 0x7FFF
                    j += P[j + 1] > r
                    while P[j + 1] > r:
                        j += 1
                if j >= rest:
                    break  # no live arc among the rest
                pos += 1 + j
                status = _reach(in_indices[pos], rr_nodes, seen, stop, out, &e)
                if status:
                    end[0] = e
                    stream_out[0] = st
                    return status
                rest = b - 1 - pos
                if rest == 0:
                    break
        elif kind == RR_LOG:
            r = next64(stream) >> 11
            if r < P[0]:
                continue  # no live in-arc
            q = (<const double*>&P[1])[0]
            pos = a - 1
            known = True  # a live arc follows pos
            while True:
                jump = floor(log((r + 1) * INV53) / q)
                if jump >= <double>rest:
                    if not known:
                        break
                    jump = <double>(rest - 1)
                pos += 1 + <int64_t>jump
                status = _reach(in_indices[pos], rr_nodes, seen, stop, out, &e)
                if status:
                    end[0] = e
                    stream_out[0] = st
                    return status
                rest = b - 1 - pos
                if rest == 0:
                    break
                r = next64(stream) >> 11
                known = False
        elif kind == RR_ALL:
            for pos in range(a, b):
                status = _reach(in_indices[pos], rr_nodes, seen, stop, out, &e)
                if status:
                    end[0] = e
                    stream_out[0] = st
                    return status
        else:
            for pos in range(a, b):
                if (next64(stream) >> 11) < in_thr[pos]:
                    status = _reach(in_indices[pos], rr_nodes, seen, stop, out, &e)
                    if status:
                        end[0] = e
                        stream_out[0] = st
                        return status
    end[0] = e
    stream_out[0] = st
    return 0


cdef inline int64_t _rr_set(
    const uint64_t* rr_nodes,
    const uint64_t* rr_pool,
    const int32_t* in_indices,
    const uint64_t* in_thr,
    bint lt,
    int32_t root,
    uint64_t* stream,
    int32_t** buf,
    int64_t* cap,
    int64_t start,
    uint64_t* seen,
    const Stop* stop,
) noexcept nogil:
    """Append one RR set rooted at ``root`` to ``buf`` from ``start``; return the new end (-1: OOM).

    With a ``stop`` mask, return -2 as soon as the set reaches a marked node (an
    estimate only needs to know whether the set meets the seeds).

    ``seen`` is a bitmap of the nodes, all clear on entry and on return: the
    members' words are cleared at the end, which costs less than a stamp per
    node and keeps the bitmap (``n / 8`` bytes) in the nearest cache.
    """
    cdef int64_t end = start, k
    cdef int status = _grow(buf, cap, start + 1)
    if status == 0:
        status = _reach(root, rr_nodes, seen, stop, buf[0], &end)
    if status == 0:
        status = _rr_walk(rr_nodes, rr_pool, in_indices, in_thr, lt, stream, buf, cap, start, &end, seen, stop)
    for k in range(start, end):
        seen[buf[0][k] >> 6] = 0
    return end if status == 0 else status


cdef inline int32_t _draw_root(uint64_t* stream, int64_t n, const double* cdf, int64_t n_cdf) noexcept nogil:
    """The root of an RR set: uniform, or in proportion to node weight (``cdf``)."""
    cdef int64_t lo_k = 0, hi_k = n_cdf - 1, mid
    cdef double x
    if cdf == NULL:
        return <int32_t>(((next64(stream) >> 32) * <uint64_t>n) >> 32)
    x = (next64(stream) >> 11) * INV53
    while lo_k < hi_k:  # first node whose cumulative weight exceeds x
        mid = (lo_k + hi_k) >> 1
        if cdf[mid] > x:
            hi_k = mid
        else:
            lo_k = mid + 1
    return <int32_t>lo_k


cdef inline uint64_t _set_stream(uint64_t run_seed, int64_t idx) noexcept nogil:
    """The stream of RR set ``idx``: its root is drawn first, then its arcs."""
    return mix64(run_seed + mix64(<uint64_t>idx * GAMMA + RR_SALT))


cdef inline void _ring_put(
    uint64_t* ring, const uint64_t* rr_nodes, uint64_t run_seed, int64_t idx, int64_t n, const double* cdf,
    int64_t n_cdf,
) noexcept nogil:
    """Draw the root of RR set ``idx`` into slot ``idx % RR_AHEAD`` of ``ring``: the stream after it, and the root.

    The root's record is prefetched: roots are drawn ``RR_AHEAD`` sets ahead of
    their turn, as most sets are a handful of nodes and the root's misses are a
    large share of a set's. Each root is drawn once.
    """
    cdef uint64_t stream = _set_stream(run_seed, idx)
    cdef int32_t root = _draw_root(&stream, n, cdf, n_cdf)
    cdef int64_t slot = 2 * (idx & (RR_AHEAD - 1))
    ring[slot] = stream
    ring[slot + 1] = <uint64_t>root
    seeding_prefetch(&rr_nodes[2 * root])


cdef inline int32_t _ring_take(
    uint64_t* ring, const uint64_t* rr_nodes, const int32_t* in_indices, uint64_t run_seed, int64_t idx, int64_t n,
    const double* cdf, int64_t n_cdf, uint64_t* stream,
) noexcept nogil:
    """The root and stream of set ``idx`` from ``ring``; refill its slot with set ``idx + RR_AHEAD`` and prefetch the
    in-arcs of the root of set ``idx + RR_AHEAD / 2`` (whose record came in half a ring ago)."""
    cdef int64_t slot = 2 * (idx & (RR_AHEAD - 1))
    cdef int32_t root = <int32_t>ring[slot + 1]
    stream[0] = ring[slot]
    _ring_put(ring, rr_nodes, run_seed, idx + RR_AHEAD, n, cdf, n_cdf)
    _prefetch_in_arcs(rr_nodes, in_indices, <int32_t>ring[2 * ((idx + RR_AHEAD // 2) & (RR_AHEAD - 1)) + 1])
    return root


def sample_rr_sets(
    const uint64_t[:, ::1] rr_nodes,
    const uint64_t[::1] rr_pool,
    const int32_t[::1] in_indices,
    const uint64_t[::1] in_thr,
    bint lt,
    const double[::1] root_cdf,
    uint64_t run_seed,
    int64_t first_set,
    int64_t count,
    int n_threads,
):
    """Sample RR sets ``first_set .. first_set + count - 1``.

    Parameters
    ----------
    rr_nodes, rr_pool : per node, its in-arcs and kind, and the shared thresholds
        (see the layout note above).
    in_thr : per in-arc threshold (coins under IC, interval ends under LT).
    root_cdf : empty for uniform roots, else the cumulative node weights (last = 1).

    Returns
    -------
    nodes : int32 array, all sets back to back (root first in each set)
    offsets : int64 array of length ``count + 1``
    """
    cdef int64_t n = rr_nodes.shape[0]
    cdef int64_t n_blocks = (count + RR_BLOCK - 1) // RR_BLOCK
    sizes_arr = np.zeros(count + 1, dtype=np.int64)
    cdef int64_t[::1] sizes = sizes_arr
    cdef int32_t** bufs = <int32_t**> calloc(max(n_blocks, 1), sizeof(int32_t*))
    cdef int64_t* lens = <int64_t*> calloc(max(n_blocks, 1), sizeof(int64_t))
    if bufs == NULL or lens == NULL:
        free(bufs)
        free(lens)
        raise MemoryError("not enough memory for RR sets")
    cdef const uint64_t* p_nodes = &rr_nodes[0, 0]
    cdef const uint64_t* p_pool = &rr_pool[0] if rr_pool.shape[0] > 0 else NULL
    cdef const int32_t* p_indices = &in_indices[0] if in_indices.shape[0] > 0 else NULL
    cdef const uint64_t* p_thr = &in_thr[0] if in_thr.shape[0] > 0 else NULL
    cdef const double* p_cdf = &root_cdf[0] if root_cdf.shape[0] > 0 else NULL
    cdef int64_t n_cdf = root_cdf.shape[0]
    cdef int64_t blk, i, last, begin, end, cap, total = 0
    cdef uint64_t stream
    cdef int32_t root
    cdef uint64_t* seen
    cdef uint64_t* ring
    cdef int failed = 0

    with nogil, parallel(num_threads=max(1, n_threads)):
        seen = <uint64_t*> calloc((n + 63) // 64, sizeof(uint64_t))
        ring = <uint64_t*> malloc(2 * RR_AHEAD * sizeof(uint64_t))
        for blk in prange(n_blocks, schedule="dynamic"):
            cap = 4096
            bufs[blk] = <int32_t*> malloc(cap * sizeof(int32_t))
            if seen == NULL or ring == NULL or bufs[blk] == NULL:
                failed += 1
            else:
                end = 0
                last = min((blk + 1) * RR_BLOCK, count)
                for i in range(first_set + blk * RR_BLOCK, first_set + blk * RR_BLOCK + RR_AHEAD):
                    _ring_put(ring, p_nodes, run_seed, i, n, p_cdf, n_cdf)
                for i in range(blk * RR_BLOCK, last):
                    stream = 0  # assigned here: private to the thread
                    root = _ring_take(ring, p_nodes, p_indices, run_seed, first_set + i, n, p_cdf, n_cdf, &stream)
                    begin = end
                    end = _rr_set(p_nodes, p_pool, p_indices, p_thr, lt, root, &stream, &bufs[blk], &cap, end, seen,
                                  <const _Never*>NULL)
                    if end < 0:
                        failed += 1
                        break
                    sizes[i + 1] = end - begin
                lens[blk] = end if end > 0 else 0
        free(seen)
        free(ring)

    if failed:
        for blk in range(n_blocks):
            free(bufs[blk])
        free(bufs)
        free(lens)
        raise MemoryError("not enough memory for RR sets")
    for blk in range(n_blocks):
        total += lens[blk]
    nodes_arr = np.empty(total, dtype=np.int32)
    cdef int32_t[::1] nodes = nodes_arr
    total = 0
    for blk in range(n_blocks):
        if lens[blk] > 0:
            memcpy(&nodes[total], bufs[blk], lens[blk] * sizeof(int32_t))
        total += lens[blk]
        free(bufs[blk])
    free(bufs)
    free(lens)
    np.cumsum(sizes_arr, out=sizes_arr)
    return nodes_arr, sizes_arr


def count_rr_hits(
    const uint64_t[:, ::1] rr_nodes,
    const uint64_t[::1] rr_pool,
    const int32_t[::1] in_indices,
    const uint64_t[::1] in_thr,
    bint lt,
    const double[::1] root_cdf,
    const uint8_t[::1] seed_mask,
    uint64_t run_seed,
    int64_t first_set,
    int64_t count,
    int n_threads,
):
    """How many of RR sets ``first_set .. first_set + count - 1`` meet the marked seeds.

    The same sets as :func:`sample_rr_sets` with the same arguments, but nothing is
    stored and each set stops as soon as it reaches a seed: the RIS estimate of a
    seed set's spread without the memory of the sets.
    """
    cdef int64_t n = rr_nodes.shape[0]
    cdef int64_t n_blocks = (count + RR_BLOCK - 1) // RR_BLOCK
    cdef const uint64_t* p_nodes = &rr_nodes[0, 0]
    cdef const uint64_t* p_pool = &rr_pool[0] if rr_pool.shape[0] > 0 else NULL
    cdef const int32_t* p_indices = &in_indices[0] if in_indices.shape[0] > 0 else NULL
    cdef const uint64_t* p_thr = &in_thr[0] if in_thr.shape[0] > 0 else NULL
    cdef const double* p_cdf = &root_cdf[0] if root_cdf.shape[0] > 0 else NULL
    cdef const uint8_t* p_mask = &seed_mask[0]
    cdef int64_t n_cdf = root_cdf.shape[0]
    cdef int64_t blk, i, last, end, cap
    cdef int64_t hits = 0, failed = 0
    cdef uint64_t stream
    cdef int32_t root
    cdef uint64_t* seen
    cdef uint64_t* ring
    cdef int32_t* buf
    with nogil, parallel(num_threads=max(1, n_threads)):
        seen = <uint64_t*> calloc((n + 63) // 64, sizeof(uint64_t))
        cap = 4096
        buf = <int32_t*> malloc(cap * sizeof(int32_t))
        ring = <uint64_t*> malloc(2 * RR_AHEAD * sizeof(uint64_t))
        for blk in prange(n_blocks, schedule="dynamic"):
            if seen == NULL or buf == NULL or ring == NULL:
                failed += 1
            else:
                last = min((blk + 1) * RR_BLOCK, count)
                for i in range(first_set + blk * RR_BLOCK, first_set + blk * RR_BLOCK + RR_AHEAD):
                    _ring_put(ring, p_nodes, run_seed, i, n, p_cdf, n_cdf)
                for i in range(blk * RR_BLOCK, last):
                    stream = 0  # assigned here: private to the thread
                    root = _ring_take(ring, p_nodes, p_indices, run_seed, first_set + i, n, p_cdf, n_cdf, &stream)
                    end = _rr_set(p_nodes, p_pool, p_indices, p_thr, lt, root, &stream, &buf, &cap, 0, seen, p_mask)
                    if end == -2:
                        hits += 1
                    elif end == -1:
                        failed += 1
        free(seen)
        free(buf)
        free(ring)
    if failed:
        raise MemoryError("not enough memory to sample RR sets")
    return hits


# --------------------------------------------------------------------------
# Maximum coverage over RR sets
# --------------------------------------------------------------------------

cdef inline void heap_push_topk(int64_t* heap, int64_t* size, int64_t cap, int64_t x) noexcept nogil:
    """Keep the ``cap`` largest values seen in a min-heap ``heap``."""
    cdef int64_t i, parent, child, tmp
    if size[0] < cap:
        i = size[0]
        size[0] += 1
        heap[i] = x
        while i > 0:
            parent = (i - 1) >> 1
            if heap[parent] <= heap[i]:
                break
            tmp = heap[parent]
            heap[parent] = heap[i]
            heap[i] = tmp
            i = parent
    elif x > heap[0]:
        heap[0] = x
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size[0]:
                break
            if child + 1 < size[0] and heap[child + 1] < heap[child]:
                child += 1
            if heap[i] <= heap[child]:
                break
            tmp = heap[child]
            heap[child] = heap[i]
            heap[i] = tmp
            i = child


cdef enum:
    POOL_FACTOR = 8  # greedy scans a pool of about this many times k nodes


cdef void _free_all(void* a, void* b, void* c, void* d, void* e, void* f) noexcept:
    free(a)
    free(b)
    free(c)
    free(d)
    free(e)
    free(f)


cdef void _index_part(const int32_t* nodes, const int64_t* offsets, int64_t first, int64_t last,
                      int64_t* slot, int32_t* members) noexcept nogil:
    """Sets ``first:last``, in order, appended to their members' lists at ``slot[v]`` (advanced)."""
    cdef int64_t s, e, v
    for s in range(first, last):
        for e in range(offsets[s], offsets[s + 1]):
            v = nodes[e]
            members[slot[v]] = <int32_t>s
            slot[v] += 1


cdef int _inverted_index(const int32_t* nodes, const int64_t* offsets, int64_t n_sets, int64_t n,
                         int64_t* start, int64_t* cover, int32_t* members, int n_threads) noexcept nogil:
    """The sets of every node, in set order: ``members[start[v]:start[v + 1]]``, ``cover[v]`` of them
    (``cover`` may be NULL).

    Counting sort; with several threads each takes a run of sets with about equal entries,
    counts them and fills its own slots of every node's list (so the lists come out in set
    order, as on one thread). Returns -1 when out of memory.
    """
    cdef int64_t total = offsets[n_sets], v, e, run, c
    cdef int t, parts = n_threads
    # Per-thread counts cost n per thread: worth it only where they are small beside the index.
    if parts > 1 and (n + 1) * parts * 2 > total:
        parts = 1
    cdef int64_t* counts = <int64_t*> calloc(parts * (n + 1), sizeof(int64_t))
    cdef int64_t* bounds = <int64_t*> malloc((parts + 1) * sizeof(int64_t))
    if counts == NULL or bounds == NULL:
        free(counts)
        free(bounds)
        return -1
    bounds[0] = 0
    for t in range(1, parts):  # set runs of about total / parts entries
        bounds[t] = bounds[t - 1]
        while bounds[t] < n_sets and offsets[bounds[t]] < total * t // parts:
            bounds[t] += 1
    bounds[parts] = n_sets
    for t in prange(parts, num_threads=parts, schedule="static"):
        for e in range(offsets[bounds[t]], offsets[bounds[t + 1]]):
            counts[t * (n + 1) + nodes[e]] += 1
    # Each thread's first slot in every node's list; the lists back to back.
    run = 0
    for v in range(n):
        start[v] = run
        for t in range(parts):
            c = counts[t * (n + 1) + v]
            counts[t * (n + 1) + v] = run
            run += c
        if cover != NULL:
            cover[v] = run - start[v]
    start[n] = run
    for t in prange(parts, num_threads=parts, schedule="static"):
        _index_part(nodes, offsets, bounds[t], bounds[t + 1], counts + t * (n + 1), members)
    free(counts)
    free(bounds)
    return 0


def inverted_index(const int32_t[::1] nodes, const int64_t[::1] offsets, int64_t n, int n_threads=1):
    """The sets of every node in set order, CSR by node: ``(start, members)``, node ``v``'s sets being
    ``members[start[v]:start[v + 1]]`` (the rows of every variable, for rows of variables); the same on
    any number of threads."""
    cdef int64_t n_sets = offsets.shape[0] - 1
    cdef int64_t total = offsets[n_sets]
    start_arr = np.zeros(n + 1, dtype=np.int64)
    members_arr = np.empty(max(total, 1), dtype=np.int32)
    cdef int64_t[::1] start = start_arr
    cdef int32_t[::1] members = members_arr
    cdef int status = 0
    if n_sets and total:
        with nogil:
            status = _inverted_index(&nodes[0], &offsets[0], n_sets, n, &start[0], NULL, &members[0],
                                     max(1, n_threads))
    if status != 0:
        raise MemoryError("not enough memory for the coverage index")
    return start_arr, members_arr[:total]


def max_cover(
    const int32_t[::1] nodes,
    const int64_t[::1] offsets,
    int64_t n,
    int64_t k,
    const uint8_t[::1] allowed,
    int n_threads=1,
):
    """Greedy maximum coverage of RR sets, with OPIM-C's upper bound on the optimum.

    Parameters
    ----------
    nodes, offsets : RR sets, back to back.
    n : number of nodes.
    k : number of seeds to pick.
    allowed : per node, 1 if it may be picked (empty: all nodes).
    n_threads : threads that build the coverage index (the same answer on any number).

    Returns
    -------
    seeds : int32 array of the picked nodes, in order (ties go to the lowest index)
    gains : int64 array, sets newly covered by each pick
    bound : int, an upper bound on the sets any ``k`` allowed nodes can cover:
        ``min over i of (covered by the first i picks + the k largest marginal
        coverages after them)`` (Tang et al. 2018, the bound OPIM-C uses).
    """
    cdef int64_t n_sets = offsets.shape[0] - 1
    cdef int64_t total = offsets[n_sets]
    cdef bint restricted = allowed.shape[0] > 0
    seeds_arr = np.full(k, -1, dtype=np.int32)
    gains_arr = np.zeros(k, dtype=np.int64)
    cdef int32_t[::1] seeds = seeds_arr
    cdef int64_t[::1] gains = gains_arr
    cdef int64_t* start = <int64_t*> calloc(n + 1, sizeof(int64_t))
    cdef int64_t* cover = <int64_t*> calloc(n, sizeof(int64_t))
    cdef int32_t* members = <int32_t*> malloc(max(total, 1) * sizeof(int32_t))
    cdef uint8_t* done = <uint8_t*> calloc(max(n_sets, 1), 1)
    cdef uint8_t* picked = <uint8_t*> calloc(max(n, 1), 1)
    cdef int64_t* heap = <int64_t*> malloc(max(k, 1) * sizeof(int64_t))
    cdef int64_t wide_cap = min(POOL_FACTOR * k, n)
    cdef int64_t* wide = <int64_t*> malloc(max(wide_cap, 1) * sizeof(int64_t))
    cdef int32_t* pool = <int32_t*> malloc(max(n, 1) * sizeof(int32_t))
    if (start == NULL or cover == NULL or members == NULL or done == NULL or picked == NULL or heap == NULL
            or wide == NULL or pool == NULL):
        _free_all(start, cover, members, done, picked, heap)
        free(wide)
        free(pool)
        raise MemoryError("not enough memory for the coverage index")
    cdef int64_t s, e, v, i, step, best, best_cover, covered = 0, heap_size, top, f
    cdef int64_t pool_size = -1, wide_size, pool_floor = 0
    cdef int64_t bound = -1
    cdef int status = 0
    with nogil:
        status = _inverted_index(&nodes[0] if total > 0 else NULL, &offsets[0], n_sets, n, start, cover, members,
                                 max(1, n_threads))
    if status != 0:
        _free_all(start, cover, members, done, picked, heap)
        free(wide)
        free(pool)
        raise MemoryError("not enough memory for the coverage index")
    with nogil:
        for step in range(k + 1):
            # The scan: over the pool while its k-th largest cover is at least ``pool_floor``
            # (every node outside covers less: covers only fall), else over all nodes,
            # keeping the nodes at or above the POOL_FACTOR * k-th largest as the new pool.
            while True:
                best = -1
                best_cover = -1
                heap_size = 0
                if pool_size >= 0:
                    for i in range(pool_size):
                        v = pool[i]
                        if picked[v]:
                            continue
                        if cover[v] > best_cover:  # the pool is in node order: ties go to the lowest
                            best_cover = cover[v]
                            best = v
                        heap_push_topk(heap, &heap_size, k, cover[v])
                    if heap_size == k and heap[0] >= pool_floor:
                        break
                    pool_size = -1  # the pool no longer holds the top k: rebuild it
                    continue
                wide_size = 0
                for v in range(n):
                    if picked[v] or (restricted and not allowed[v]):
                        continue
                    if cover[v] > best_cover:
                        best_cover = cover[v]
                        best = v
                    heap_push_topk(heap, &heap_size, k, cover[v])
                    heap_push_topk(wide, &wide_size, wide_cap, cover[v])
                if wide_size == wide_cap and wide_cap < n:
                    pool_floor = wide[0]
                    pool_size = 0
                    for v in range(n):
                        if not picked[v] and (not restricted or allowed[v]) and cover[v] >= pool_floor:
                            pool[pool_size] = <int32_t>v
                            pool_size += 1
                break
            top = 0
            for e in range(heap_size):
                top += heap[e]
            if bound < 0 or covered + top < bound:
                bound = covered + top
            if step == k or best < 0:
                break
            seeds[step] = <int32_t>best
            gains[step] = best_cover
            covered += best_cover
            picked[best] = 1
            for e in range(start[best], start[best + 1]):
                s = members[e]
                if done[s]:
                    continue
                done[s] = 1
                for f in range(offsets[s], offsets[s + 1]):
                    cover[nodes[f]] -= 1
    _free_all(start, cover, members, done, picked, heap)
    free(wide)
    free(pool)
    return seeds_arr, gains_arr, bound


cdef class Coverage:
    """Weighted coverage of RR sets under a growing seed set (for budgeted greedy).

    ``gains[v]`` is the total weight of the uncovered sets that contain ``v``;
    :meth:`add` covers the sets of a node and lowers the gains of their members.

    Parameters
    ----------
    nodes, offsets : RR sets, back to back.
    weights : float64 weight of each set.
    n : number of nodes.
    """

    cdef int64_t n, n_sets
    cdef int64_t[::1] start
    cdef int32_t[::1] members
    cdef const int32_t[::1] nodes
    cdef const int64_t[::1] offsets
    cdef const double[::1] weights
    cdef uint8_t[::1] done
    cdef double[::1] _gains
    cdef public double covered

    def __init__(self, const int32_t[::1] nodes, const int64_t[::1] offsets,
                 const double[::1] weights, int64_t n):
        cdef int64_t total = offsets[offsets.shape[0] - 1], e, v
        self.n = n
        self.n_sets = offsets.shape[0] - 1
        self.nodes = nodes
        self.offsets = offsets
        self.weights = weights
        self.covered = 0.0
        gains = np.zeros(n, dtype=np.float64)
        self._gains = gains
        self.start = np.zeros(n + 1, dtype=np.int64)
        self.members = np.empty(max(total, 1), dtype=np.int32)
        self.done = np.zeros(max(self.n_sets, 1), dtype=np.uint8)
        cdef int status
        with nogil:
            status = _inverted_index(&nodes[0] if total > 0 else NULL, &offsets[0], self.n_sets, n, &self.start[0],
                                     NULL, &self.members[0], 1)
            for v in range(n):  # in set order, as the sets of v are listed
                for e in range(self.start[v], self.start[v + 1]):
                    self._gains[v] += weights[self.members[e]]
        if status != 0:
            raise MemoryError("not enough memory for the coverage index")

    @property
    def gains(self):
        """Current marginal gain of every node (a live float64 view)."""
        return np.asarray(self._gains)

    cdef double _take(self, int64_t v, uint8_t* seen, int32_t* touched, double* lowered,
                      int64_t* count) noexcept nogil:
        """Cover the sets of ``v``, lowering their members' gains; with ``seen`` (else NULL), also
        record each lowered node once in ``touched`` and by how much in ``lowered``."""
        cdef int64_t e, f, s, u
        cdef double gain = 0.0, w
        for e in range(self.start[v], self.start[v + 1]):
            s = self.members[e]
            if self.done[s]:
                continue
            self.done[s] = 1
            w = self.weights[s]
            gain += w
            for f in range(self.offsets[s], self.offsets[s + 1]):
                u = self.nodes[f]
                self._gains[u] -= w
                if seen != NULL:
                    if not seen[u]:
                        seen[u] = 1
                        touched[count[0]] = <int32_t>u
                        count[0] += 1
                    lowered[u] += w
        self.covered += gain
        return gain

    def lower(self, int64_t v):
        """As :meth:`add`, returning what changed: ``(nodes, lowered)``, the nodes whose gain fell
        (in the order first reached) and by how much, without a pass over all nodes."""
        cdef int64_t count = 0
        touched_arr = np.empty(self.n, dtype=np.int32)
        lowered_arr = np.zeros(self.n, dtype=np.float64)
        seen_arr = np.zeros(self.n, dtype=np.uint8)
        cdef int32_t[::1] touched = touched_arr
        cdef double[::1] lowered = lowered_arr
        cdef uint8_t[::1] seen = seen_arr
        with nogil:
            self._take(v, &seen[0], &touched[0], &lowered[0], &count)
        return touched_arr[:count].copy(), lowered_arr[touched_arr[:count]]

    def add(self, int64_t v):
        """Cover the sets of node ``v``; return the weight newly covered."""
        cdef double gain
        with nogil:
            gain = self._take(v, NULL, NULL, NULL, NULL)
        return gain
