"""Reading graphs, seed lists and costs; writing results atomically.

Edge lists are parsed with vectorised numpy code: one pass over the bytes finds
lines, comments and token counts, and ``numpy.fromstring`` converts the numbers.
Only when something is wrong does a slow line-by-line pass run, to name the file,
the line and the offending text.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ._rng import RNGLike
from .errors import GraphFormatError, SeedingError
from .graph import Graph
from .models import with_probability

__all__ = ["read_graph", "read_edge_list", "read_labels", "read_table", "write_json", "write_text"]

_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 11, 12, 13, 32]] = True
_MAX_EXACT_ID = 2**53


def read_bytes(path: str | os.PathLike) -> bytes:
    """Return the contents of ``path``, decompressing gzip, bzip2 or xz by magic bytes."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
            fh.seek(0)
            if head[:2] == b"\x1f\x8b":
                opener = gzip.open
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
        with opener(path, "rb") as fh:
            return fh.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise GraphFormatError(f"cannot decompress: {exc}", path=str(path)) from None


def _lines(data: bytes) -> Iterator[tuple[int, str]]:
    """(line number, text) of every data line (slow path, used for diagnostics)."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        text = raw.decode("utf-8", errors="replace").replace(",", " ").strip()
        if text and text[0] not in "#%":
            yield number, text


def _diagnose(data: bytes, path: str, columns: int) -> GraphFormatError:
    """Find the first line that is not ``columns`` numbers and describe it."""
    for number, text in _lines(data):
        tokens = text.split()
        if len(tokens) != columns:
            return GraphFormatError(
                f"expected {columns} columns (u v{' p' if columns == 3 else ''}); "
                f"got {len(tokens)}: {text[:80]!r}",
                path=path,
                line=number,
            )
        for token in tokens:
            try:
                float(token)
            except ValueError:
                return GraphFormatError(
                    f"cannot read {token[:40]!r} as a number in {text[:80]!r}", path=path, line=number
                )
    return GraphFormatError("cannot parse the file as an edge list", path=path)


def _line_text(data: bytes, line: int) -> str:
    raw = data.split(b"\n", line)[line - 1]
    return raw.decode("utf-8", errors="replace").strip()[:80]


def read_edge_list(
    path: str | os.PathLike,
    *,
    undirected: bool = False,
) -> Graph:
    """Read a whitespace-, tab- or comma-separated edge list.

    Each data line is ``u v`` or ``u v p`` with integer node ids and an optional
    arc value in [0, 1] (a probability, or an LT weight). Lines starting with
    ``#`` or ``%`` are comments; CRLF line ends are fine; ``.gz``, ``.bz2`` and
    ``.xz`` files are decompressed. A first line ``n m`` (IMM/OPIM style) is
    recognised and skipped.

    Parameters
    ----------
    path : path-like
    undirected : bool, default False
        Add every edge in both directions.

    Returns
    -------
    Graph
        Node labels are the integer ids; ``p`` is None without a third column.
        Self-loops are dropped and parallel arcs merged (see
        :meth:`Graph.from_edges`).

    Raises
    ------
    GraphFormatError
        Naming the file, the line and its text.
    """
    name = str(path)
    data = read_bytes(path)
    buf = np.frombuffer(data, dtype=np.uint8)
    if b"," in data:
        buf = buf.copy()
        buf[buf == ord(",")] = ord(" ")
    ws = _WS[buf]
    starts = np.flatnonzero(~ws & np.r_[True, ws[:-1]])  # first byte of every token
    newlines = np.flatnonzero(buf == 10)
    tok_line = np.searchsorted(newlines, starts)  # 0-based line of every token
    first_tok = np.r_[True, tok_line[1:] != tok_line[:-1]] if starts.size else starts.astype(bool)
    lead = buf[starts[first_tok]] if starts.size else buf[:0]
    comment_lines = tok_line[first_tok][(lead == ord("#")) | (lead == ord("%"))]
    if comment_lines.size:
        clean = bytearray(buf.tobytes())
        line_start = np.r_[0, newlines + 1]
        line_end = np.r_[newlines, len(clean)]
        for line in comment_lines.tolist():
            a, b = int(line_start[line]), int(line_end[line])
            clean[a:b] = b" " * (b - a)
        keep = ~np.isin(tok_line, comment_lines)
        tok_line = tok_line[keep]
        text = bytes(clean)
    else:
        text = buf.tobytes()
    if tok_line.size == 0:
        raise GraphFormatError("no edges found (the file is empty or all comments)", path=name)

    lines, counts = np.unique(tok_line, return_counts=True)
    header = False
    if counts.size > 1 and counts[0] == 2 and counts[1] == 3:
        # `n m` header of an IMM/OPIM-style file: m must count the lines below it.
        first = _line_text(data, int(lines[0]) + 1).replace(",", " ").split()
        header = first[1].isdigit() and int(first[1]) == counts.size - 1
        if header:
            lines, counts = lines[1:], counts[1:]
    columns = int(counts[0])
    if columns not in (2, 3):
        line = int(lines[0]) + 1
        raise GraphFormatError(
            f"expected 2 or 3 columns (u v [p]); got {columns}: {_line_text(data, line)!r}",
            path=name,
            line=line,
        )
    bad = np.flatnonzero(counts != columns)
    if bad.size:
        line = int(lines[bad[0]]) + 1
        raise GraphFormatError(
            f"expected {columns} columns like line {int(lines[0]) + 1}; got {int(counts[bad[0]])}: "
            f"{_line_text(data, line)!r}",
            path=name,
            line=line,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(text, dtype=np.float64, sep=" ")  # noqa: NPY201
        except (DeprecationWarning, ValueError):
            values = None
    expected = int(counts.sum()) + (2 if header else 0)
    if values is None or values.shape[0] != expected:
        raise _diagnose(data, name, columns)
    if header:
        values = values[2:]
    table = values.reshape(-1, columns)

    def fail(row: int, message: str) -> GraphFormatError:
        line = int(lines[row]) + 1
        return GraphFormatError(f"{message}: {_line_text(data, line)!r}", path=name, line=line)

    ids = table[:, :2]
    bad_id = ~(np.isfinite(ids) & (ids == np.round(ids)) & (np.abs(ids) < _MAX_EXACT_ID))
    if bad_id.any():
        raise fail(int(np.flatnonzero(bad_id.any(axis=1))[0]), "node ids must be integers")
    src = ids[:, 0].astype(np.int64)
    dst = ids[:, 1].astype(np.int64)
    p = None
    if columns == 3:
        p = table[:, 2]
        bad_p = ~(np.isfinite(p) & (p >= 0.0) & (p <= 1.0))
        if bad_p.any():
            row = int(np.flatnonzero(bad_p)[0])
            raise fail(row, f"arc value {float(p[row])!r} is not a number in [0, 1]")
    if columns == 2 and not header and src.shape[0] > 1:
        # An `n m` first line of a two-column file: m counts the remaining lines.
        n0, m0 = src[0], dst[0]
        rest = np.concatenate([src[1:], dst[1:]])
        if m0 == src.shape[0] - 1 and n0 >= np.unique(rest).shape[0] and n0 > rest.max() - 1:
            src, dst = src[1:], dst[1:]
            lines = lines[1:]
    return Graph.from_edges(src, dst, p, directed=not undirected)


def read_graph(
    path: str | os.PathLike,
    *,
    undirected: bool = False,
    probability: str | None = None,
    rng: RNGLike = None,
    format: str | None = None,
) -> Graph:
    """Read a graph file: an edge list, GraphML or GML.

    Parameters
    ----------
    path : path-like
        Edge list (SNAP style, see :func:`read_edge_list`; ``.gz``/``.bz2``/``.xz``
        too), or ``.graphml``/``.gml`` read through networkx (edge attribute ``p``
        for probabilities, ``w`` for LT weights).
    undirected : bool, default False
        Treat every edge as two arcs.
    probability : str, optional
        A probability setting applied after reading (see
        :func:`seeding.with_probability`): ``"given"``, ``"wc"``, ``"uniform:P"``
        or ``"trivalency"``. None keeps the file's values, or has none.
    rng : None, int or numpy.random.Generator
        Randomness for the ``"trivalency"`` setting.
    format : {"edgelist", "graphml", "gml"}, optional
        Overrides the guess from the file name.

    Returns
    -------
    Graph

    Raises
    ------
    GraphFormatError
        If the file is missing or malformed; the message names file and line.

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
    if fmt == "edgelist":
        graph = read_edge_list(path, undirected=undirected)
    elif fmt in ("graphml", "gml"):
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
        try:
            graph = Graph.from_networkx(G, "p", lt_weight="w")
        except SeedingError as exc:
            raise GraphFormatError(str(exc), path=name) from None
    else:
        raise SeedingError(f"format must be 'edgelist', 'graphml' or 'gml'; got {format!r}")
    if probability is not None:
        graph = with_probability(graph, probability, rng=rng)
    return graph


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


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file, then a rename.

    A failure leaves any earlier file at ``path`` untouched.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
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
