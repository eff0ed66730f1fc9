# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Edge-list loops of `seeding`: text in, text out, and arcs sorted into CSR order.

Private module, on the way from files to a :class:`~seeding.graph.Graph` and
back (files -> ``io`` -> ``Graph``), before any diffusion:

* :func:`parse_edge_lines` reads an edge-list table in one pass (``seeding.io``);
* :func:`format_arcs` writes ``"u v"`` lines (``seeding.generate``);
* :func:`arc_order` sorts arcs by ``(source, target)`` in O(m + n), the order in
  which ``Graph`` lays out its CSR arrays (``seeding.graph``).

The callers check dtypes and ranges; nothing here checks them again. No loop
here draws random numbers: the diffusion and RR loops live in ``_kernels``.
"""

from libc.stdint cimport int8_t, int32_t, int64_t

import numpy as np


def arc_order(const int32_t[::1] u, const int32_t[::1] v, int64_t n):
    """Permutation that sorts arcs by ``(u, v)``: two stable counting sorts, O(m + n)."""
    cdef int64_t m = u.shape[0], i, key
    order_arr = np.empty(m, dtype=np.int64)
    tmp_arr = np.empty(m, dtype=np.int64)
    count_arr = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] order = order_arr
    cdef int64_t[::1] tmp = tmp_arr
    cdef int64_t[::1] count = count_arr
    with nogil:
        for i in range(m):  # pass 1: by v
            count[v[i] + 1] += 1
        for i in range(n):
            count[i + 1] += count[i]
        for i in range(m):
            key = v[i]
            tmp[count[key]] = i
            count[key] += 1
        for i in range(n + 1):
            count[i] = 0
        for i in range(m):  # pass 2: by u, stable
            count[u[i] + 1] += 1
        for i in range(n):
            count[i + 1] += count[i]
        for i in range(m):
            key = u[tmp[i]]
            order[count[key]] = tmp[i]
            count[key] += 1
    return order_arr


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


cdef extern from "stdlib.h":
    double strtod(const char* s, char** end) nogil


cdef inline bint is_space(unsigned char ch) noexcept nogil:
    return ch == 32 or ch == 9 or ch == 13 or ch == 11 or ch == 12 or ch == 44  # 44: comma


def parse_edge_lines(const unsigned char[::1] data, int64_t max_lines):
    """Parse a whitespace/comma-separated table of up to 3 numbers per line, in one pass.

    Lines whose first character (after blanks) is ``#`` or ``%`` are comments;
    blank lines are skipped. ``data`` must end with a newline (so that every
    number ends inside the buffer) and hold at most ``max_lines`` lines.

    Returns
    -------
    table : float64 array (rows, 3), NaN where a line has fewer columns
    columns : int8 array (rows,), the number of values on each line (4: more than 3)
    lines : int64 array (rows,), 1-based line numbers
    bad_line : int, 1-based line of the first token that is not a number, or of
        the first line with more than 3 values (0: none)
    """
    cdef int64_t size = data.shape[0], pos = 0, line = 1, rows = 0, bad_line = 0
    cdef int col, digits
    cdef unsigned char ch
    cdef double value
    cdef int64_t ival
    cdef char* end
    cdef const char* base = <const char*>&data[0]
    table_arr = np.full((max(max_lines, 1), 3), np.nan, dtype=np.float64)
    cols_arr = np.empty(max(max_lines, 1), dtype=np.int8)
    lines_arr = np.empty(max(max_lines, 1), dtype=np.int64)
    cdef double[:, ::1] table = table_arr
    cdef int8_t[::1] cols = cols_arr
    cdef int64_t[::1] lines = lines_arr
    with nogil:
        while pos < size and rows < max_lines:
            while pos < size and is_space(data[pos]):  # start of a line
                pos += 1
            if pos >= size:
                break
            ch = data[pos]
            if ch == 10:
                pos += 1
                line += 1
                continue
            if ch == 35 or ch == 37:  # '#' or '%': a comment line
                while pos < size and data[pos] != 10:
                    pos += 1
                continue
            col = 0
            while pos < size and data[pos] != 10:
                if is_space(data[pos]):
                    pos += 1
                    continue
                # a token: plain digits fast, anything else through strtod
                ival = 0
                digits = 0
                while pos + digits < size and 48 <= data[pos + digits] <= 57 and digits < 16:
                    ival = ival * 10 + (data[pos + digits] - 48)
                    digits += 1
                if digits > 0 and (pos + digits >= size or is_space(data[pos + digits])
                                   or data[pos + digits] == 10):
                    value = <double>ival
                    pos += digits
                else:
                    value = strtod(base + pos, &end)
                    if end == base + pos or not (end >= base + size or is_space((<unsigned char*>end)[0])
                                                 or (<unsigned char*>end)[0] == 10):
                        bad_line = line
                        break
                    pos = end - base
                if col < 3:
                    table[rows, col] = value
                col += 1
            if bad_line:
                break
            cols[rows] = <int8_t>(col if col < 4 else 4)
            lines[rows] = line
            rows += 1
            if col > 3:
                bad_line = line
                break
    return table_arr[:rows], cols_arr[:rows], lines_arr[:rows], bad_line
