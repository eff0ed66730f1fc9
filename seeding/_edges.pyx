# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Edge-list loops of `seeding`: text in, text out, and arcs sorted into CSR order.

Private module, on the way from files to a :class:`~seeding.graph.Graph` and
back (files -> ``io`` -> ``Graph``), before any diffusion:

* :func:`parse_chunk` reads whole lines of an edge-list table into arrays of
  node ids and arc values, on several threads (``seeding.io``);
* :func:`id_range`, :func:`mark_ids` and :func:`relabel` turn node ids into
  indices ``0 .. n-1``;
* :func:`count_arcs`, :func:`bucket_arcs`, :func:`sort_buckets`,
  :func:`duplicate_groups` and :func:`drop_duplicates` lay arcs out in CSR
  order, sorted by ``(source, target)``, in O(m + n) and without holding the
  arcs twice (``seeding.graph``); :func:`bucket_reverse` and
  :func:`sort_reverse` build the reverse CSR the same way (:func:`reverse_direct` in one pass for small
  graphs), and :func:`rr_kinds`, :func:`coin_thresholds` and :func:`table_guesses` lay out the RR
  kernels' tables (``seeding.rrsets``);
* :func:`format_arcs` writes ``"u v"`` lines (``seeding.generate``).

The callers check dtypes and ranges; nothing here checks them again. No loop
here draws random numbers: the diffusion and RR loops live in ``_kernels``.
"""

from cython.parallel cimport prange, threadid
from libc.math cimport fabs, floor, isfinite
from libc.stdint cimport int32_t, int64_t, uint16_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memchr, memcpy, memmove, memset
from seeding._inline cimport mix64

import numpy as np

# ------------------------------------------------------------------------------------------------- parsing

ctypedef fused id_t:
    int32_t
    int64_t
    double

cdef extern from "stdlib.h":
    double strtod(const char* s, char** end) nogil

cpdef enum:  # why parse_chunk stopped before the end of its text
    DONE = 0
    FULL = 1  # the output arrays are full
    WIDE = 2  # an id does not fit int32: parse again into int64 arrays
    FATAL = 3  # a token that is not a number, or more than 3 values on a line

cpdef enum:  # slots of the state array that parse_chunk reads and updates across calls
    S_WIDTH = 0  # values per line of the body (the lines after the first); -1 until known
    S_HEAD_WIDTH = 1  # values on the first data line (the head); -1 until seen
    S_HEAD_LINE = 2
    S_BODY_LINE = 3  # line of the first body line
    S_SRC = 4  # columns (0..2) that hold the source, the target, the arc value; -1: none
    S_DST = 5
    S_P = 6
    S_FATAL = 7  # 1-based lines of the first problem of each kind (0: none)
    S_MISMATCH = 8  # first body line whose number of values differs from S_WIDTH
    S_MISMATCH_WIDTH = 9
    S_BAD_ID = 10  # first body line whose source or target is no integer below 2**53
    S_BAD_P = 11  # first body line whose arc value is not a number in [0, 1]
    S_NARROW = 12  # first body line with fewer than 2 values
    STATE_SIZE = 13

cdef extern from *:
    """
    #define SEEDING_MAX_EXACT 9007199254740992.0 /* 2**53: larger ids cannot be read exactly */
    """
    const double MAX_EXACT "SEEDING_MAX_EXACT"

cdef enum:
    INT32_MAX = 2147483647
    INT32_MIN = -2147483648


cdef struct Piece:
    int64_t start, end  # text [start, end): whole lines
    int64_t out, cap  # output rows [out, out + cap)
    int64_t rows, pos, lines  # rows written; where it stopped; newlines before pos
    int64_t fatal, mismatch, mismatch_width, bad_id, bad_p, narrow, body_line  # lines from 1 in the piece
    int stop


cdef enum:  # classes of bytes
    OTHER = 0
    SPACE = 1
    NEWLINE = 2
    DIGIT = 3

cdef unsigned char KIND[256]  # the class of each byte
cdef double POW10[23]  # exact powers of ten


def _init_tables():
    cdef int i
    for i in range(256):
        KIND[i] = OTHER
    for i in (32, 9, 13, 11, 12, 44):  # blanks, and the comma
        KIND[i] = SPACE
    KIND[10] = NEWLINE
    for i in range(48, 58):
        KIND[i] = DIGIT
    POW10[0] = 1.0
    for i in range(1, 23):
        POW10[i] = POW10[i - 1] * 10.0


_init_tables()


cdef void _parse(const unsigned char* data, Piece* pc, int64_t width, int src, int dst, int pcol,
                 id_t* u, id_t* v, double* p, double* head, int64_t* head_width, int64_t* head_line,
                 int64_t* set_width) noexcept nogil:
    """Parse ``pc.start:pc.end`` into rows ``pc.out ..``; see :func:`parse_chunk`.

    With ``head`` set, the first data line goes there (its values and width)
    instead of the arrays. With ``set_width`` set, the first row written fixes
    the width that later rows must have. ``data[pc.end - 1]`` is a newline: the
    scans within a line stop there without checking bounds.

    A token of plain digits (up to 16) is read exactly as an integer, and one
    of the form ``digits.digits`` with at most 15 digits as their integer over
    a power of ten (exact operands, one correctly rounded division: the value
    ``strtod`` gives); anything else goes through ``strtod``.
    """
    cdef int64_t pos = pc.start, end = pc.end, line = 1, rows = 0, row_start, row_line
    cdef const char* base = <const char*>data
    cdef char* stop_at
    cdef int col, digits, frac, c
    cdef unsigned char ch, kind
    cdef double value
    cdef int64_t ival, iv
    cdef double vals[3]
    cdef int exact[3]
    cdef int64_t ivals[3]
    cdef bint bad_id, bad_p, ok
    pc.stop = DONE
    while pos < end:
        ch = data[pos]
        kind = KIND[ch]
        while kind == SPACE:  # start of a line
            pos += 1
            ch = data[pos]
            kind = KIND[ch]
        if kind == NEWLINE:
            pos += 1
            line += 1
            continue
        if ch == 35 or ch == 37:  # '#' or '%': a comment line
            pos = <const unsigned char*>memchr(data + pos, 10, end - pos) - data
            continue
        if head == NULL and rows == pc.cap:
            pc.stop = FULL
            break
        row_start = pos
        row_line = line
        col = 0
        while kind != NEWLINE:  # a token starts at pos
            ok = False
            if kind == DIGIT:
                ival = ch - 48
                digits = 1
                ch = data[pos + 1]
                while KIND[ch] == DIGIT and digits < 16:
                    ival = ival * 10 + (ch - 48)
                    digits += 1
                    ch = data[pos + digits]
                kind = KIND[ch]
                if kind == SPACE or kind == NEWLINE:
                    value = <double>ival
                    pos += digits
                    ok = True
                    if col < 3:
                        exact[col] = 1
                        ivals[col] = ival
                elif ch == 46 and digits <= 15:  # '.': a plain decimal?
                    frac = 0
                    ch = data[pos + digits + 1]
                    while KIND[ch] == DIGIT and digits + frac < 15:
                        ival = ival * 10 + (ch - 48)
                        frac += 1
                        ch = data[pos + digits + 1 + frac]
                    kind = KIND[ch]
                    if kind == SPACE or kind == NEWLINE:
                        value = <double>ival / POW10[frac]
                        pos += digits + 1 + frac
                        ok = True
                        if col < 3:
                            exact[col] = 0
            if not ok:
                value = strtod(base + pos, &stop_at)
                ch = (<unsigned char*>stop_at)[0]
                if stop_at == base + pos or not (KIND[ch] == SPACE or KIND[ch] == NEWLINE):
                    pc.fatal = line
                    pc.stop = FATAL
                    break
                pos = stop_at - base
                if col < 3:
                    exact[col] = 0
            if col < 3:
                vals[col] = value
            col += 1
            ch = data[pos]
            kind = KIND[ch]
            while kind == SPACE:
                pos += 1
                ch = data[pos]
                kind = KIND[ch]
        if pc.stop == FATAL:
            pos = row_start
            break
        if col > 3:
            pc.fatal = line
            pc.stop = FATAL
            pos = row_start
            break
        if head != NULL:  # the first data line: kept aside, as numbers
            for c in range(3):
                head[c] = vals[c] if c < col else 0.0
            head_width[0] = col
            head_line[0] = row_line
            head = NULL
            continue
        # a body row: ids and the arc value into the arrays
        bad_id = False
        bad_p = False
        for c in range(3):
            if c >= col:
                if c == src or c == dst:
                    iv = 0
                    if c == src:
                        u[pc.out + rows] = <id_t>iv
                    else:
                        v[pc.out + rows] = <id_t>iv
                continue
            if c == src or c == dst:
                if id_t is double:
                    if c == src:
                        u[pc.out + rows] = vals[c]
                    else:
                        v[pc.out + rows] = vals[c]
                else:
                    if exact[c]:
                        iv = ivals[c]
                        ok = iv < <int64_t>MAX_EXACT
                    else:
                        value = vals[c]
                        ok = isfinite(value) and value == floor(value) and fabs(value) < MAX_EXACT
                        iv = <int64_t>value if ok else 0
                    if not ok:
                        bad_id = True
                        iv = 0
                    if id_t is int32_t:
                        if iv > INT32_MAX or iv < INT32_MIN:
                            pc.stop = WIDE
                            break
                    if c == src:
                        u[pc.out + rows] = <id_t>iv
                    else:
                        v[pc.out + rows] = <id_t>iv
            elif c == pcol:
                value = vals[c]
                p[pc.out + rows] = value
                if not (isfinite(value) and value >= 0.0 and value <= 1.0):
                    bad_p = True
        if pc.stop == WIDE:
            pos = row_start
            break
        if set_width != NULL:
            set_width[0] = col
            width = col
            set_width = NULL
            pc.body_line = row_line
        if col != width and pc.mismatch == 0:
            pc.mismatch = row_line
            pc.mismatch_width = col
        if bad_id and pc.bad_id == 0:
            pc.bad_id = row_line
        if bad_p and pc.bad_p == 0:
            pc.bad_p = row_line
        if col < 2 and pc.narrow == 0:
            pc.narrow = row_line
        rows += 1
    pc.rows = rows
    pc.pos = pos
    pc.lines = line - 1


def parse_chunk(const unsigned char[::1] data, int64_t start, int64_t end, int64_t first_line,
                id_t[::1] u, id_t[::1] v, double[::1] p, int64_t out, int64_t cap,
                int64_t[::1] state, double[::1] head, int n_threads=1, int64_t min_piece=1 << 19):
    """Parse the whole lines ``data[start:end]`` into rows ``out .. out + cap`` of ``u``, ``v``, ``p``.

    A whitespace/comma-separated table of up to 3 numbers per line; lines whose
    first character (after blanks) is ``#`` or ``%`` are comments and blank
    lines are skipped. ``data[end - 1]`` must be a newline. ``first_line`` is
    the 1-based number of the line at ``start``.

    The first data line of the file (while ``state[S_HEAD_WIDTH] < 0``) goes to
    ``head`` (its 3 values, 0 where missing): it may be a header. Each later line
    is a row: the columns ``state[S_SRC]`` and ``state[S_DST]`` go to ``u`` and
    ``v`` as integers (or as they are, into float64 arrays), ``state[S_P]`` to
    ``p``. The first row fixes ``state[S_WIDTH]``; until then call with
    ``cap = 1`` and one thread. ``state`` also records the first line of each
    kind of problem (see the ``S_`` slots), as absolute line numbers.

    With ``n_threads > 1`` the text is cut at line ends into that many pieces
    (of ``min_piece`` bytes or more) parsed at once, each into its share of the rows; the rows are then moved
    together in order. A piece that fills its share stops, and the pieces
    after it are dropped (the caller parses on from the returned position).

    Returns
    -------
    rows : rows written (at ``out ..``)
    pos : where parsing stopped (``end`` when done)
    lines : newlines passed between ``start`` and ``pos``
    stop : DONE, FULL (no room for the next row), WIDE (an id needs int64:
        parse again from ``pos`` into int64 arrays) or FATAL (``state[S_FATAL]``)
    """
    cdef int n_pieces = max(1, n_threads), k
    cdef int64_t size = end - start, cut, lines = 0, pos = end, dest = out, share
    cdef int stop = DONE
    cdef Piece* pieces
    cdef Piece* pc
    cdef const unsigned char* text = &data[0]
    cdef id_t* pu = &u[0]
    cdef id_t* pv = &v[0]
    cdef double* pp = &p[0]
    cdef double* hd = &head[0]
    cdef int64_t head_width = state[S_HEAD_WIDTH], head_line = 0, width = state[S_WIDTH]
    cdef int src = <int>state[S_SRC], dst = <int>state[S_DST], pcol = <int>state[S_P]
    cdef int64_t base_line
    if size <= 0:
        return 0, start, 0, DONE
    if head_width >= 0 and width >= 0 and n_pieces > 1:
        n_pieces = <int>max(1, min(<int64_t>n_pieces, size // max(min_piece, 1), cap))
    else:
        n_pieces = 1
    pieces = <Piece*>malloc(n_pieces * sizeof(Piece))
    if pieces == NULL:
        raise MemoryError
    try:
        memset(pieces, 0, n_pieces * sizeof(Piece))
        share = cap // n_pieces
        cut = start
        for k in range(n_pieces):
            pieces[k].start = cut
            if k == n_pieces - 1:
                cut = end
            else:
                cut = max(cut, start + size * (k + 1) // n_pieces)
                if cut < end:
                    cut = <const unsigned char*>memchr(text + cut, 10, end - cut) - text + 1
            pieces[k].end = cut
            pieces[k].out = out + share * k
            pieces[k].cap = share if k < n_pieces - 1 else cap - share * k
        if n_pieces == 1:
            with nogil:
                _parse(text, &pieces[0], width, src, dst, pcol, pu, pv, pp,
                       hd if head_width < 0 else NULL, &head_width, &head_line,
                       &width if width < 0 else NULL)
        else:
            for k in prange(n_pieces, nogil=True, num_threads=n_pieces, schedule="static"):
                _parse(text, &pieces[k], width, src, dst, pcol, pu, pv, pp, NULL, NULL, NULL, NULL)
        if head_line:
            state[S_HEAD_WIDTH] = head_width
            state[S_HEAD_LINE] = first_line + head_line - 1
        state[S_WIDTH] = width
        for k in range(n_pieces):  # in order: move rows together, absolute lines, stop at the first stop
            pc = &pieces[k]
            if pc.rows and dest != pc.out:
                memmove(pu + dest, pu + pc.out, pc.rows * sizeof(id_t))
                memmove(pv + dest, pv + pc.out, pc.rows * sizeof(id_t))
                if 0 <= pcol < width:  # (rows of another width are an error: their values do not matter)
                    memmove(pp + dest, pp + pc.out, pc.rows * sizeof(double))
            dest += pc.rows
            base_line = first_line + lines - 1
            if pc.body_line and state[S_BODY_LINE] == 0:
                state[S_BODY_LINE] = base_line + pc.body_line
            if pc.fatal and state[S_FATAL] == 0:
                state[S_FATAL] = base_line + pc.fatal
            if pc.mismatch and state[S_MISMATCH] == 0:
                state[S_MISMATCH] = base_line + pc.mismatch
                state[S_MISMATCH_WIDTH] = pc.mismatch_width
            if pc.bad_id and state[S_BAD_ID] == 0:
                state[S_BAD_ID] = base_line + pc.bad_id
            if pc.bad_p and state[S_BAD_P] == 0:
                state[S_BAD_P] = base_line + pc.bad_p
            if pc.narrow and state[S_NARROW] == 0:
                state[S_NARROW] = base_line + pc.narrow
            lines += pc.lines
            if pc.stop != DONE:
                pos = pc.pos
                stop = pc.stop
                break
    finally:
        free(pieces)
    return dest - out, pos, lines, stop


# ------------------------------------------------------------------------------------------------- node ids

ctypedef fused int_t:
    int32_t
    int64_t


def id_range(const int_t[::1] u, const int_t[::1] v):
    """``(smallest, largest)`` id in ``u`` and ``v`` (not both empty)."""
    cdef int64_t i, m = u.shape[0], lo, hi, x
    lo = u[0] if m else v[0]
    hi = lo
    with nogil:
        for i in range(m):
            x = u[i]
            if x < lo:
                lo = x
            if x > hi:
                hi = x
        for i in range(v.shape[0]):
            x = v[i]
            if x < lo:
                lo = x
            if x > hi:
                hi = x
    return lo, hi


def mark_ids(const int_t[::1] ids, int64_t lo, uint8_t[::1] present):
    """``present[id - lo] = 1`` for every id."""
    cdef int64_t i
    with nogil:
        for i in range(ids.shape[0]):
            present[ids[i] - lo] = 1


def relabel(const int_t[::1] ids, int64_t lo, const int32_t[::1] index, int32_t[::1] out):
    """``out[i] = index[ids[i] - lo]`` (``out`` may be ``ids`` itself when both are int32)."""
    cdef int64_t i
    with nogil:
        for i in range(ids.shape[0]):
            out[i] = index[ids[i] - lo]


# ------------------------------------------------------------------------------------------------- CSR

def count_arcs(const int32_t[::1] u, const int32_t[::1] v, int64_t[::1] degree):
    """``degree[u] += 1`` for every arc that is not a self-loop; returns the number of self-loops."""
    cdef int64_t i, loops = 0
    with nogil:
        for i in range(u.shape[0]):
            if u[i] == v[i]:
                loops += 1
            else:
                degree[u[i]] += 1
    return loops


def count_targets(const int32_t[::1] indices, int64_t[::1] degree):
    """``degree[b] += 1`` for every arc's target ``b``."""
    cdef int64_t i
    with nogil:
        for i in range(indices.shape[0]):
            degree[indices[i]] += 1


