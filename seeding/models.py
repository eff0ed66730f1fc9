"""Diffusion models and arc-probability settings.

Two diffusion models are supported:

* ``"ic"``, Independent Cascade: a newly active node ``u`` gets one chance to
  activate each out-neighbour ``v``, succeeding with probability ``p(u, v)``;
* ``"lt"``, Linear Threshold: node ``v`` becomes active once the summed weights
  of its active in-neighbours reach a uniform random threshold; the in-weights of
  each node must sum to at most 1.

Arc values come from a probability *setting*:

* ``"given"``: the values read from the file or graph;
* ``"wc"``: weighted cascade, ``p(u, v) = 1 / indeg(v)`` (also the usual LT weights);
* ``"uniform:P"``: every arc gets ``P``;
* ``"trivalency"``: each arc drawn from {0.1, 0.01, 0.001} with the run's ``rng``;
* ``"attr:NAME"``: the edge attribute ``NAME`` (e.g. ``"attr:weight"``) of a networkx
  graph, or of a GraphML/GML file (:func:`seeding.read_graph`).

Every setting applies to a :class:`~seeding.Graph` and to a networkx graph alike
(a networkx graph's ``p`` edge attribute is its given values).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from ._rng import RNGLike, as_generator
from .errors import SeedingError
from .graph import Graph, as_graph

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "MODELS", "PROBABILITY_SETTINGS", "arc_values", "check_model", "check_values", "with_probability",
    "live_edge_arrays",
]

Model = Literal["ic", "lt"]
MODELS: tuple[str, ...] = ("ic", "lt")
PROBABILITY_SETTINGS: tuple[str, ...] = ("given", "wc", "uniform:P", "trivalency", "attr:NAME")
LT_TOLERANCE = 1e-3
_SCALE = float(2**53)
_STEP = 1 << 22  # arcs per numpy call on a big graph


def check_model(model: str) -> Model:
    """Return the normalised model name or raise a clear error."""
    name = str(model).lower()
    if name not in MODELS:
        raise SeedingError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    return name  # type: ignore[return-value]


def with_probability(graph: Graph | nx.Graph, setting: str | None, *, rng: RNGLike = None) -> Graph:
    """Return ``graph`` with arc values set by a probability setting.

    Parameters
    ----------
    graph : Graph or networkx graph
        A networkx graph is converted first (:meth:`Graph.from_networkx`; its
        ``p`` edge attribute, if any, holds the given values; an undirected
        graph gets both arc directions).
    setting : {"given", "wc", "uniform:P", "trivalency", "attr:NAME"} or None
        None keeps the given values if the graph has them and otherwise uses
        weighted cascade. ``"attr:NAME"`` takes a networkx graph's edge
        attribute ``NAME`` (such as ``"attr:weight"``) as the probability.
    rng : None, int or numpy.random.Generator
        Randomness for ``"trivalency"``.

    Returns
    -------
    Graph
        A graph whose ``p`` is set (and whose ``lt_weights`` are cleared unless
        the setting is ``"given"``, so both models use the chosen values).

    Raises
    ------
    SeedingError
        For an unknown setting, or ``"given"`` on a graph without values.

    Examples
    --------
    >>> g = Graph.from_edges([0, 1, 2], [2, 2, 0])
    >>> with_probability(g, "wc").p.tolist()  # arcs 0->2, 1->2, 2->0
    [0.5, 0.5, 1.0]
    >>> with_probability(g, "uniform:0.1").p.tolist()
    [0.1, 0.1, 0.1]
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b", {"weight": 0.3}), ("c", "b", {"weight": 0.6})])
    >>> with_probability(G, "wc").p.tolist(), with_probability(G, "attr:weight").p.tolist()
    ([0.5, 0.5], [0.3, 0.6])
    """
    raw = "auto" if setting is None else str(setting).strip()
    text = raw.lower()
    if text.startswith("attr:"):
        name = raw[len("attr:"):].strip()
        if isinstance(graph, Graph) or not name:
            raise SeedingError(
                f"probability {setting!r}: 'attr:NAME' reads the edge attribute NAME (e.g. 'attr:weight') of a "
                "networkx graph or a GraphML/GML file; an edge list's probability column is chosen by columns "
                "(--columns from,to,weight)"
            )
        converted = Graph.from_networkx(_networkx_graph(graph), probability=name)
        if converted.p is None:
            raise SeedingError(f"probability {setting!r}: no edge of the networkx graph has a {name!r} attribute")
        return converted.with_lt_weights(None)
    graph = as_graph(graph)
    if text == "auto":
        return graph if graph.p is not None else with_probability(graph, "wc")
    if text == "given":
        if graph.p is None:
            raise SeedingError(
                "the graph has no arc probabilities; choose a setting such as "
                "'wc', 'uniform:0.1' or 'trivalency'"
            )
        return graph
    if text == "wc":
        indeg = graph.in_degree.astype(np.float64)
        p = np.empty(graph.m)
        for first in range(0, graph.m, _STEP):  # in steps: Ctrl-C is seen between them
            np.divide(1.0, indeg[graph.indices[first : first + _STEP]], out=p[first : first + _STEP])
    elif text.startswith("uniform"):
        _, _, value = text.partition(":")
        try:
            prob = float(value)
        except ValueError:
            prob = float("nan")
        if not 0.0 <= prob <= 1.0:
            raise SeedingError(f"uniform probability must be 'uniform:P' with P in [0, 1]; got {setting!r}")
        p = np.full(graph.m, prob)
    elif text == "trivalency":
        p = as_generator(rng).choice(np.array([0.1, 0.01, 0.001]), size=graph.m)
    else:
        raise SeedingError(
            f"probability setting must be one of {', '.join(PROBABILITY_SETTINGS)}; got {setting!r}"
        )
    return graph.with_p(p).with_lt_weights(None)


def _networkx_graph(graph: object) -> nx.Graph:
    """Check that ``graph`` is a networkx graph (for ``attr:NAME``)."""
    import networkx as nx

    if not isinstance(graph, nx.Graph):
        raise SeedingError(f"expected a seeding.Graph or a networkx graph; got {type(graph).__name__}")
    return graph


def arc_values(graph: Graph, model: Model) -> np.ndarray:
    """The arc values a model reads (``p``, or ``lt_weights`` under LT when set), in CSR order."""
    values = graph.lt_weights if model == "lt" and graph.lt_weights is not None else graph.p
    if values is None:
        raise SeedingError(
            "the graph has no arc probabilities; set them first, e.g. probability='wc' "
            "(seeding.with_probability(graph, 'wc')) or --probability wc"
        )
    return values


def check_values(graph: Graph, model: str) -> None:
    """Raise now what the kernels would raise later: no arc values, or LT in-weights of a node above 1
    (without laying out the IC kernels' arrays, which the RR kernels do not read)."""
    if check_model(model) == "lt":
        live_edge_arrays(graph, "lt")
    else:
        arc_values(graph, "ic")


def lt_in_weight_sums(graph: Graph) -> np.ndarray:
    """Sum of the LT weights entering each node."""
    return np.bincount(graph.indices, weights=arc_values(graph, "lt"), minlength=graph.n)


def live_edge_arrays(graph: Graph, model: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Arrays ``(lo, width, by_target)`` that define live arcs for the kernels.

    Arc ``e`` is live in a world iff ``(h - lo[e]) mod 2**64 < width[e]`` where
    ``h`` is a uniform 53-bit draw keyed by the arc (IC) or by its target (LT).

    Raises
    ------
    SeedingError
        If the graph has no arc values, or LT in-weights of a node exceed 1.
    """
    model = check_model(model)
    key = ("live_edge", model)
    cached = graph._cache.get(key)
    if cached is not None:
        return cached
    values = arc_values(graph, model)
    if model == "ic":
        lo = np.zeros(0, dtype=np.uint64)
        width = np.floor(values * _SCALE).astype(np.uint64)
        by_target = False
    else:
        sums = lt_in_weight_sums(graph)
        over = np.flatnonzero(sums > 1.0 + LT_TOLERANCE)
        if over.size:
            v = int(over[np.argmax(sums[over])])
            raise SeedingError(
                f"LT weights entering node {graph.labels[v].item()!r} sum to {sums[v]:.6g} > 1 "
                f"({over.size} nodes exceed 1); use weights that sum to at most 1 per node, "
                "e.g. --probability wc"
            )
        # Lay the in-arcs of each node side by side on [0, 1): arc e owns
        # [cum_before, cum_after), cut at 2**-53 granularity so intervals tile.
        order = graph.in_arcs
        w_in = values[order]
        cum = np.cumsum(w_in)
        starts = graph.in_indptr[:-1]
        base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
        seg_base = np.repeat(base, np.diff(graph.in_indptr))
        after = cum - seg_base
        after[np.abs(after - 1.0) < 1e-12] = 1.0  # weights meant to sum to 1 do
        after = np.minimum(after, 1.0)
        before = np.empty_like(after)
        if before.size:
            before[0] = 0.0
            before[1:] = after[:-1]
            nonempty = starts[np.diff(graph.in_indptr) > 0]
            before[nonempty] = 0.0
        lo_in = np.floor(before * _SCALE).astype(np.uint64)
        hi_in = np.floor(after * _SCALE).astype(np.uint64)
        lo = np.empty(graph.m, dtype=np.uint64)
        width = np.empty(graph.m, dtype=np.uint64)
        lo[order] = lo_in
        width[order] = hi_in - lo_in
        by_target = True
    result = (np.ascontiguousarray(lo), np.ascontiguousarray(width), by_target)
    graph._cache[key] = result
    return result
