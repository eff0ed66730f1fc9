"""Reading graphs, seed lists and costs; writing results atomically.

Edge lists are parsed in one pass of compiled code (``_kernels.parse_edge_lines``)
that also records the line of every row, so an error names the file, the line
and the offending text.
"""

from __future__ import annotations

import bz2
import contextlib
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

import networkx as nx
import numpy as np

from . import _kernels
from ._rng import RNGLike
from .errors import GraphFormatError, SeedingError, SeedingWarning
from .graph import Graph
from .models import with_probability

__all__ = ["read_graph", "read_edge_list", "read_labels", "read_table", "write_json", "write_text"]

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


def _diagnose(data: bytes, path: str, line: int) -> GraphFormatError:
    """Describe what is wrong with a line the fast parser rejected."""
    text = _line_text(data, line)
    tokens = _line_text(data, line, limit=None).replace(",", " ").split()
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
    if not data.endswith(b"\n"):
        data += b"\n"
    table, columns, lines, bad_line = _kernels.parse_edge_lines(data, data.count(b"\n") + 1)
    if bad_line:
        raise _diagnose(data, name, bad_line)
    if table.shape[0] == 0:
        raise GraphFormatError("no edges found (the file is empty or all comments)", path=name)
    if columns.shape[0] > 1 and columns[0] == 2 and columns[1] == 3 and table[0, 1] == columns.shape[0] - 1:
        # An `n m` header of an IMM/OPIM-style file: m counts the lines below it.
        table, columns, lines = table[1:], columns[1:], lines[1:]
    width = int(columns[0])
    if width not in (2, 3):
        raise GraphFormatError(
            f"expected 2 or 3 columns (u v [p]); got {width}: {_line_text(data, int(lines[0]))!r}",
            path=name, line=int(lines[0]),
        )
    bad = np.flatnonzero(columns != width)
    if bad.size:
        line = int(lines[bad[0]])
        raise GraphFormatError(
            f"expected {width} columns like line {int(lines[0])}; got {int(columns[bad[0]])}: "
            f"{_line_text(data, line)!r}",
            path=name, line=line,
        )

    def fail(row: int, message: str) -> GraphFormatError:
        line = int(lines[row])
        return GraphFormatError(f"{message}: {_line_text(data, line)!r}", path=name, line=line)

    ids = table[:, :2]
    bad_id = ~(np.isfinite(ids) & (ids == np.round(ids)) & (np.abs(ids) < _MAX_EXACT_ID))
    if bad_id.any():
        row = int(np.flatnonzero(bad_id.any(axis=1))[0])
        raise fail(row, _id_problem(ids[row]))
    src = ids[:, 0].astype(np.int64)
    dst = ids[:, 1].astype(np.int64)
    p = None
    if width == 3:
        p = np.ascontiguousarray(table[:, 2])
        bad_p = ~(np.isfinite(p) & (p >= 0.0) & (p <= 1.0))
        if bad_p.any():
            row = int(np.flatnonzero(bad_p)[0])
            raise fail(row, f"arc value {float(p[row])!r} is not a number in [0, 1]")
    del table
    if width == 2 and src.shape[0] > 1:
        # An `n m` first line of a two-column file: m counts the remaining lines.
        n0, m0 = src[0], dst[0]
        if m0 == src.shape[0] - 1:  # only then look at the node count (an O(m log m) check)
            rest = np.concatenate([src[1:], dst[1:]])
            if n0 >= np.unique(rest).shape[0] and n0 > rest.max() - 1:
                src, dst = src[1:], dst[1:]
    return Graph.from_edges(src, dst, p, directed=not undirected)


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
    and the modification time is still seen). A cache that cannot be read is
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
    graph = read_edge_list(path, undirected=undirected)
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
    cache : bool, optional
        Keep a binary copy of a parsed edge list next to it (``FILE.seeding.npz``)
        and reuse it while the source has the same contents (checked by a
        blake2b hash of its bytes). A damaged cache is rebuilt with a warning; one
        that cannot be written is skipped. None: only for files of 32 MiB or more.

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
        graph = _cached_edge_list(Path(path), undirected, cache)
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