def bucket_arcs(const int32_t[::1] u, const int32_t[::1] v, const double[::1] p, const double[::1] w,
                const uint16_t[::1] bucket, int shift, const int32_t[::1] bounds, int64_t[::1] cursor,
                uint16_t[::1] U, int32_t[::1] V, double[::1] P, double[::1] W):
    """Append each arc (self-loops left out) to its source's bucket: a stable pass, few write streams.

    Node ``a`` is in bucket ``b = bucket[a >> shift]`` (nodes ``bounds[b]:bounds[b + 1]``,
    at most 65536); ``U`` gets ``a - bounds[b]``, ``V`` the target, at ``cursor[b]``.
    ``p``/``w`` of length 0 mean the arcs carry no such value.
    """
    cdef int64_t i, pos
    cdef int32_t a
    cdef uint16_t b
    cdef bint has_p = p.shape[0] > 0, has_w = w.shape[0] > 0
    with nogil:
        for i in range(u.shape[0]):
            a = u[i]
            if a == v[i]:
                continue
            b = bucket[a >> shift]
            pos = cursor[b]
            cursor[b] = pos + 1
            U[pos] = <uint16_t>(a - bounds[b])
            V[pos] = v[i]
            if has_p:
                P[pos] = p[i]
            if has_w:
                W[pos] = w[i]


