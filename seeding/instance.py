"""Instance files: a small TOML file that bundles a graph with its campaign.

Example (paths are relative to the instance file)::

    description = "A synthetic campaign: 5,000 people in 8 regions"
    graph = "campaign-5k.txt.gz"
    probability = "wc"            # given | wc | uniform:P | trivalency | attr:NAME (GraphML/GML)
    model = "ic"                  # ic | lt
    undirected = false
    header = "auto"               # auto | nm | names | none: the first line of the edge list
    columns = "from,to,weight"    # source, target[, p]: names from the header line, or positions from 0
    delimiter = ","               # one character, or tab | comma | space (default: whitespace or commas)
    k = 20                        # number of seeds, or ...
    costs = "campaign-5k-costs.csv"   # ... a costs file or model, with
    budget = 150.0                #     a budget
    default_cost = 1.0
    groups = "campaign-5k-groups.csv"
    quotas = ["north=2:", "south=1:4"]
    must = [12]
    never = [0, 7]
    max_seeds = 30
    labels = "campaign-5k-labels.csv"  # label,name: results show names; must/never may use them

Unknown keys and missing files are errors that name the key or the path.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from ._rng import RNGLike
from .errors import GraphFormatError, SeedingError
from .graph import Graph
from .io import HEADERS, check_columns, check_delimiter, read_graph, read_labels, read_names
from .models import check_model, with_probability

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Instance", "load_instance", "is_instance_file", "label_list", "name_of", "unique_names"]

_SUFFIXES = (".toml", ".gz", ".bz2", ".xz", ".txt", ".csv", ".graphml", ".gml", ".edges")


def name_of(path: str | os.PathLike) -> str:
    """Short name of an instance or graph file: its name without the usual suffixes."""
    base = Path(path).name
    for suffix in _SUFFIXES:
        base = base.removesuffix(suffix)
    return base


def unique_names(paths: list[str | os.PathLike]) -> list[str]:
    """Short names of input files, made distinct where two would be the same.

    Files of the same name in different folders are told apart by the nearest
    folders that differ (``a/g.txt``, ``b/g.txt`` -> ``a-g``, ``b-g``); a file
    given twice gets ``-2``, ``-3``, ... on its later copies.

    Examples
    --------
    >>> unique_names(["x/a/g.txt", "x/b/g.txt", "h.toml", "h.toml"])
    ['a-g', 'b-g', 'h', 'h-2']
    """
    names = [name_of(p) for p in paths]
    resolved = [Path(p).resolve() for p in paths]
    out = list(names)
    for name in dict.fromkeys(names):
        group = [i for i, n in enumerate(names) if n == name]
        distinct = list(dict.fromkeys(resolved[i] for i in group))
        label_of = {p: name for p in distinct}
        if len(distinct) > 1:
            parents = [p.parent.parts[1:] for p in distinct]
            candidates = [["-".join([*q[-depth:], name]) for q in parents]
                          for depth in range(1, max(len(q) for q in parents) + 1)]
            candidates.append([p.name for p in distinct])  # same folder: g.txt and g.toml
            for labels in candidates:
                if len(set(labels)) == len(labels):
                    label_of = dict(zip(distinct, labels, strict=True))
                    break
        for i in group:
            out[i] = label_of[resolved[i]]
    seen: dict[str, int] = {}
    for i, label in enumerate(out):  # the same file twice, or a new label equal to another file's name
        seen[label] = seen.get(label, 0) + 1
        while seen[label] > 1 and f"{label}-{seen[label]}" in out:
            seen[label] += 1
        if seen[label] > 1:
            out[i] = f"{label}-{seen[label]}"
    return out


@dataclasses.dataclass(frozen=True)
class Instance:
    """A graph file with its diffusion model, campaign size or budget, costs and constraints.

    Paths are absolute once loaded. ``k`` and ``budget`` may both be set: a run
    uses the budget when costs are given, else ``k``. ``graph`` may also be a
    graph in memory (a :class:`~seeding.Graph` or a networkx graph), for
    :func:`seeding.compare` and :func:`seeding.run_instance` from a notebook.
    """

    path: Path | None
    graph: Any
    description: str = ""
    format: str | None = None
    header: str = "auto"
    columns: tuple | None = None
    delimiter: str | None = None
    undirected: bool = False
    probability: str | None = None
    model: str = "ic"
    k: int | None = None
    budget: float | None = None
    costs: str | None = None
    default_cost: float | None = None
    groups: str | None = None
    quotas: tuple[str, ...] = ()
    must: tuple = ()
    never: tuple = ()
    max_seeds: int | None = None
    labels: str | None = None

    @property
    def name(self) -> str:
        """Short name: the instance (or graph) file name without suffixes; "graph" for a graph in memory."""
        return name_of(self.source)

    @property
    def source(self) -> Path | str:
        """The instance file, else the graph file ("graph" for a graph in memory)."""
        if self.path is not None:
            return self.path
        return self.graph if isinstance(self.graph, (str, os.PathLike)) else "graph"

    @property
    def budgeted(self) -> bool:
        return self.costs is not None and self.budget is not None

    def load_graph(self, *, rng: RNGLike = None) -> Graph:
        """Read the graph and apply the probability setting (None: given, else wc)."""
        if not isinstance(self.graph, (str, os.PathLike)):  # a graph in memory
            graph = self.graph
            if self.undirected:
                if isinstance(graph, Graph):
                    raise SeedingError("undirected applies to graph files and networkx graphs, not to a "
                                       "seeding.Graph (build it with directed=False)")
                graph = graph.to_undirected()
            return with_probability(graph, self.probability, rng=rng)
        graph = read_graph(self.graph, undirected=self.undirected, format=self.format, header=self.header,
                           columns=self.columns, delimiter=self.delimiter, probability=self.probability, rng=rng)
        return graph if self.probability is not None else with_probability(graph, None)

    def names(self) -> dict[str, str] | None:
        """The ``label,name`` table of ``labels`` (None without one); see :func:`seeding.read_names`."""
        return None if self.labels is None else read_names(self.labels)

    def replace(self, **changes: Any) -> Instance:
        """A copy with these fields changed (None values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def override(self, **changes: Any) -> Instance:
        """A copy with the caller's values in place of the instance's, as command-line options give them.

        None (or an empty ``quotas``) keeps the instance's value. A ``k`` makes
        it a run for ``k`` seeds: the instance's costs and budget are set aside
        (giving ``k`` with ``costs`` or ``budget`` is an error). ``must`` and
        ``never`` take a list of labels, ``"A,B"`` or ``"@FILE"`` (a file of
        labels, see :func:`seeding.read_labels`).

        Examples
        --------
        >>> inst = Instance(path=None, graph=Path("g.txt"), k=3, costs="uniform", budget=2.0)
        >>> inst.override(budget=5.0).budget, inst.override(k=2).budgeted
        (5.0, False)
        >>> inst.override(must="4, 7", quotas=()).must
        ('4', '7')
        """
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)} - {"path"})
        if unknown or "path" in changes:
            raise SeedingError(f"an instance has no field {(unknown or ['path'])[0]!r} to override")
        if changes.get("k") is not None:
            if changes.get("costs") is not None or changes.get("budget") is not None:
                raise SeedingError("give either k (a number of seeds) or costs and a budget, not both")
            inst = dataclasses.replace(self, costs=None, budget=None)
        else:
            inst = self
        for key in ("must", "never"):
            if changes.get(key) is not None:
                changes[key] = tuple(label_list(changes[key]))
        if changes.get("quotas") is not None:
            changes["quotas"] = tuple(str(q) for q in changes["quotas"]) or None
        if changes.get("columns") is not None:
            changes["columns"] = check_columns(changes["columns"])
        if changes.get("model") is not None:
            changes["model"] = check_model(changes["model"])
        return inst.replace(**changes)


