"""Reading graphs, seed lists and costs; writing results atomically.

Edge lists are read in chunks (plain or compressed, never whole) and parsed by
compiled code on several threads (``_edges.parse_chunk``), which checks every
row and records the line of the first problem of each kind, so an error names
the file, the line and the offending text.
"""

from __future__ import annotations

import bz2
import concurrent.futures
import contextlib
import csv
import dataclasses
import datetime
import errno
import gzip
import hashlib
import json
import lzma
import os
import re
import stat
import tempfile
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _edges
from ._rng import RNGLike
from .errors import GraphFormatError, SeedingError, SeedingWarning
from .graph import Graph, _load_threads, _mapped_empty
from .models import with_probability

__all__ = ["read_graph", "read_edge_list", "read_labels", "read_names", "names_of", "labels_for", "read_table",
           "write_json", "write_text"]

_MAX_EXACT_ID = 2**53


MAX_EXPANSION = 100  # decompressed / compressed bytes past which a file is taken for a decompression bomb
_EXPANSION_GRACE = 64 << 20  # ... once this much has come out (small files may expand more)
_DECOMPRESS_CHUNK = 4 << 20


def _decompress(path: Path, opener: Callable[..., Any]) -> bytearray:
    """Decompress in pieces, refusing early a file that expands more than MAX_EXPANSION times.

    Real edge lists compress 3 to 15 times; a decompression bomb (gigabytes of zeros
    in a few megabytes) is stopped after 64 MiB, before it exhausts the memory.
    """
    out = bytearray()
    with open(path, "rb") as raw, opener(raw, "rb") as fh:
        while True:
            piece = fh.read(_DECOMPRESS_CHUNK)
            if not piece:
                return out
            out += piece
            if len(out) > _EXPANSION_GRACE and len(out) > MAX_EXPANSION * max(raw.tell(), 1):
                raise GraphFormatError(
                    f"decompresses more than {MAX_EXPANSION} times over ({len(out):,} bytes from the first "
                    f"{raw.tell():,}): refusing a likely decompression bomb (decompress it yourself if it is "
                    "genuine)", path=str(path),
                )


def read_bytes(path: str | os.PathLike) -> bytes | bytearray:
    """Return the contents of ``path``, decompressing gzip, bzip2 or xz by magic bytes.

    Compressed files are decompressed in pieces, and refused once they expand
    more than :data:`MAX_EXPANSION` times (a decompression bomb).
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
            fh.seek(0)
            if head[:2] == b"\x1f\x8b":
                opener: Callable[..., Any] = gzip.open
            elif head[:3] == b"BZh":
                opener = bz2.open
            elif head[:6] == b"\xfd7zXZ\x00":
                opener = lzma.open
            else:
                return fh.read()
    except FileNotFoundError:
        raise GraphFormatError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise GraphFormatError("is a directory, not a file", path=str(path)) from None
    except PermissionError:
        raise GraphFormatError("permission denied", path=str(path)) from None
    try:
        return _decompress(path, opener)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise GraphFormatError(f"cannot decompress: {exc}", path=str(path)) from None


def _diagnose(raw: bytes, path: str, line: int) -> GraphFormatError:
    """Describe what is wrong with a line (its bytes ``raw``) that the fast parser rejected."""
    text = raw.decode("utf-8", errors="replace").strip()[:80]
    tokens = raw.decode("utf-8", errors="replace").replace(",", " ").split()
    if len(tokens) > 3:
        return GraphFormatError(
            f"expected 2 or 3 columns (u v [p]); got {len(tokens):,}: {text!r}", path=path, line=line
        )
    for token in tokens:
        try:
            float(token)
        except ValueError:
            return GraphFormatError(f"cannot read {token[:40]!r} as a number in {text!r}", path=path, line=line)
    return GraphFormatError(f"cannot parse {text!r}", path=path, line=line)


def _id_problem(pair: np.ndarray) -> str:
    """Why a row's node ids were rejected: not integers, or integers too large to read exactly."""
    whole = np.isfinite(pair) & (pair == np.round(pair))
    if whole.all():
        return f"node ids must be below 2**53 = {_MAX_EXACT_ID:,} (larger ones cannot be read exactly); renumber them"
    return "node ids must be integers"


def _line_text(data: bytes, line: int, limit: int | None = 80) -> str:
    """Line ``line`` (1-based) of ``data``, stripped and cut to ``limit`` characters."""
    start = 0
    for _ in range(line - 1):
        start = data.index(b"\n", start) + 1
    end = data.find(b"\n", start)
    raw = data[start : end if end >= 0 else len(data)]
    return raw.decode("utf-8", errors="replace").strip()[:limit]


HEADERS = ("auto", "nm", "names", "none")
# Column names that mark a first line as a header even when they could be node ids.
_HEADER_WORDS = frozenset({
    "source", "target", "src", "dst", "from", "to", "u", "v", "p", "w", "weight", "prob", "probability",
    "node", "node1", "node2", "id1", "id2", "head", "tail", "follower", "followee", "user", "friend",
})
_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ",
               "whitespace": " "}


def check_delimiter(delimiter: str | None) -> str | None:
    """Normalise a delimiter: None (whitespace or commas), ``" "`` (whitespace only) or one character.

    Names are accepted too: ``tab``, ``comma``, ``semicolon``, ``pipe``, ``space``/``whitespace``.

    Examples
    --------
    >>> check_delimiter("tab"), check_delimiter(";"), check_delimiter(None)
    ('\\t', ';', None)
    """
    if delimiter is None:
        return None
    text = _DELIMITERS.get(str(delimiter).lower(), str(delimiter))
    if len(text) != 1 or text in "\"\r\n#%" or text.isalnum():
        raise SeedingError(
            f"delimiter must be one character (such as ',', ';', '|') or tab, comma, space; got {delimiter!r}"
        )
    return text


def check_columns(columns: str | Any | None) -> tuple[int | str, ...] | None:
    """Normalise a column choice: 2 or 3 names or 0-based positions (source, target[, probability]).

    A string is split at commas; items that spell whole numbers are positions.

    Examples
    --------
    >>> check_columns("from,to,weight"), check_columns([0, 1, 3]), check_columns("1,0")
    (('from', 'to', 'weight'), (0, 1, 3), (1, 0))
    """
    if columns is None:
        return None
    items = [c.strip() for c in columns.split(",")] if isinstance(columns, str) else list(columns)
    out: list[int | str] = []
    for item in items:
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, (int, str)) or item == "" or (
                isinstance(item, int) and item < 0):
            raise SeedingError(f"columns must be column names or positions from 0; got {item!r} in {columns!r}")
        out.append(item)
    if len(out) not in (2, 3) or len(set(out)) != len(out):
        raise SeedingError(
            f"columns must name 2 or 3 distinct columns (source, target[, probability]), "
            f"e.g. 'source,target,p' or '0,1,3'; got {columns!r}"
        )
    return tuple(out)