cdef void _sort_range(int64_t s0, int64_t s1, int32_t lo, int32_t hi, int32_t origin, const int64_t* indptr,
                      int n_bits, uint16_t* U, int32_t* V, double* P, double* W, bint has_p, bint has_w,
                      uint16_t* su, int32_t* sv, double* sp, double* sw, int64_t* count,
                      int64_t* cursor) noexcept nogil:
    """Sort arcs ``s0:s1`` (sources in ``lo:hi``; ``U`` holds source - origin) by (source, target),
    stably: LSD radix passes on the target, 11 bits at a time, then a counting pass on the source into
    CSR positions (in cache when the range is small)."""
    cdef int64_t size = s1 - s0, i, pos
    cdef int shift, k
    cdef uint16_t* au = U + s0
    cdef int32_t* av = V + s0
    cdef double* ap = P + s0
    cdef double* aw = W + s0
    cdef uint16_t* bu = su
    cdef int32_t* bv = sv
    cdef double* bp = sp
    cdef double* bw = sw
    cdef uint16_t* tu
    cdef int32_t* tv
    cdef double* tp
    cdef double* tw
    cdef bint in_scratch = False
    if size <= 1:
        return
    shift = 0
    while shift < n_bits:
        memset(count, 0, 2049 * sizeof(int64_t))
        for i in range(size):
            count[((av[i] >> shift) & 2047) + 1] += 1
        for k in range(2048):
            if count[k + 1] == size:  # one digit for all: nothing to do
                break
        else:
            for k in range(2048):
                count[k + 1] += count[k]
            for i in range(size):
                k = (av[i] >> shift) & 2047
                pos = count[k]
                count[k] = pos + 1
                bu[pos] = au[i]
                bv[pos] = av[i]
                if has_p:
                    bp[pos] = ap[i]
                if has_w:
                    bw[pos] = aw[i]
            tu, tv, tp, tw = au, av, ap, aw
            au, av, ap, aw = bu, bv, bp, bw
            bu, bv, bp, bw = tu, tv, tp, tw
            in_scratch = not in_scratch
        shift += 11
    # by source: each source's block starts at indptr[source] (relative to s0)
    if hi - lo == 1:
        if in_scratch:
            memcpy(V + s0, av, size * sizeof(int32_t))
            if has_p:
                memcpy(P + s0, ap, size * sizeof(double))
            if has_w:
                memcpy(W + s0, aw, size * sizeof(double))
        return
    for k in range(hi - lo):
        cursor[k] = indptr[lo + k] - s0
    for i in range(size):
        k = au[i] + origin - lo
        pos = cursor[k]
        cursor[k] = pos + 1
        bv[pos] = av[i]
        if has_p:
            bp[pos] = ap[i]
        if has_w:
            bw[pos] = aw[i]
    if not in_scratch:  # the last pass wrote the scratch: copy back
        memcpy(V + s0, bv, size * sizeof(int32_t))
        if has_p:
            memcpy(P + s0, bp, size * sizeof(double))
        if has_w:
            memcpy(W + s0, bw, size * sizeof(double))