_TYPES: dict[str, tuple[type, ...]] = {
    "description": (str,),
    "graph": (str,),
    "format": (str,),
    "header": (str,),
    "columns": (str, list),
    "delimiter": (str,),
    "undirected": (bool,),
    "probability": (str,),
    "model": (str,),
    "k": (int,),
    "budget": (int, float),
    "costs": (str,),
    "default_cost": (int, float),
    "groups": (str,),
    "quotas": (list, dict),
    "must": (list,),
    "never": (list,),
    "max_seeds": (int,),
    "labels": (str,),
}


def is_instance_file(path: str | os.PathLike) -> bool:
    """Whether a path names an instance file (``.toml``)."""
    return str(path).lower().endswith(".toml")


def _resolve(base: Path, value: str, key: str, source: str) -> str:
    """A path relative to the instance file; cost models (no such file, a ':' or 'uniform') pass through."""
    candidate = (base / value).resolve()
    if candidate.exists():
        return str(candidate)
    if key == "costs" and (":" in value or value.strip().lower() == "uniform"):
        return value
    raise GraphFormatError(f"{key} = {value!r}: no such file {str(candidate)!r}", path=source)


def load_instance(path: str | os.PathLike) -> Instance:
    """Read and validate an instance file.

    Raises
    ------
    GraphFormatError
        For TOML syntax errors, unknown keys, values of the wrong type and files
        that do not exist; the message names the file and the key.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = open(os.path.join(d, "g.txt"), "w").write("1 2 0.5\\n")
    ...     _ = open(os.path.join(d, "c.toml"), "w").write('graph = "g.txt"\\nk = 1\\n')
    ...     inst = load_instance(os.path.join(d, "c.toml"))
    >>> inst.name, inst.k, inst.graph.name
    ('c', 1, 'g.txt')
    """
    source = str(path)
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GraphFormatError("no such instance file", path=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphFormatError(f"cannot read: {exc}", path=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise GraphFormatError(f"not valid TOML: {exc}", path=source) from None
    unknown = sorted(set(data) - set(_TYPES))
    if unknown:
        raise GraphFormatError(
            f"unknown key {unknown[0]!r}; known keys are {', '.join(_TYPES)}", path=source
        )
    for key, value in data.items():
        types = _TYPES[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types)
            raise GraphFormatError(f"{key} must be a {names}; got {value!r}", path=source)
    for key in ("must", "never", "quotas"):
        value = data.get(key)
        if isinstance(value, list):
            kinds = (str,) if key == "quotas" else (int, str)
            bad = [x for x in value if not isinstance(x, kinds) or isinstance(x, bool)]
            if bad:
                what = 'strings like "north=1:5"' if key == "quotas" else "node labels (integers or strings)"
                raise GraphFormatError(f"{key} = {str(value)[:60]}: expected a list of {what}; "
                                       f"{str(bad[0])[:30]} is not one", path=source)
    if "graph" not in data:
        raise GraphFormatError("missing key 'graph' (the graph file, relative to the instance)", path=source)
    base = p.resolve().parent
    fields: dict[str, Any] = dict(data)
    fields["graph"] = Path(_resolve(base, data["graph"], "graph", source))
    for key in ("costs", "groups", "labels"):
        if key in data:
            fields[key] = _resolve(base, data[key], key, source)
    quotas = data.get("quotas", ())
    if isinstance(quotas, dict):
        try:
            quotas = [f"{g}={'' if lo is None else lo}:{'' if hi is None else hi}" for g, (lo, hi) in quotas.items()]
        except (TypeError, ValueError):
            raise GraphFormatError("quotas must map each group to [min, max]", path=source) from None
    fields["quotas"] = tuple(str(q) for q in quotas)
    fields["must"] = tuple(data.get("must", ()))
    fields["never"] = tuple(data.get("never", ()))
    try:
        if "model" in data:
            check_model(data["model"])
        if "k" in data and data["k"] < 1:
            raise SeedingError(f"k must be >= 1; got {data['k']}")
        if "columns" in data:
            fields["columns"] = check_columns(data["columns"])
        if "delimiter" in data:
            fields["delimiter"] = check_delimiter(data["delimiter"])
        if "header" in data and data["header"] not in HEADERS:
            raise SeedingError(f"header must be one of {', '.join(HEADERS)}; got {data['header']!r}")
        if "max_seeds" in data and data["max_seeds"] < 1:
            raise SeedingError(f"max_seeds must be >= 1; got {data['max_seeds']}")
        if "budget" in data and not data["budget"] > 0:
            raise SeedingError(f"budget must be > 0; got {data['budget']}")
    except SeedingError as exc:
        raise GraphFormatError(str(exc), path=source) from None
    return Instance(path=p.resolve(), **fields)


def label_list(value: Any) -> list:
    """Node labels from a list, a comma-separated string ``"A,B"`` or ``"@FILE"`` (a file of labels).

    Examples
    --------
    >>> label_list("Medici, Strozzi"), label_list([1, 2])
    (['Medici', 'Strozzi'], [1, 2])
    """
    if isinstance(value, str):
        if value.startswith("@"):
            return read_labels(value[1:])
        return [t.strip() for t in value.split(",") if t.strip()]
    return list(value)


def instance_for(path: str | os.PathLike) -> Instance:
    """An :class:`Instance` for an instance file, or a bare one for a graph file."""
    if is_instance_file(path):
        return load_instance(path)
    return Instance(path=None, graph=Path(path))