def read_edge_list(
    path: str | os.PathLike,
    *,
    undirected: bool = False,
    header: str = "auto",
    columns: str | Any | None = None,
    delimiter: str | None = None,
) -> Graph:
    """Read a whitespace-, tab- or comma-separated edge list.

    Each data line is ``u v`` or ``u v p`` with node ids and an optional arc
    value in [0, 1] (a probability, or an LT weight). Lines starting with ``#``
    or ``%`` are comments; CRLF line ends are fine; ``.gz``, ``.bz2`` and
    ``.xz`` files are decompressed. A first line ``n m`` (IMM/OPIM style) or a
    line of column names (``source,target,p``; ``from to weight``) may be a
    header: see ``header``. Numeric ids (with or without a header) are read by
    compiled code, chunk by chunk: the text is never held whole, and the parsed
    arcs not twice (peak memory about twice the graph's arrays). String ids and
    delimiters other than whitespace and commas go through a general reader
    (Python's csv module) that holds the whole file: the slow path, for small
    files.

    Parameters
    ----------
    path : path-like
    undirected : bool, default False
        Add every edge in both directions.
    header : {"auto", "nm", "names", "none"}, default "auto"
        ``"nm"``: the first data line is an ``n m`` header (node and arc counts);
        ``"names"``: the first data line names the columns; ``"none"``: every
        line is an arc. ``"auto"`` takes a two-number first line as a header
        only when it is consistent with the file: ``m`` equals the number of
        lines below it and ``n`` the number of distinct ids, or the largest id
        (ids from 0 or 1). A line that only might be a header (``m`` matches,
        ``n`` is merely large enough) is an error asking to choose. ``"auto"``
        also takes a first line of words as column names when no word is a
        number and either one is a usual column name (source, target, from, to,
        p, weight, ...) or none of them appears as a node id below.
        ``graph.info["header"]`` holds the ``n m`` header that was read, and
        ``graph.info["columns"]`` the column names.
    columns : str or sequence, optional
        Which columns hold the source, the target and (optionally) the arc
        value: 2 or 3 names from the header line, or positions from 0, e.g.
        ``"from,to,weight"`` or ``[0, 1, 3]``. Default: the first two, and the
        third as the value when a line has exactly three.
    delimiter : str, optional
        One character (``","``, ``";"``, ``"|"``, ``"\\t"``; or ``"tab"``,
        ``"comma"``, ``"space"``). Default: any run of whitespace or commas.

    Returns
    -------
    Graph
        Node labels are the ids: integers when every id is an integer, else
        strings. ``p`` is None without a value column. Self-loops are dropped
        and parallel arcs merged (see :meth:`Graph.from_edges`).

    Raises
    ------
    GraphFormatError
        Naming the file, the line and its text.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "friends.csv")
    ...     _ = open(path, "w").write("from,to,weight\\nann,bob,0.5\\nbob,cy,0.25\\n")
    ...     g = read_edge_list(path)
    >>> g.labels.tolist(), g.p.tolist(), g.info["columns"]
    (['ann', 'bob', 'cy'], [0.5, 0.25], ['from', 'to', 'weight'])
    """
    return _read_edge_list(path, undirected=undirected, header=header, columns=columns, delimiter=delimiter)[0]


_CHUNK_BYTES = 8 << 20  # edge-list text read at a time (while the previous piece is parsed)
_SEGMENT_ROWS = 1 << 20  # rows per array of parsed arcs: each array is its own mapping, freed whole
_MIN_ROOM = 1 << 12  # a segment with less room than this is closed
_MIN_PIECE = 1 << 19  # bytes of text per thread, at least
_STEP_ROWS = 1 << 22  # rows per compiled call after parsing: Python handles Ctrl-C between calls


def _read_edge_list(
    path: str | os.PathLike,
    *,
    undirected: bool = False,
    header: str = "auto",
    columns: str | Any | None = None,
    delimiter: str | None = None,
    digest: Any = None,
    chunk_bytes: int = _CHUNK_BYTES,
    segment_rows: int = _SEGMENT_ROWS,
    n_threads: int | None = None,
    min_piece: int = _MIN_PIECE,
) -> tuple[Graph, bytes | None]:
    """:func:`read_edge_list`, streaming; also the digest of the file's bytes when ``digest`` (a hashlib
    object) saw all of them (None when the general reader read the file).

    The text is read ``chunk_bytes`` at a time (cut at line ends) and parsed on
    several threads into arrays of ``segment_rows`` rows, which the CSR build
    frees one by one: the whole text is never held, nor the arcs twice.
    """
    name = str(path)
    if header not in HEADERS:
        raise SeedingError(f"header must be one of {', '.join(HEADERS)}; got {header!r}")
    columns = check_columns(columns)
    delimiter = check_delimiter(delimiter)

    def general() -> tuple[Graph, None]:
        data = read_bytes(path)
        if not data.endswith(b"\n"):
            data += b"\n"
        return _read_general(data, name, undirected=undirected, header=header, columns=columns,
                             delimiter=delimiter), None

    if delimiter not in (None, ",", "\t", " "):  # the compiled parser splits at whitespace and commas only
        return general()
    named_columns = columns is not None and any(isinstance(c, str) for c in columns)
    with _Source(Path(path), digest) as source:
        text = _parse_text(source, header=header, columns=columns, delimiter=delimiter, chunk_bytes=chunk_bytes,
                           segment_rows=segment_rows, n_threads=n_threads, min_piece=min_piece)
        if text is not None and not text.state[_edges.S_FATAL]:
            source.finish()
    if text is None or (header == "names" and text.names is None) or (named_columns and text.names is None):
        return general()  # string ids, or a header the general reader explains
    state, names, first = text.state, text.names, text.first

    def line_text(line: int) -> str:
        return _line_bytes(path, line, chunk_bytes).decode("utf-8", errors="replace").strip()[:80]

    fatal = int(state[_edges.S_FATAL])
    if fatal:
        if names is not None or fatal == first:  # string ids (under a header or not): the general reader
            return general()
        raise _diagnose(_line_bytes(path, fatal, chunk_bytes), name, fatal)
    head_width, head_line = int(state[_edges.S_HEAD_WIDTH]), int(state[_edges.S_HEAD_LINE])
    if head_width < 0:
        below = " below the header line" if names is not None else " (the file is empty or all comments)"
        raise GraphFormatError(f"no edges found{below}", path=name)
    body_rows = sum(segment.rows for segment in text.segments)
    body_width, body_line = int(state[_edges.S_WIDTH]), int(state[_edges.S_BODY_LINE])
    labels: list[np.ndarray] = []  # the body's node labels, once computed

    def stats() -> tuple[bool, float, float, int]:
        """Are the body's first two columns all integers; smallest, largest; how many distinct."""
        if state[_edges.S_NARROW]:
            return False, 0.0, 0.0, 0
        if tuple(state[[_edges.S_SRC, _edges.S_DST]]) in ((0, 1), (1, 0)) and not state[_edges.S_BAD_ID]:
            labels.append(_node_labels(text.id_arrays()))
            return True, float(labels[0][0]), float(labels[0][-1]), int(labels[0].shape[0])
        with _Source(Path(path)) as again:  # rare (other columns, or bad ids): the two columns as floats
            raw = _parse_text(again, header=header, columns=(0, 1), delimiter=delimiter, chunk_bytes=chunk_bytes,
                              segment_rows=segment_rows, n_threads=n_threads, min_piece=min_piece, floats=True,
                              names=names)
        assert raw is not None
        ids = np.concatenate(raw.id_arrays()) if raw.segments else np.zeros(0)
        if not (np.isfinite(ids).all() and (ids == np.round(ids)).all()):
            return False, 0.0, 0.0, 0
        return True, float(ids.min()), float(ids.max()), int(np.unique(ids).shape[0])

    head_values = text.head
    found = None if names is not None else _nm_header(
        head_values, head_width, head_line, body_rows, bool(state[_edges.S_MISMATCH]), header, stats, line_text,
        name)
    if found is not None:
        if body_rows == 0:
            raise GraphFormatError("no edges found below the 'n m' header", path=name)
        width, row_line = body_width, body_line
        mismatch, got = int(state[_edges.S_MISMATCH]), int(state[_edges.S_MISMATCH_WIDTH])
    else:
        width, row_line = head_width, head_line
        if body_rows and body_width != head_width:
            mismatch, got = body_line, body_width
        else:
            mismatch, got = int(state[_edges.S_MISMATCH]), int(state[_edges.S_MISMATCH_WIDTH])
    like = "the header line" if names is not None else f"line {row_line}"
    if names is not None and width != len(names):
        raise GraphFormatError(f"expected {len(names)} columns like the header line; got {width}: "
                               f"{line_text(row_line)!r}", path=name, line=row_line)
    if width not in (2, 3) and columns is None:
        raise GraphFormatError(f"expected 2 or 3 columns (u v [p]); got {width}: {line_text(row_line)!r}",
                               path=name, line=row_line)
    if mismatch:
        raise GraphFormatError(f"expected {width} columns like {like}; got {got}: {line_text(mismatch)!r}",
                               path=name, line=mismatch)
    picks = list(range(width)) if columns is None else _pick_columns(columns, names, width, name, first)

    def fail(line: int, message: str) -> GraphFormatError:
        return GraphFormatError(f"{message}: {line_text(line)!r}", path=name, line=line)

    def values(line: int) -> np.ndarray:
        return _line_values(_line_bytes(path, line, chunk_bytes))

    head_arc = found is None
    ids_ok = np.isfinite(head_values) & (head_values == np.round(head_values)) & (np.abs(head_values) < _MAX_EXACT_ID)
    if head_arc and not ids_ok[picks[:2]].all():
        raise fail(head_line, _id_problem(head_values[picks[:2]]))
    if state[_edges.S_BAD_ID]:
        line = int(state[_edges.S_BAD_ID])
        raise fail(line, _id_problem(values(line)[picks[:2]]))
    if len(picks) == 3:
        p_ok = np.isfinite(head_values) & (head_values >= 0.0) & (head_values <= 1.0)
        if head_arc and not p_ok[picks[2]]:
            raise fail(head_line, f"arc value {float(head_values[picks[2]])!r} is not a number in [0, 1]")
        if state[_edges.S_BAD_P]:
            line = int(state[_edges.S_BAD_P])
            raise fail(line, f"arc value {float(values(line)[picks[2]])!r} is not a number in [0, 1]")
    # the arcs: the head line (when it is one), then the body's segments, relabelled in place
    segments = text.take_segments(with_p=len(picks) == 3)
    if head_arc:
        head_ids = head_values[picks[:2]].astype(np.int64)
        head_p = head_values[picks[2:3]].copy() if len(picks) == 3 else None
        segments.insert(0, [head_ids[:1], head_ids[1:], head_p])
    if labels:
        node_labels = labels[0]
        if head_arc:
            node_labels = _with_labels(node_labels, head_ids)
    else:
        node_labels = _node_labels([a for segment in segments for a in segment[:2]])
    counted = _relabel(segments, node_labels, undirected)
    parts: list = [(u, v, p, None) for u, v, p in segments]
    del segments
    if undirected:
        parts += [(v, u, p, None) for u, v, p, _ in parts]
    graph = Graph._from_parts(parts, node_labels, counted=counted, n_threads=n_threads)
    info = dict(graph.info)
    if found is not None:
        info["header"] = {"n": found[0], "m": found[1], "line": found[2]}
    if names is not None:
        info["columns"] = [names[i] for i in picks]
    return graph._replace(info=info), (source.digest.digest() if digest is not None and source.whole else None)