cdef void _sort_bucket(int64_t s0, int64_t s1, int32_t lo, int32_t hi, const int64_t* indptr, int n_bits,
                       uint16_t* U, int32_t* V, double* P, double* W, bint has_p, bint has_w,
                       uint16_t* su, int32_t* sv, double* sp, double* sw, int64_t* count,
                       int64_t* cursor, int64_t sub_arcs) noexcept nogil:
    """:func:`_sort_range` on a bucket; a large one is first split (a stable pass by source into
    sub-buckets of about ``sub_arcs`` arcs) so that each sort runs in cache."""
    cdef int64_t size = s1 - s0, i, pos, target
    cdef int32_t a, first
    cdef int k, subs
    target = max(sub_arcs, size // 1000 + 1)  # at most 2001 sub-buckets
    if size <= target or hi - lo <= 1:
        _sort_range(s0, s1, lo, hi, lo, indptr, n_bits, U, V, P, W, has_p, has_w, su, sv, sp, sw, count, cursor)
        return
    # sub-bucket of each source (in cursor), and where each sub-bucket starts (in count)
    subs = 0
    first = lo
    count[0] = 0
    for a in range(lo, hi):
        if indptr[a + 1] - indptr[first] > target and a > first:
            subs += 1
            count[subs] = indptr[a] - s0
            first = a
        cursor[a - lo] = subs
    subs += 1
    count[subs] = size
    for i in range(size):
        k = <int>cursor[U[s0 + i]]
        pos = count[k]
        count[k] = pos + 1
        su[pos] = U[s0 + i]
        sv[pos] = V[s0 + i]
        if has_p:
            sp[pos] = P[s0 + i]
        if has_w:
            sw[pos] = W[s0 + i]
    memcpy(U + s0, su, size * sizeof(uint16_t))
    memcpy(V + s0, sv, size * sizeof(int32_t))
    if has_p:
        memcpy(P + s0, sp, size * sizeof(double))
    if has_w:
        memcpy(W + s0, sw, size * sizeof(double))
    first = lo
    for a in range(lo, hi + 1):
        if a == hi or (indptr[a + 1] - indptr[first] > target and a > first):
            _sort_range(indptr[first], indptr[a], first, a, lo, indptr, n_bits, U, V, P, W, has_p, has_w,
                        su, sv, sp, sw, count, cursor)
            first = a


def sort_buckets(const int64_t[::1] starts, const int32_t[::1] bounds, const int64_t[::1] indptr, int n_bits,
                 uint16_t[::1] U, int32_t[::1] V, double[::1] P, double[::1] W, int64_t first, int64_t last,
                 uint16_t[:, ::1] su, int32_t[:, ::1] sv, double[:, ::1] sp, double[:, ::1] sw,
                 int64_t[:, ::1] count, int64_t[:, ::1] cursor, int n_threads=1, int64_t sub_arcs=1 << 17):
    """Sort buckets ``first:last`` (bucket ``b``: arcs ``starts[b]:starts[b + 1]``, sources
    ``bounds[b]:bounds[b + 1]``, as :func:`bucket_arcs` left them) by (source, target), on
    ``n_threads`` threads.

    Row ``t`` of each scratch array belongs to thread ``t``; ``su``/``sv``/``sp``/``sw``
    hold the largest bucket, ``cursor`` its number of sources, ``count`` 2049 entries. Buckets of
    more than ``sub_arcs`` arcs are sorted in parts of about that many.
    ``P``/``W`` of length 0 mean no such values.
    """
    cdef int64_t b
    cdef int t
    cdef bint has_p = P.shape[0] > 0, has_w = W.shape[0] > 0
    cdef uint16_t* pU = &U[0]
    cdef int32_t* pV = &V[0]
    cdef double* pP = &P[0] if has_p else NULL
    cdef double* pW = &W[0] if has_w else NULL
    for b in prange(first, last, nogil=True, num_threads=max(1, n_threads), schedule="dynamic"):
        t = threadid()
        _sort_bucket(starts[b], starts[b + 1], bounds[b], bounds[b + 1], &indptr[0], n_bits,
                     pU, pV, pP, pW, has_p, has_w, &su[t, 0], &sv[t, 0],
                     &sp[t, 0] if has_p else NULL, &sw[t, 0] if has_w else NULL, &count[t, 0], &cursor[t, 0],
                     sub_arcs)


def duplicate_groups(const int64_t[::1] indptr, const int32_t[::1] V):
    """Runs of equal targets within each source's block: ``(starts, sizes)`` of every run of 2 or more."""
    cdef int64_t n = indptr.shape[0] - 1, a, e, end, run, groups = 0, g = 0
    with nogil:
        for a in range(n):
            end = indptr[a + 1]
            e = indptr[a]
            while e < end:
                run = 1
                while e + run < end and V[e + run] == V[e]:
                    run += 1
                if run > 1:
                    groups += 1
                e += run
    starts_arr = np.empty(groups, dtype=np.int64)
    sizes_arr = np.empty(groups, dtype=np.int64)
    cdef int64_t[::1] starts = starts_arr
    cdef int64_t[::1] sizes = sizes_arr
    with nogil:
        for a in range(n):
            end = indptr[a + 1]
            e = indptr[a]
            while e < end:
                run = 1
                while e + run < end and V[e + run] == V[e]:
                    run += 1
                if run > 1:
                    starts[g] = e
                    sizes[g] = run
                    g += 1
                e += run
    return starts_arr, sizes_arr


def drop_duplicates(int64_t[::1] indptr, int32_t[::1] V, double[::1] P, double[::1] W,
                    const int64_t[::1] starts, const int64_t[::1] sizes):
    """Keep the first arc of each run (``starts``/``sizes`` from :func:`duplicate_groups`), in place.

    ``indptr`` is updated; returns the new number of arcs.
    """
    cdef int64_t n = indptr.shape[0] - 1, a, e, end, dest = 0, g = 0, n_groups = starts.shape[0]
    cdef bint has_p = P.shape[0] > 0, has_w = W.shape[0] > 0
    with nogil:
        e = 0
        for a in range(n):
            end = indptr[a + 1]
            indptr[a] = dest
            while e < end:
                V[dest] = V[e]
                if has_p:
                    P[dest] = P[e]
                if has_w:
                    W[dest] = W[e]
                dest += 1
                if g < n_groups and starts[g] == e:
                    e += sizes[g]
                    g += 1
                else:
                    e += 1
        indptr[n] = dest
    return dest


def bucket_reverse(const int64_t[::1] indptr, const int32_t[::1] indices, const uint16_t[::1] bucket, int shift,
                   const int32_t[::1] bounds, int64_t[::1] cursor, uint16_t[::1] T, int32_t[::1] in_indices,
                   int64_t[::1] in_arcs, int64_t first, int64_t last):
    """For sources ``first:last`` in order, append each arc ``e = (a, b)`` to its target's bucket
    ``k = bucket[b >> shift]``: ``T`` gets ``b - bounds[k]``, ``in_indices`` ``a`` and ``in_arcs``
    ``e``, at ``cursor[k]``."""
    cdef int64_t a, e, pos
    cdef int32_t b
    cdef uint16_t k
    with nogil:
        for a in range(first, last):
            for e in range(indptr[a], indptr[a + 1]):
                b = indices[e]
                k = bucket[b >> shift]
                pos = cursor[k]
                cursor[k] = pos + 1
                T[pos] = <uint16_t>(b - bounds[k])
                in_indices[pos] = <int32_t>a
                in_arcs[pos] = e


cdef void _sort_reverse_bucket(int64_t s0, int64_t s1, int32_t lo, int32_t hi, const int64_t* in_indptr,
                               const uint16_t* T, int32_t* in_indices, int64_t* in_arcs, int32_t* su,
                               int64_t* se, int64_t* cursor) noexcept nogil:
    cdef int64_t size = s1 - s0, i, pos
    cdef int k
    if hi - lo <= 1:
        return
    memcpy(su, in_indices + s0, size * sizeof(int32_t))
    memcpy(se, in_arcs + s0, size * sizeof(int64_t))
    for k in range(hi - lo):
        cursor[k] = in_indptr[lo + k]
    for i in range(size):
        k = T[s0 + i]
        pos = cursor[k]
        cursor[k] = pos + 1
        in_indices[pos] = su[i]
        in_arcs[pos] = se[i]


def sort_reverse(const int64_t[::1] starts, const int32_t[::1] bounds, const int64_t[::1] in_indptr,
                 const uint16_t[::1] T, int32_t[::1] in_indices, int64_t[::1] in_arcs, int64_t first, int64_t last,
                 int32_t[:, ::1] su, int64_t[:, ::1] se, int64_t[:, ::1] cursor, int n_threads=1):
    """Sort buckets ``first:last`` of :func:`bucket_reverse`'s output by target, stably (a counting pass in
    scratch per thread): each target's in-arcs then come in source order."""
    cdef int64_t b
    cdef int t
    for b in prange(first, last, nogil=True, num_threads=max(1, n_threads), schedule="dynamic"):
        t = threadid()
        _sort_reverse_bucket(starts[b], starts[b + 1], bounds[b], bounds[b + 1], &in_indptr[0], &T[0],
                             &in_indices[0], &in_arcs[0], &su[t, 0], &se[t, 0], &cursor[t, 0])


def reverse_direct(const int64_t[::1] indptr, const int32_t[::1] indices, const int64_t[::1] in_indptr,
                   int32_t[::1] in_indices, int64_t[::1] in_arcs):
    """The reverse CSR in one stable counting pass over the arcs in source order (each target's in-arcs
    then come in source order): for graphs whose targets' cursors stay in cache."""
    cdef int64_t n = indptr.shape[0] - 1, a, e, pos
    cdef int32_t b
    cursor_arr = np.array(in_indptr[:n], dtype=np.int64)
    cdef int64_t[::1] cursor = cursor_arr
    with nogil:
        for a in range(n):
            for e in range(indptr[a], indptr[a + 1]):
                b = indices[e]
                pos = cursor[b]
                cursor[b] = pos + 1
                in_indices[pos] = <int32_t>a
                in_arcs[pos] = e


def rr_kinds(const int32_t[::1] indices, const double[::1] p, const int64_t[::1] deg, int64_t table_max):
    """The kind of every node for the IC RR kernels, in one pass over the arcs and one over the nodes.

    A node whose in-arcs share one ``p < 1`` jumps geometrically: through the table of
    its ``p`` (kind 0) when its in-degree is at most ``table_max``, else with ``log()``
    (kind 1); one whose in-arcs all have ``p >= 1`` keeps them all (2); any other flips a
    coin per arc (3, as does a node without in-arcs, which has none to flip).

    Returns ``(kind, table, table_p, longest, pmin)``: per node its kind (uint64) and
    table (-1 if none), the tables' ``p`` in order of their first node and the largest
    in-degree using each, and the least ``p`` entering each node.
    """
    cdef int64_t n = deg.shape[0], e, v, d, mask = 1, slot, t, n_tables = 0
    cdef int32_t b
    cdef double x, lo
    cdef uint64_t key
    pmin_arr = np.full(n, np.inf)
    pmax_arr = np.full(n, -np.inf)
    kind_arr = np.full(n, 3, dtype=np.uint64)
    table_arr = np.full(n, -1, dtype=np.int32)
    while mask < 2 * n:
        mask <<= 1
    slots_arr = np.full(mask, -1, dtype=np.int64)  # open addressing on the bits of p: a table per slot
    table_p_arr = np.empty(max(n, 1), dtype=np.float64)
    longest_arr = np.zeros(max(n, 1), dtype=np.int64)
    cdef double[::1] pmin = pmin_arr
    cdef double[::1] pmax = pmax_arr
    cdef uint64_t[::1] kind = kind_arr
    cdef int32_t[::1] table = table_arr
    cdef int64_t[::1] slots = slots_arr
    cdef double[::1] table_p = table_p_arr
    cdef int64_t[::1] longest = longest_arr
    mask -= 1
    with nogil:
        for e in range(indices.shape[0]):
            b = indices[e]
            x = p[e]
            if x < pmin[b]:
                pmin[b] = x
            if x > pmax[b]:
                pmax[b] = x
        for v in range(n):
            d = deg[v]
            lo = pmin[v]
            if d == 0:
                continue
            if lo >= 1.0:
                kind[v] = 2
            elif lo == pmax[v]:
                if d > table_max:
                    kind[v] = 1
                    continue
                key = (<uint64_t*>&lo)[0]
                slot = <int64_t>(mix64(key) & <uint64_t>mask)
                while True:
                    t = slots[slot]
                    if t < 0:  # a new p: a new table
                        t = n_tables
                        n_tables += 1
                        slots[slot] = t
                        table_p[t] = lo
                        break
                    if (<uint64_t*>&table_p[t])[0] == key:
                        break
                    slot = (slot + 1) & mask
                kind[v] = 0
                table[v] = <int32_t>t
                if d > longest[t]:
                    longest[t] = d
    return kind_arr, table_arr, table_p_arr[:n_tables].copy(), longest_arr[:n_tables].copy(), pmin_arr


def coin_thresholds(const int64_t[::1] in_indptr, const int64_t[::1] in_arcs, const uint64_t[::1] width,
                    const int64_t[::1] nodes):
    """``width[in_arcs]`` over the in-arcs of ``nodes`` only, in in-arc order (the other entries are left
    unset: the RR kernels read the thresholds of coin nodes alone)."""
    cdef int64_t i, v, e
    thr_arr = np.empty(in_arcs.shape[0], dtype=np.uint64)
    cdef uint64_t[::1] thr = thr_arr
    with nogil:
        for i in range(nodes.shape[0]):
            v = nodes[i]
            for e in range(in_indptr[v], in_indptr[v + 1]):
                thr[e] = width[in_arcs[e]]
    return thr_arr


def table_guesses(const uint64_t[::1] thr, const int64_t[::1] first, const int64_t[::1] longest, int bits,
                  uint16_t[:, ::1] guess):
    """For each geometric table ``t`` (thresholds ``P = thr[first[t]:first[t] + longest[t] + 1]``, not
    increasing, ``P[0] = 2**53``, ``longest[t] < 2**15``) and each bucket ``b`` of 53-bit draws (``r >>
    (53 - bits) == b``), the gap ``J = max{j: P[j] > top}`` at the bucket's top ``top``, with bit 15 set
    when a threshold splits the bucket (``P[J + 1]`` above its bottom: ``J`` is larger lower down); in
    the other buckets the gap is ``J`` for every draw. One pointer walks down each table as the buckets
    rise."""
    cdef int64_t t, j, b, buckets = guess.shape[1]
    cdef uint64_t top, bottom
    with nogil:
        for t in range(first.shape[0]):
            j = longest[t]
            for b in range(buckets):
                bottom = (<uint64_t>b) << (53 - bits)
                top = ((<uint64_t>(b + 1)) << (53 - bits)) - 1
                while j > 0 and thr[first[t] + j] <= top:
                    j -= 1
                guess[t, b] = <uint16_t>j
                if j < longest[t] and thr[first[t] + j + 1] > bottom:
                    guess[t, b] |= 0x8000


# ------------------------------------------------------------------------------------------------- writing

def format_arcs(const int64_t[::1] u, const int64_t[::1] v):
    """Text ``"u v\\n"`` lines for non-negative ids, as bytes (a fast edge-list writer)."""
    cdef int64_t m = u.shape[0], i, pos = 0, x
    cdef int k, j
    cdef char digits[24]
    out = bytearray(m * 42 + 1)
    cdef char* buf = out
    cdef int64_t[2] pair
    with nogil:
        for i in range(m):
            pair[0] = u[i]
            pair[1] = v[i]
            for j in range(2):
                x = pair[j]
                k = 0
                while True:
                    digits[k] = <char>(48 + x % 10)
                    k += 1
                    x //= 10
                    if x == 0:
                        break
                while k > 0:
                    k -= 1
                    buf[pos] = digits[k]
                    pos += 1
                buf[pos] = 32 if j == 0 else 10
                pos += 1
    return bytes(out[:pos])