class _Source:
    """An edge list's bytes as they come: decompressed by magic bytes (gzip, bzip2, xz), the file's own
    bytes fed to ``digest`` (a hashlib object) on the way.

    A compressed file that expands more than :data:`MAX_EXPANSION` times is
    refused as a decompression bomb, as :func:`read_bytes` does.
    """

    def __init__(self, path: Path, digest: Any = None):
        self.path = path
        self.digest = digest
        self.taken = 0  # bytes of the file read
        self.given = 0  # bytes handed out (decompressed)
        self.whole = False  # the digest has seen the whole file
        try:
            self.raw = open(path, "rb")  # closed by close()
        except FileNotFoundError:
            raise GraphFormatError("no such file", path=str(path)) from None
        except IsADirectoryError:
            raise GraphFormatError("is a directory, not a file", path=str(path)) from None
        except PermissionError:
            raise GraphFormatError("permission denied", path=str(path)) from None
        try:
            head = self.raw.read(6)
        except IsADirectoryError:
            self.raw.close()
            raise GraphFormatError("is a directory, not a file", path=str(path)) from None
        self.raw.seek(0)
        self.stream: Any = None
        if head[:2] == b"\x1f\x8b":
            self.stream = gzip.GzipFile(fileobj=self, mode="rb")
        elif head[:3] == b"BZh":
            self.stream = bz2.BZ2File(self, mode="rb")
        elif head[:6] == b"\xfd7zXZ\x00":
            self.stream = lzma.LZMAFile(self, mode="rb")

    def __enter__(self) -> _Source:
        return self

    def expected_size(self) -> int:
        """About how many bytes of text there are: the file's size, or a few times that when compressed."""
        size = os.fstat(self.raw.fileno()).st_size
        return size if self.stream is None else 8 * size + (1 << 16)

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.raw.close()

    # the file's bytes, for the decompressors
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.taken += len(data)
        if self.digest is not None:
            self.digest.update(data)
        return data

    # the text
    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` with text as far as the file goes; 0 at its end."""
        done = 0
        size = len(view)
        while done < size:
            if self.stream is None:
                got = self.raw.readinto(view[done:])
                if got and self.digest is not None:
                    self.digest.update(view[done : done + got])
                self.taken += got or 0
            else:
                try:
                    got = self.stream.readinto(view[done : min(size, done + _DECOMPRESS_CHUNK)])
                except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
                    raise GraphFormatError(f"cannot decompress: {exc}", path=str(self.path)) from None
                if self.given + got > _EXPANSION_GRACE and self.given + got > MAX_EXPANSION * max(self.taken, 1):
                    raise GraphFormatError(
                        f"decompresses more than {MAX_EXPANSION} times over ({self.given + got:,} bytes from the "
                        f"first {self.taken:,}): refusing a likely decompression bomb (decompress it yourself if "
                        "it is genuine)", path=str(self.path),
                    )
            if not got:
                break
            done += got
            self.given += got
        return done

    def finish(self) -> None:
        """Read the rest of the file into the digest (bytes after the compressed stream, if any)."""
        if self.digest is not None:
            while self.read(_HASH_CHUNK):
                pass
            self.whole = True


def _text_chunks(source: _Source, chunk_bytes: int) -> Any:
    """Yield ``(buffer, end)``: ``buffer[:end]`` is whole lines, each ending with a newline.

    Two buffers take turns: while the caller parses one, a thread fills the
    other (reading, decompressing and hashing let other threads run). A buffer
    is valid until the next one is asked for. A line longer than
    ``chunk_bytes`` makes the buffers grow; a last line without a newline gets
    one.
    """
    size = max(1, min(chunk_bytes, source.expected_size() + 1))  # a small file gets small buffers
    buffers = [bytearray(size), bytearray(size)]

    def fill(buf: bytearray, filled: int) -> int:
        with memoryview(buf) as view:
            return filled + (source.readinto(view[filled:]) if filled < len(buf) else 0)

    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="seeding-read")
    ahead = None
    try:
        buf, filled = buffers[0], fill(buffers[0], 0)
        while True:
            if filled < len(buf):  # the end of the text
                if filled and buf[filled - 1] != 10:
                    buf[filled] = 10
                    filled += 1
                if filled:
                    yield buf, filled
                return
            cut = buf.rfind(b"\n", 0, filled) + 1
            if cut == 0:  # no line end in a full buffer: a long line
                buf.extend(bytes(len(buf)))
                filled = fill(buf, filled)
                continue
            other = buffers[1] if buf is buffers[0] else buffers[0]
            if len(other) < len(buf):
                other.extend(bytes(len(buf) - len(other)))
            other[: filled - cut] = buf[cut:filled]
            ahead = pool.submit(fill, other, filled - cut)
            yield buf, cut
            buf, filled = other, ahead.result()
            ahead = None
    finally:
        if ahead is not None:  # stopped early (an error, Ctrl-C): let the read in flight end first
            concurrent.futures.wait([ahead])
        pool.shutdown(wait=True)


class _Segment:
    """Parsed rows: ids ``u``/``v`` (int32, int64 or float64) and values ``p`` of ``rows`` arcs."""

    def __init__(self, rows: int, dtype: Any, with_p: bool):
        self.u = _mapped_empty(rows, dtype)
        self.v = _mapped_empty(rows, dtype)
        self.p = _mapped_empty(rows if with_p else 1, np.float64)
        self.rows = 0
        self.closed = False

    def widen(self) -> None:
        for name in ("u", "v"):
            old = getattr(self, name)
            new = _mapped_empty(old.shape[0], np.int64)
            new[: self.rows] = old[: self.rows]
            setattr(self, name, new)


@dataclasses.dataclass
class _Text:
    """What :func:`_parse_text` found: the parser's state, the head line, the body's rows."""

    state: np.ndarray
    head: np.ndarray
    segments: list[_Segment]
    names: list[str] | None
    first: int  # the first data line (0: none)

    def id_arrays(self) -> list[np.ndarray]:
        return [a[: s.rows] for s in self.segments for a in (s.u, s.v)]

    def take_segments(self, *, with_p: bool) -> list[list]:
        """The rows as ``[u, v, p]`` lists (p None unless ``with_p``), handed over: this keeps none."""
        out = [[s.u[: s.rows], s.v[: s.rows], s.p[: s.rows] if with_p else None] for s in self.segments if s.rows]
        self.segments = []
        return out


def _roles(columns: tuple[int | str, ...] | None, names: list[str] | None) -> tuple[int, int, int]:
    """The columns (0..2) parsed as source, target and arc value; -1 for one the parser cannot hold."""
    if columns is None:
        return 0, 1, 2  # the value: when lines have 3 columns
    found = []
    for column in columns:
        if isinstance(column, str):
            column = names.index(column) if names is not None and column in names else -1
        found.append(column if 0 <= column < 3 else -1)
    return found[0], found[1], found[2] if len(found) == 3 else -1


def _parse_text(
    source: _Source,
    *,
    header: str,
    columns: tuple[int | str, ...] | None,
    delimiter: str | None,
    chunk_bytes: int,
    segment_rows: int,
    n_threads: int | None,
    min_piece: int = _MIN_PIECE,
    floats: bool = False,
    names: list[str] | None = None,
) -> _Text | None:
    """Parse an edge list's text chunk by chunk (see :func:`_edges.parse_chunk`); stop at a fatal line.

    Returns None when the column names call for the general reader. With
    ``floats``, ids are kept as float64 (for the ``n m`` header check).
    """
    threads = _load_threads(n_threads)
    state = np.zeros(_edges.STATE_SIZE, dtype=np.int64)
    state[[_edges.S_WIDTH, _edges.S_HEAD_WIDTH]] = -1
    head = np.zeros(3)
    segments: list[_Segment] = []
    dtype: Any = np.float64 if floats else np.int32
    with_p = False
    line = 1  # the line at ``pos``
    first = 0
    parsed = [0, 0]  # rows and bytes so far: how much text fits the room left
    for buf, end in _text_chunks(source, chunk_bytes):
        pos = 0
        if not first:
            found = _first_data(buf, end)
            if not found[0]:
                line += buf.count(b"\n", 0, end)
                continue
            first = line + found[0] - 1
            if not floats and header in ("auto", "names"):
                tokens = _split_line(bytes(buf[found[1] : found[2]]).decode("utf-8", errors="replace").strip(),
                                     delimiter)
                if tokens and len(set(tokens)) == len(tokens) and not any(_is_number(t) for t in tokens):
                    names = tokens  # column names; the compiled parser reads the numbers below them
            if names is not None:
                pos, line = found[2] + 1, first + 1  # past the line of names
            roles = _roles(columns, names)
            state[[_edges.S_SRC, _edges.S_DST, _edges.S_P]] = roles
            with_p = roles[2] >= 0
        while pos < end:
            if not segments or segments[-1].closed or segment_rows - segments[-1].rows < min(_MIN_ROOM, segment_rows):
                if segments:
                    segments[-1].closed = True
                segments.append(_Segment(segment_rows, dtype, with_p))
            segment = segments[-1]
            opening = state[_edges.S_WIDTH] < 0  # the first rows set the width, one thread
            room = 1 if opening else segment_rows - segment.rows
            stop_at = end
            if parsed[0] and room * parsed[1] < 1.25 * parsed[0] * (end - pos):  # more text than room: a part
                cut = pos + int(0.8 * room * parsed[1] / parsed[0])
                stop_at = buf.rfind(b"\n", pos, cut) + 1 or buf.find(b"\n", pos, end) + 1
            rows, reached, lines, stop = _edges.parse_chunk(
                buf, pos, stop_at, line, segment.u, segment.v, segment.p, segment.rows, room, state, head,
                1 if opening else threads, min_piece,
            )
            parsed[0] += rows
            parsed[1] += reached - pos
            pos = reached
            segment.rows += rows
            line += lines
            if stop == _edges.FATAL:
                return _Text(state, head, segments, names, first)
            if stop == _edges.WIDE:
                dtype = np.int64
                for old in segments:
                    old.widen()
            elif stop == _edges.FULL and not opening:
                segment.closed = True
    return _Text(state, head, segments, names, first)


def _first_data(data: bytes | bytearray, size: int | None = None) -> tuple[int, int, int]:
    """``(line, start, end)`` of the first line of ``data[:size]`` that is neither blank nor a comment
    (line 0: none)."""
    start, number = 0, 1
    size = len(data) if size is None else size
    while start < size:
        end = data.find(b"\n", start, size)
        end = size if end < 0 else end
        stripped = data[start:end].strip()
        if stripped and stripped[:1] not in (b"#", b"%"):
            return number, start + (len(data[start:end]) - len(data[start:end].lstrip())), end
        start, number = end + 1, number + 1
    return 0, 0, 0


def _line_bytes(path: str | os.PathLike, line: int, chunk_bytes: int = _CHUNK_BYTES) -> bytes:
    """Line ``line`` (1-based) of an edge list, read again (on the way to an error message)."""
    at = 1
    with _Source(Path(path)) as source:
        for buf, end in _text_chunks(source, chunk_bytes):
            lines = buf.count(b"\n", 0, end)
            if at + lines <= line:
                at += lines
                continue
            start = 0
            for _ in range(line - at):
                start = buf.index(b"\n", start) + 1
            return bytes(buf[start : buf.index(b"\n", start)])
    return b""


def _line_values(raw: bytes) -> np.ndarray:
    """The (up to 3) numbers of one line, as the compiled parser reads them (0 where missing)."""
    state = np.zeros(_edges.STATE_SIZE, dtype=np.int64)
    state[[_edges.S_WIDTH, _edges.S_HEAD_WIDTH]] = -1
    state[[_edges.S_SRC, _edges.S_DST, _edges.S_P]] = -1
    head = np.zeros(3)
    dummy = np.zeros(1)
    data = raw.replace(b"\n", b" ") + b"\n"
    _edges.parse_chunk(data, 0, len(data), 1, dummy, dummy, dummy, 0, 1, state, head, 1)
    return head


def _node_labels(arrays: list[np.ndarray]) -> np.ndarray:
    """The distinct ids of integer arrays, sorted (int64): a table of the id range when it is dense."""
    arrays = [a for a in arrays if a.shape[0]]
    total = sum(a.shape[0] for a in arrays)
    ranges = [_edges.id_range(a, a[:0]) for a in arrays]
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    if hi - lo < max(total, 1 << 16):
        present = np.zeros(hi - lo + 1, dtype=np.uint8)
        for a in arrays:
            _edges.mark_ids(a, lo, present)
        return np.flatnonzero(present) + lo
    return np.unique(np.concatenate([np.unique(a) for a in arrays]))


def _with_labels(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``labels`` (sorted, distinct) with ``ids`` added."""
    extra = np.unique(ids)
    at = np.searchsorted(labels, extra)
    missing = (at == labels.shape[0]) | (labels[np.minimum(at, labels.shape[0] - 1)] != extra)
    return np.insert(labels, at[missing], extra[missing])


def _relabel(segments: list[list], labels: np.ndarray, undirected: bool) -> tuple[np.ndarray, int]:
    """Replace the ids in ``segments[i][:2]`` by their indices in ``labels`` (int32; in place when int32).

    Returns what the CSR build counts first: the out-degrees (at ``[1:]`` of an
    array of ``n + 1``; in- and out-degrees when ``undirected``) and the
    number of self-loops.
    """
    lo, hi = int(labels[0]), int(labels[-1])
    total = sum(s[0].shape[0] for s in segments)
    degree = np.zeros(labels.shape[0] + 1, dtype=np.int64)
    loops = 0
    table = None
    if hi - lo < max(2 * total, 1 << 16):
        table = np.zeros(hi - lo + 1, dtype=np.int32)
        table[labels - lo] = np.arange(labels.shape[0], dtype=np.int32)
    for segment in segments:
        u, v = segment[0], segment[1]
        for k in (0, 1):
            ids = segment[k]
            if table is None:
                segment[k] = np.searchsorted(labels, ids).astype(np.int32)
                continue
            out = ids if ids.dtype == np.int32 else np.empty(ids.shape[0], dtype=np.int32)
            for a in range(0, ids.shape[0], _STEP_ROWS):  # Ctrl-C is seen between steps
                _edges.relabel(ids[a : a + _STEP_ROWS], lo, table, out[a : a + _STEP_ROWS])
            segment[k] = out
        del u, v
        loops += _edges.count_arcs(segment[0], segment[1], degree[1:])
        if undirected:
            loops += _edges.count_arcs(segment[1], segment[0], degree[1:])
    return degree, loops


def _first_data_line(data: bytes) -> int:
    """1-based number of the first line that is neither blank nor a comment (0: none)."""
    return _first_data(data)[0]


def _split_line(line: str, delimiter: str | None) -> list[str]:
    """The fields of one line (see :func:`_split_rows`)."""
    return _split_rows(line, delimiter)[0][0] if line else []


def _pick_columns(columns: tuple[int | str, ...], names: list[str] | None, width: int, name: str,
                  line: int) -> list[int]:
    """Positions of the chosen columns; an unknown name or a position past the last column is an error."""
    picks = []
    for column in columns:
        if isinstance(column, int):
            if column >= width:
                raise GraphFormatError(
                    f"column position {column} is past the last column ({width} columns, positions from 0)",
                    path=name, line=line,
                )
            picks.append(column)
        elif names is None:
            raise GraphFormatError(
                f"column {column!r} is a name, but the file has no header line of column names; "
                "give positions from 0 (e.g. 0,1,2) or --header names", path=name, line=line,
            )
        elif column not in names:
            raise GraphFormatError(f"no column {column!r}; the header line names {', '.join(names)}",
                                   path=name, line=line)
        else:
            picks.append(names.index(column))
    return picks


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_rows(text: str, delimiter: str | None) -> tuple[list[list[str]], list[int]]:
    """Fields of every data line (comments and blank lines skipped) and their line numbers."""
    kept: list[str] = []
    numbers: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped and stripped[0] not in "#%":
            kept.append(stripped)
            numbers.append(number)
    if delimiter is None:
        split = re.compile(r"[,\s]+").split
        rows = [[f for f in split(line) if f] for line in kept]
    elif delimiter == " ":
        rows = [line.split() for line in kept]
    else:
        rows = [[f.strip() for f in row] for row in csv.reader(kept, delimiter=delimiter, skipinitialspace=True)]
    return rows, numbers


def _names_header(rows: list[list[str]], header: str) -> bool:
    """Whether the first row names the columns (see ``header`` in :func:`read_edge_list`)."""
    if header == "names":
        return True
    if header != "auto" or not rows:
        return False
    first = rows[0]
    if not first or any(_is_number(f) for f in first) or len(set(first)) != len(first):
        return False
    if any(f.lower() in _HEADER_WORDS for f in first):
        return True
    below = {f for row in rows[1:] for f in row[:2]}
    return not any(f in below for f in first[:2])


def _read_general(data: bytes, name: str, *, undirected: bool, header: str,
                  columns: tuple[int | str, ...] | None, delimiter: str | None) -> Graph:
    """The general edge-list reader: string ids, column names, chosen columns, any delimiter."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GraphFormatError(f"is not UTF-8 text (byte {exc.start:,})", path=name, line=line) from None
    rows, numbers = _split_rows(text, delimiter)
    if not rows:
        raise GraphFormatError("no edges found (the file is empty or all comments)", path=name)
    nm: tuple[int, int, int] | None = None
    names: list[str] | None = None
    if header == "nm":
        first = rows[0]
        if len(first) != 2 or not all(f.isdigit() for f in first):
            raise GraphFormatError(f"--header nm: the first line is not two counts 'n m': {' '.join(first)[:80]!r}",
                                   path=name, line=numbers[0])
        nm = (int(first[0]), int(first[1]), numbers[0])
        rows, numbers = rows[1:], numbers[1:]
    elif _names_header(rows, header):
        names = rows[0]
        rows, numbers = rows[1:], numbers[1:]
    if not rows:
        raise GraphFormatError("no edges found below the header line", path=name)
    width = len(names) if names is not None else len(rows[0])
    shown = ", ".join(names) if names is not None else None

    def where(row: int) -> int:
        return numbers[row]

    def fail(row: int, message: str) -> GraphFormatError:
        return GraphFormatError(f"{message}: {_line_text(data, where(row))!r}", path=name, line=where(row))

    if columns is None:
        if width not in (2, 3):
            what = f"names {shown}" if shown else f"{width:,} columns"
            raise GraphFormatError(
                f"expected 2 or 3 columns (u v [p]); got {what}: say which hold source, target and p with "
                "--columns (API: columns=), e.g. --columns source,target,p or --columns 0,1,3",
                path=name, line=_first_data_line(data),
            )
        picks = list(range(width))
    else:
        picks = _pick_columns(columns, names, width, name, _first_data_line(data))
    src: list[str] = []
    dst: list[str] = []
    values: list[str] = []
    a, b = picks[0], picks[1]
    c = picks[2] if len(picks) == 3 else None
    for row, fields in enumerate(rows):
        if len(fields) != width:
            like = "the header line" if names is not None else f"line {where(0)}"
            raise fail(row, f"expected {width} columns like {like}; got {len(fields):,}")
        src.append(fields[a])
        dst.append(fields[b])
        if c is not None:
            values.append(fields[c])
        if not fields[a] or not fields[b]:
            raise fail(row, "empty node id")
    p = None
    if c is not None:
        try:
            p = np.asarray(values, dtype=np.float64)
        except ValueError:
            row = next(i for i, v in enumerate(values) if not _is_number(v))
            raise fail(row, f"cannot read {values[row][:40]!r} as a number (arc value)") from None
        bad_p = ~(np.isfinite(p) & (p >= 0.0) & (p <= 1.0))
        if bad_p.any():
            row = int(np.flatnonzero(bad_p)[0])
            raise fail(row, f"arc value {float(p[row])!r} is not a number in [0, 1]")
    ends = np.asarray(src + dst)
    integer = re.compile(r"-?[0-9]{1,15}")  # ids below 2**53 read as integers, like the compiled reader's
    ids = ends.astype(np.int64) if all(integer.fullmatch(t) for t in ends.tolist()) else ends
    m = len(src)
    graph = Graph.from_edges(ids[:m], ids[m:], p, directed=not undirected)
    info = dict(graph.info)
    if names is not None:
        info["columns"] = [names[i] for i in picks]
    if nm is not None:
        info["header"] = {"n": nm[0], "m": nm[1], "line": nm[2]}
    return graph._replace(info=info)


def _nm_header(
    head: np.ndarray, head_width: int, line: int, body_rows: int, body_mismatch: bool, header: str,
    stats: Callable[[], tuple[bool, float, float, int]], line_text: Callable[[int], str], name: str,
) -> tuple[int, int, int] | None:
    """``(n, m, line)`` when the first data line (values ``head``) is an ``n m`` header, else None.

    See :func:`read_edge_list`; ``stats()`` says whether the first two columns of
    the lines below are all integers, their smallest and largest, and how many
    distinct values they hold (asked only when needed).
    """
    if header == "none" or body_rows < 1 or head_width != 2:
        if header == "nm":
            raise GraphFormatError(
                f"--header nm: the first line is not two counts 'n m': {line_text(line)!r}", path=name, line=line
            )
        return None
    n0, m0 = float(head[0]), float(head[1])
    counts = bool(np.isfinite(head[:2]).all()) and n0 == int(n0) and m0 == int(m0) and n0 >= 1 and m0 >= 0
    if header == "nm":
        if not counts:
            raise GraphFormatError(f"--header nm: {line_text(line)!r} is not two counts 'n m'",
                                   path=name, line=line)
        return int(n0), int(m0), line
    if not counts or m0 != body_rows:
        return None
    whole, lo, hi, distinct = stats()
    if not whole:
        return None  # the lines below report their own error
    exact = n0 == distinct or (lo >= 0 and hi == n0 - 1) or (lo >= 1 and hi == n0)
    if exact and not body_mismatch:
        return int(n0), int(m0), line
    if n0 >= distinct and hi <= n0:
        raise GraphFormatError(
            f"{line_text(line)!r} may be an 'n m' header ({int(m0)} lines follow) or an arc; "
            "say which with --header nm or --header none (API: header='nm' or 'none')",
            path=name, line=line,
        )
    return None


CACHE_VERSION = 2  # 2: validated by a blake2b hash of the source bytes; stores lt_weights and info
CACHE_MIN_BYTES = 32 << 20
_HASH_CHUNK = 1 << 20
# A cache that cannot be written for these reasons (a read-only folder) is skipped without a word.
_QUIET_WRITE_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)


def cache_path(path: Path, undirected: bool) -> Path:
    """Where the binary cache of an edge list lives."""
    return path.with_name(path.name + (".undirected" if undirected else "") + ".seeding.npz")


def source_digest(path: str | os.PathLike) -> bytes:
    """The blake2b digest (32 bytes) of a file's raw bytes, read in 1 MiB pieces."""
    digest = hashlib.blake2b(digest_size=32)
    buffer = bytearray(_HASH_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb") as fh:
        while True:
            got = fh.readinto(buffer)
            if not got:
                break
            digest.update(view[:got])
    return digest.digest()


def _cache_key(size: int, digest: bytes, options: str = "") -> np.ndarray:
    """What a cache must match: format version, source size, source digest and the reading options.

    ``options`` spells any reader option that changes the graph (e.g. a header
    setting); a cache made with other options is stale.
    """
    return np.concatenate([
        np.array([CACHE_VERSION, size], dtype=np.int64),
        np.frombuffer(digest, dtype=np.int64),
        np.frombuffer(hashlib.blake2b(options.encode(), digest_size=8).digest(), dtype=np.int64),
    ])


class _StaleCache(Exception):
    """A readable cache made for another source, option or format version."""


def _read_cache(target: Path, size: int, digest: Callable[[], bytes], options: str = "") -> Graph:
    """Load and check a cache; :class:`_StaleCache` if it is for other contents, any other error if damaged."""
    with np.load(target, allow_pickle=False) as z:
        key = z["key"]
        if key.shape[0] < 2 or int(key[0]) != CACHE_VERSION or int(key[1]) != size:
            raise _StaleCache  # checked before hashing: a size change needs no hash
        if not np.array_equal(key, _cache_key(size, digest(), options)):
            raise _StaleCache
        indptr, indices, labels = z["indptr"], z["indices"], z["labels"]
        p = z["p"] if bool(z["has_p"]) else None
        lt = z["lt_weights"] if bool(z["has_lt_weights"]) else None
        info = json.loads(str(z["info"]))
    n, m = indptr.shape[0] - 1, indices.shape[0]
    sound = (
        indptr.dtype == np.int64 and indices.dtype == np.int32 and indptr.ndim == indices.ndim == 1
        and n >= 1 and labels.shape == (n,) and indptr[0] == 0 and indptr[-1] == m
        and bool((np.diff(indptr) >= 0).all()) and (m == 0 or (0 <= indices.min() and indices.max() < n))
        and all(a is None or (a.dtype == np.float64 and a.shape == (m,)) for a in (p, lt))
        and isinstance(info, dict)
    )
    if not sound:
        raise ValueError("arrays do not form a graph")
    return Graph(indptr=indptr, indices=indices, p=p, labels=labels, lt_weights=lt,
                 info={**info, "cache": str(target)})


def _save_arrays(fh: Any, arrays: dict[str, np.ndarray]) -> None:
    """Write the cache payload (a seam for tests that simulate a full disk)."""
    np.savez(fh, **arrays)


def _write_cache(target: Path, graph: Graph, key: np.ndarray, mode: int) -> None:
    """Write ``graph`` to ``target`` atomically with permission bits ``mode``.

    A failure leaves neither a temporary file nor a partial cache, and does not
    fail the caller: it warns (unless the folder is simply read-only).
    """
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            _save_arrays(fh, {
                "key": key, "indptr": graph.indptr, "indices": graph.indices, "labels": graph.labels,
                "p": graph.p if graph.p is not None else np.zeros(0), "has_p": np.array(graph.p is not None),
                "lt_weights": graph.lt_weights if graph.lt_weights is not None else np.zeros(0),
                "has_lt_weights": np.array(graph.lt_weights is not None),
                "info": np.array(json.dumps({k: v for k, v in graph.info.items() if k != "cache"})),
            })
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except Exception as exc:
        if not (isinstance(exc, OSError) and exc.errno in _QUIET_WRITE_ERRORS):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            warnings.warn(f"{target}: cannot write the cache ({reason}); the graph was read all the same",
                          SeedingWarning, stacklevel=4)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _cached_edge_list(path: Path, undirected: bool, cache: bool | None) -> Graph:
    """Read an edge list through its binary cache when allowed and valid.

    The cache is valid when it was made by this version from a source with the
    same bytes (a blake2b hash of the whole file, so an edit that keeps the size
    and the modification time is still seen), computed as the file is parsed. A cache that cannot be read is
    rebuilt with a one-line warning; one that cannot be written is skipped.
    """
    try:
        before = path.stat()
    except OSError:
        return read_edge_list(path, undirected=undirected)  # it raises the clear error
    use = cache if cache is not None else before.st_size >= CACHE_MIN_BYTES
    if not use:
        return read_edge_list(path, undirected=undirected)
    target = cache_path(path, undirected)
    if os.path.lexists(target) and not target.is_file():
        warnings.warn(f"{target} is not a file; reading {path.name} without a cache", SeedingWarning, stacklevel=3)
        return read_edge_list(path, undirected=undirected)
    digest: bytes | None = None

    def source_hash() -> bytes:
        nonlocal digest
        if digest is None:
            digest = source_digest(path)
        return digest

    if target.exists():
        try:
            return _read_cache(target, before.st_size, source_hash)
        except _StaleCache:
            pass  # made for other contents: rebuilt below
        except Exception as exc:  # damaged in any way (truncated, bit-flipped, empty): never fatal
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            warnings.warn(f"{target}: damaged cache ({reason[:80]}); rebuilding it", SeedingWarning, stacklevel=3)
    hasher = hashlib.blake2b(digest_size=32) if digest is None else None  # hashed while it is read
    graph, streamed = _read_edge_list(path, undirected=undirected, digest=hasher)
    if digest is None:
        digest = streamed
    key = _cache_key(before.st_size, source_hash())
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):  # not edited meanwhile
        _write_cache(target, graph, key, stat.S_IMODE(before.st_mode) & 0o666)
    return graph


def read_graph(
    path: str | os.PathLike,
    *,
    undirected: bool = False,
    probability: str | None = None,
    rng: RNGLike = None,
    format: str | None = None,
    cache: bool | None = None,
    header: str = "auto",
    columns: str | Any | None = None,
    delimiter: str | None = None,
) -> Graph:
    """Read a graph file: an edge list, GraphML or GML.

    Parameters
    ----------
    path : path-like
        Edge list (SNAP style, see :func:`read_edge_list`; ``.gz``/``.bz2``/``.xz``
        too), or ``.graphml``/``.gml`` read through networkx (edge attribute ``p``
        for probabilities, ``w`` for LT weights, unless ``probability`` names
        another).
    undirected : bool, default False
        Treat every edge as two arcs.
    probability : str, optional
        A probability setting applied after reading (see
        :func:`seeding.with_probability`): ``"given"``, ``"wc"``, ``"uniform:P"``,
        ``"trivalency"``, or for GraphML/GML ``"attr:NAME"``: the edge attribute
        ``NAME`` (such as ``"attr:weight"``) as the probability of IC and the
        weight of LT. None keeps the file's values, or has none.
    rng : None, int or numpy.random.Generator
        Randomness for the ``"trivalency"`` setting.
    format : {"edgelist", "graphml", "gml"}, optional
        Overrides the guess from the file name.
    cache : bool, optional
        Keep a binary copy of a parsed edge list next to it (``FILE.seeding.npz``)
        and reuse it while the source has the same contents (checked by a
        blake2b hash of its bytes). A damaged cache is rebuilt with a warning; one
        that cannot be written is skipped. None: only for files of 32 MiB or more.
    header : {"auto", "nm", "names", "none"}, default "auto"
        Whether an edge list's first line is an ``n m`` header or names the
        columns (see :func:`read_edge_list`).
    columns : str or sequence, optional
        An edge list's source, target and (optional) value columns: names from
        its header line or positions from 0 (``"from,to,weight"``, ``[0, 1, 3]``).
    delimiter : str, optional
        An edge list's column delimiter (default: whitespace or commas).

    Returns
    -------
    Graph

    Raises
    ------
    GraphFormatError
        If the file is missing or malformed; the message names file and line
        (for GraphML/GML the edge and the value: an ``attr:NAME`` attribute that
        is missing, not a number or outside [0, 1]).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "g.txt")
    ...     _ = open(path, "w").write("# demo\\n1 2 0.5\\n2 3 0.25\\n")
    ...     g = read_graph(path)
    >>> g.n, g.m, g.p.tolist()
    (3, 2, [0.5, 0.25])
    """
    name = str(path)
    lower = name.lower()
    for suffix in (".gz", ".bz2", ".xz"):
        if lower.endswith(suffix):
            lower = lower[: -len(suffix)]
    fmt = format or (
        "graphml" if lower.endswith(".graphml") else "gml" if lower.endswith(".gml") else "edgelist"
    )
    if fmt == "edgelist" and _attribute_name(probability):
        raise GraphFormatError(f"probability {probability!r} reads an edge attribute of a GraphML/GML file or a "
                               "networkx graph; an edge list's probability column is chosen by columns "
                               "(--columns from,to,weight)", path=name)
    if fmt == "edgelist" and (header != "auto" or columns is not None or delimiter is not None):
        graph = read_edge_list(path, undirected=undirected, header=header, columns=columns, delimiter=delimiter)
    elif fmt == "edgelist":
        graph = _cached_edge_list(Path(path), undirected, cache)
    elif fmt in ("graphml", "gml"):
        import networkx as nx

        data = read_bytes(path)
        try:
            if fmt == "graphml":
                G = nx.parse_graphml(data.decode("utf-8"))
            else:
                G = nx.parse_gml(data.decode("utf-8").splitlines(), label="label")
        except (nx.NetworkXError, ValueError, SyntaxError, UnicodeDecodeError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise GraphFormatError(f"cannot read {fmt.upper()}: {message}", path=name) from None
        if undirected:
            G = G.to_undirected()
        attr = _attribute_name(probability)  # "attr:weight": the probability is the edge attribute weight
        try:
            graph = Graph.from_networkx(G, attr or "p", lt_weight=None if attr else "w")
        except SeedingError as exc:
            raise GraphFormatError(str(exc), path=name) from None
        if attr is not None:
            if graph.p is None:
                found = sorted({str(key) for _, _, data in G.edges(data=True) for key in data})
                raise GraphFormatError(
                    f"probability 'attr:{attr}': no edge has a {attr!r} attribute "
                    f"({'edge attributes: ' + ', '.join(found) if found else 'the edges have no attributes'})",
                    path=name)
            probability = None  # applied: the attribute is the probability, for IC and LT alike
    else:
        raise SeedingError(f"format must be 'edgelist', 'graphml' or 'gml'; got {format!r}")
    if probability is not None:
        graph = with_probability(graph, probability, rng=rng)
    return graph


def _attribute_name(probability: str | None) -> str | None:
    """``"weight"`` for the setting ``"attr:weight"``, else None."""
    text = str(probability or "").strip()
    if not text.lower().startswith("attr:"):
        return None
    name = text[len("attr:"):].strip()
    if not name:
        raise SeedingError(f"probability {probability!r}: name the edge attribute, e.g. 'attr:weight'")
    return name


def read_labels(path: str | os.PathLike) -> list[str]:
    """Read node labels separated by newlines, commas or whitespace (``#`` comments).

    Returns the labels as strings; :meth:`Graph.index_of` maps them to nodes.
    """
    text = read_bytes(path).decode("utf-8", errors="replace")
    labels: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0]
        labels.extend(tok for tok in re.split(r"[,\s]+", line) if tok)
    if not labels:
        raise GraphFormatError("no node labels found", path=str(path))
    return labels


def read_names(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``label,name`` file mapping node labels (ids) to names people know.

    One row per node: the label, a comma or a tab, then the name (which may hold
    spaces). A first row ``node,name`` (or ``label``/``id``) is a header; ``#``
    lines are comments; ``.gz`` is fine.

    Returns
    -------
    dict
        Label (as written) to name, in file order.

    Raises
    ------
    GraphFormatError
        For a row without a name, or a label or name given twice; naming the
        file, the line and the value.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "names.csv")
    ...     _ = open(path, "w").write("node,name\\n1,Medici\\n12,Della Strozzi\\n")
    ...     names = read_names(path)
    >>> names, names_of([12, 1, 5], names)
    ({'1': 'Medici', '12': 'Della Strozzi'}, ['Della Strozzi', 'Medici', '5'])
    """
    name = str(path)
    text = read_bytes(path).decode("utf-8", errors="replace")
    table: dict[str, str] = {}
    seen: dict[str, int] = {}
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] == "#":
            continue
        parts = re.split(r"\s*[,\t]\s*", line, maxsplit=1)
        if len(parts) != 2:
            parts = line.split(None, 1)
        if len(parts) != 2 or not parts[0] or not parts[1].strip():
            raise GraphFormatError(f"expected 'label,name'; got {line[:80]!r}", path=name, line=number)
        label, value = parts[0], parts[1].strip()
        if first:
            first = False
            if label.lower() in ("node", "label", "id") and value.lower() in ("name", "label"):
                continue
        if label in table:
            raise GraphFormatError(f"label {label!r} is named twice", path=name, line=number)
        if value in seen:
            raise GraphFormatError(f"name {value!r} is given to two labels (also line {seen[value]})",
                                   path=name, line=number)
        table[label] = value
        seen[value] = number
    if not table:
        raise GraphFormatError("no 'label,name' rows found", path=name)
    return table


def names_of(labels: Any, names: dict[str, str] | None) -> list[str]:
    """Names of node labels (a label without a name stands for itself, as a string)."""
    return [str(label) if names is None else names.get(str(label), str(label)) for label in labels]


def labels_for(tokens: Any, names: dict[str, str] | None) -> list:
    """Node labels for what a person typed: a name becomes its label; anything else passes through."""
    if not names:
        return list(tokens)
    label_of = {v: k for k, v in names.items()}
    return [label_of.get(t, t) if isinstance(t, str) else t for t in tokens]


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file, then a rename.

    A failure leaves any earlier file at ``path`` untouched.
    """
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (gzip-compressed when the name ends in ``.gz``)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(filename="", fileobj=fh, mode="wb", compresslevel=6, mtime=0) as gz:
                    gz.write(data)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj


def to_json(obj: Any) -> str:
    """Serialise results to JSON (numpy scalars converted, NaN/inf as null)."""
    return json.dumps(_jsonable(obj), indent=2, allow_nan=False)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` atomically."""
    write_text(path, to_json(obj) + "\n")


def read_table(path: str | os.PathLike, what: str, *, numeric: bool) -> dict[str, Any]:
    """Read a two-column ``label,value`` file (comma or whitespace, optional header, ``#`` comments).

    Parameters
    ----------
    path : path-like
    what : str
        What the values are, for messages ("cost", "group").
    numeric : bool
        Parse values as finite floats.

    Returns
    -------
    dict
        Label (as written) to value, in file order.

    Raises
    ------
    GraphFormatError
        Naming the file and line of a malformed row or a repeated label.
    """
    name = str(path)
    text = read_bytes(path).decode("utf-8", errors="replace")
    table: dict[str, Any] = {}
    first_row = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"[,\t ]+", line) if p.strip()]
        if len(parts) != 2:
            raise GraphFormatError(
                f"expected 2 columns (label {what}); got {len(parts)}: {line[:80]!r}", path=name, line=number
            )
        label, value = parts
        if numeric:
            try:
                number_value = float(value)
            except ValueError:
                if first_row:  # a header such as "node,cost"
                    first_row = False
                    continue
                raise GraphFormatError(f"{what} {value!r} is not a number", path=name, line=number) from None
            if not np.isfinite(number_value):
                raise GraphFormatError(f"{what} {value!r} is not finite", path=name, line=number)
            value = number_value
        elif first_row and label.lower() in ("node", "label", "id", "user"):
            first_row = False
            continue
        first_row = False
        if label in table:
            raise GraphFormatError(f"node {label!r} is listed twice", path=name, line=number)
        table[label] = value
    if not table:
        raise GraphFormatError(f"no {what} rows found", path=name)
    return table


# ----------------------------------------------------------------------------- action logs
__all__ += ["ActionLog", "read_actions", "write_edge_list"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ActionLog:
    """A table of actions ``user, item, time``: ``user`` performed ``item`` at ``time``.

    Read one with :func:`read_actions`, build one with :meth:`from_rows`, or
    simulate one with :func:`seeding.simulate_actions`.

    Attributes
    ----------
    users : ndarray of str, shape (r,)
        User labels as written (matched against the graph's node labels).
    items : ndarray of int64, shape (r,)
        Index of each row's item in ``item_names``.
    item_names : ndarray of str
        Distinct item labels, sorted.
    times : ndarray of float64, shape (r,)
        Time of each action: the number as written, or seconds since
        1970-01-01 UTC for ISO 8601 timestamps.
    lines : ndarray of int64, shape (r,)
        Line of each row in ``path`` (row number when not read from a file).
    path : str or None
        The file the log came from.
    timestamps : bool
        True when times were ISO 8601 timestamps (so time is in seconds).
    """

    users: np.ndarray
    items: np.ndarray
    item_names: np.ndarray
    times: np.ndarray
    lines: np.ndarray
    path: str | None = None
    timestamps: bool = False

    def __len__(self) -> int:
        return int(self.users.shape[0])

    def __repr__(self) -> str:
        return f"<seeding.ActionLog {len(self)} actions, {self.n_items} items>"

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return int(self.item_names.shape[0])

    def where(self, row: int) -> tuple[str | None, int]:
        """``(path, line)`` of a row, for messages."""
        return self.path, int(self.lines[row])

    @classmethod
    def from_rows(cls, rows: Any, *, path: str | None = None) -> ActionLog:
        """Build a log from ``(user, item, time)`` triples (time: a number or an ISO 8601 string).

        Examples
        --------
        >>> log = ActionLog.from_rows([(1, "post", 0), (2, "post", 1.5)])
        >>> log.users.tolist(), log.item_names.tolist(), log.times.tolist()
        (['1', '2'], ['post'], [0.0, 1.5])
        """
        rows = list(rows)
        for i, row in enumerate(rows):
            if len(row) != 3:
                raise GraphFormatError(f"expected (user, item, time); got {row!r}", path=path or "actions",
                                       line=i + 1)
        users = [str(r[0]) for r in rows]
        items = [str(r[1]) for r in rows]
        times = [r[2] if isinstance(r[2], str) else repr(float(r[2])) for r in rows]
        return _action_log(users, items, times, np.arange(1, len(rows) + 1, dtype=np.int64), path or "actions",
                           from_file=path is not None)


def _time_problem(text: str, above: str) -> str:
    """Why a time cannot be read, given what the times above it are."""
    try:
        float(text)
        kind = "a number"
    except ValueError:
        try:
            datetime.datetime.fromisoformat(text)
            kind = "a timestamp"
        except ValueError:
            return f"time {text!r} is not a number or an ISO 8601 timestamp like 2024-03-01T12:00:00"
    return f"time {text!r} is {kind}, but the times above it are {above}: use one kind throughout"


def _parse_times(times: list[str], lines: np.ndarray, name: str) -> tuple[np.ndarray, bool]:
    """Times as float64: all numbers, or all ISO 8601 timestamps (seconds since the epoch, UTC)."""
    try:
        values = np.asarray(times, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None:
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise GraphFormatError(f"time {times[i]!r} is not a finite number", path=name, line=int(lines[i]))
        return values, False

    def number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return False
        return True

    if number(times[0]):
        i = next(i for i, text in enumerate(times) if not number(text))
        raise GraphFormatError(_time_problem(times[i], "numbers"), path=name, line=int(lines[i]))
    distinct, inverse = np.unique(np.asarray(times), return_inverse=True)
    seconds = np.full(distinct.shape[0], np.nan)
    for j, text in enumerate(distinct.tolist()):
        try:
            stamp = datetime.datetime.fromisoformat(text)
        except ValueError:
            continue
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.timezone.utc)
        seconds[j] = stamp.timestamp()
    values = seconds[inverse]
    bad = np.isnan(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GraphFormatError(_time_problem(times[i], "timestamps"), path=name, line=int(lines[i]))
    return values, True


def _action_log(users: list[str], items: list[str], times: list[str], lines: np.ndarray, name: str,
                *, from_file: bool) -> ActionLog:
    if not users:
        raise GraphFormatError("no actions found (the log is empty or all comments)", path=name)
    values, stamps = _parse_times(times, lines, name)
    item_names, item_index = np.unique(np.asarray(items), return_inverse=True)
    return ActionLog(
        users=np.asarray(users), items=item_index.astype(np.int64), item_names=item_names, times=values,
        lines=lines, path=name if from_file else None, timestamps=stamps,
    )


def read_actions(path: str | os.PathLike) -> ActionLog:
    """Read an action log: one ``user,item,time`` row per line.

    Columns are separated by commas, or by whitespace (then a time may contain
    a space: ``2024-03-01 12:00:00``). Lines starting with ``#`` or ``%`` are
    comments; a first row whose time column has no digit (``user,item,time``)
    is a header; ``.gz``, ``.bz2`` and ``.xz`` files are decompressed. Users
    are node labels of the graph; items are any labels; times are numbers
    (steps, or seconds) or ISO 8601 timestamps (naive ones are read as UTC),
    the same kind throughout the file.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    ActionLog

    Raises
    ------
    GraphFormatError
        For a missing or empty file, a row without three columns, or a time that
        is neither a number nor a timestamp; the message names the file, the line
        and the value.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "log.csv")
    ...     _ = open(path, "w").write("user,item,time\\n1,a,2024-03-01T00:00:10\\n2,a,2024-03-01T00:01:00\\n")
    ...     log = read_actions(path)
    >>> log.users.tolist(), float(log.times[1] - log.times[0]), log.timestamps
    (['1', '2'], 50.0, True)
    """
    name = str(path)
    text = read_bytes(path).decode("utf-8", errors="replace")
    users: list[str] = []
    items: list[str] = []
    times: list[str] = []
    numbers: list[int] = []
    comma: bool | None = None
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        if comma is None:
            comma = "," in line
        parts = [part.strip() for part in line.split(",")] if comma else line.split(None, 2)
        if len(parts) != 3 or not all(parts):
            raise GraphFormatError(
                f"expected 3 columns (user, item, time); got {len(parts)}: {line[:80]!r}", path=name, line=number
            )
        if first:
            first = False
            if not any(ch.isdigit() for ch in parts[2]):
                continue  # a header such as "user,item,time"
        users.append(parts[0])
        items.append(parts[1])
        times.append(parts[2])
        numbers.append(number)
    return _action_log(users, items, times, np.asarray(numbers, dtype=np.int64), name, from_file=True)


def write_edge_list(path: str | os.PathLike, graph: Graph, *, values: str = "p", comment: str | None = None) -> None:
    """Write ``graph`` as an edge list ``u v value`` that :func:`read_graph` reads back, atomically.

    Parameters
    ----------
    path : path-like
        ``.gz`` compresses; ``.graphml`` or ``.gml`` writes through networkx
        instead (edge attributes ``p`` and ``w``), which also keeps non-integer
        labels and isolated nodes.
    graph : Graph
    values : {"p", "lt"}, default "p"
        The third column: IC probabilities, or Linear Threshold weights.
    comment : str, optional
        Written as ``#`` lines at the top of an edge list.

    Raises
    ------
    SeedingError
        If the graph lacks the values, or an edge list is asked for a graph
        whose labels are not integers.

    Examples
    --------
    >>> import tempfile, os
    >>> g = Graph.from_edges([1, 2], [2, 3], [0.5, 0.25])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_edge_list(os.path.join(d, "g.txt"), g, comment="learned")
    ...     read_graph(os.path.join(d, "g.txt")).p.tolist()
    [0.5, 0.25]
    """
    if values not in ("p", "lt"):
        raise SeedingError(f"values must be 'p' or 'lt'; got {values!r}")
    column = graph.p if values == "p" else (graph.lt_weights if graph.lt_weights is not None else graph.p)
    if column is None:
        raise SeedingError("the graph has no arc values to write")
    lower = str(path).lower().removesuffix(".gz")
    if lower.endswith((".graphml", ".gml")):
        G = graph.to_networkx()
        import networkx as nx

        data = "\n".join(nx.generate_graphml(G) if lower.endswith(".graphml") else nx.generate_gml(G)) + "\n"
        write_text(path, data)
        return
    if graph.labels.dtype.kind not in "iu":
        raise SeedingError(
            f"node labels such as {graph.labels[0].item()!r} are not integers, which an edge list needs; "
            "write a .graphml file instead"
        )
    src = graph.labels[graph.sources].tolist()
    dst = graph.labels[graph.indices].tolist()
    head = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    body = "".join([f"{a} {b} {x:.9g}\n" for a, b, x in zip(src, dst, column.tolist(), strict=True)])
    write_text(path, head + body)
