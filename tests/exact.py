"""Exact expected spreads on tiny graphs, by enumerating live-edge worlds.

These are the oracles the Monte-Carlo and RIS estimators are checked against.
"""

from __future__ import annotations

import itertools

import numpy as np

from seeding import Graph


def _reach(graph: Graph, seeds, live) -> set[int]:
    seen = set(int(s) for s in seeds)
    stack = list(seen)
    while stack:
        u = stack.pop()
        for e in range(graph.indptr[u], graph.indptr[u + 1]):
            v = int(graph.indices[e])
            if live[e] and v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def _value(graph: Graph, nodes: set[int]) -> float:
    if graph.node_weights is None:
        return float(len(nodes))
    return float(sum(graph.node_weights[v] for v in nodes))


def exact_ic_spread(graph: Graph, seeds) -> float:
    """Expected spread under IC: sum over all 2**m live-edge worlds."""
    assert graph.m <= 16, "enumeration is for tiny graphs"
    return sum(prob * _value(graph, _reach(graph, seeds, live)) for prob, live in _worlds_ic(graph))


def exact_lt_spread(graph: Graph, seeds) -> float:
    """Expected spread under LT: each node keeps at most one in-arc, w.p. its weight."""
    return sum(prob * _value(graph, _reach(graph, seeds, live)) for prob, live in _worlds_lt(graph))


def tiny_graphs() -> dict[str, Graph]:
    """A few small graphs with cycles, merges and varied probabilities."""
    return {
        "diamond": Graph.from_edges([0, 0, 1, 2, 3], [1, 2, 3, 3, 4], [0.5, 0.3, 0.7, 0.4, 0.9]),
        "cycle": Graph.from_edges([0, 1, 2, 3, 1], [1, 2, 3, 0, 3], [0.6, 0.5, 0.4, 0.3, 0.2]),
        "two_hubs": Graph.from_edges(
            [0, 0, 0, 1, 1, 1, 5, 2, 6],
            [2, 3, 4, 4, 5, 6, 6, 7, 7],
            [0.2, 0.5, 0.3, 0.35, 0.45, 0.25, 0.5, 0.15, 0.25],
        ),
    }


def _worlds_ic(graph: Graph):
    p = graph.p
    for live in itertools.product((False, True), repeat=graph.m):
        prob = float(np.prod([p[e] if on else 1.0 - p[e] for e, on in enumerate(live)]))
        if prob:
            yield prob, np.array(live)


def _worlds_lt(graph: Graph):
    w = graph.lt_weights if graph.lt_weights is not None else graph.p
    choices = []
    for v in range(graph.n):
        arcs = graph.in_arcs[graph.in_indptr[v] : graph.in_indptr[v + 1]].tolist()
        options = [(e, float(w[e])) for e in arcs]
        options.append((None, 1.0 - sum(x for _, x in options)))
        choices.append(options)
    for pick in itertools.product(*choices):
        prob = float(np.prod([x for _, x in pick]))
        if prob > 0:
            live = np.zeros(graph.m, dtype=bool)
            for e, _ in pick:
                if e is not None:
                    live[e] = True
            yield prob, live


def exact_spread_table(graph: Graph, model: str = "ic") -> dict[tuple[int, ...], float]:
    """Exact expected spread of every seed set of size 1..3 (node indices)."""
    worlds = _worlds_ic(graph) if model == "ic" else _worlds_lt(graph)
    value = np.ones(graph.n) if graph.node_weights is None else graph.node_weights
    subsets = [s for r in (1, 2, 3) for s in itertools.combinations(range(graph.n), r)]
    table = dict.fromkeys(subsets, 0.0)
    for prob, live in worlds:
        reach = [_reach(graph, [v], live) for v in range(graph.n)]
        for s in subsets:
            nodes = set().union(*(reach[v] for v in s))
            table[s] += prob * float(sum(value[v] for v in nodes))
    return table


def exact_optimum(graph: Graph, k: int, model: str = "ic") -> tuple[float, tuple[int, ...]]:
    table = exact_spread_table(graph, model)
    best = max((s for s in table if len(s) == k), key=lambda s: (table[s], [-x for x in s]))
    return table[best], best


# ----------------------------------------------------------------- all seed sets at once
def _world_arrays(graph: Graph, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (W,), live arcs (W, m)) of every live-edge world with positive probability."""
    worlds = list(_worlds_ic(graph) if model == "ic" else _worlds_lt(graph))
    probs = np.array([p for p, _ in worlds])
    live = np.array([w for _, w in worlds], dtype=bool).reshape(len(worlds), graph.m)
    return probs, live


def all_subset_spreads(graph: Graph, model: str = "ic") -> np.ndarray:
    """Exact expected spread of every seed set, indexed by bitmask (bit v: node index v).

    Reachability in all worlds at once: boolean transitive closure by repeated squaring.
    """
    n = graph.n
    assert n <= 10, "enumeration of seed sets is for tiny graphs"
    probs, live = _world_arrays(graph, model)
    src, dst = graph.sources, graph.indices
    adj = np.zeros((live.shape[0], n, n), dtype=np.int32)
    adj[:, np.arange(n), np.arange(n)] = 1
    for e in range(graph.m):
        adj[:, src[e], dst[e]] |= live[:, e]
    for _ in range(max(1, int(np.ceil(np.log2(n))))):
        adj = np.minimum(adj @ adj, 1)
    value = np.ones(n) if graph.node_weights is None else graph.node_weights
    # reach[w, u] as a bitmask of the nodes u reaches in world w
    reach = (adj.astype(np.int64) << np.arange(n)).sum(axis=2)
    masks = np.zeros((1 << n, live.shape[0]), dtype=np.int64)
    for s in range(1, 1 << n):
        low = (s & -s).bit_length() - 1
        masks[s] = masks[s & (s - 1)] | reach[:, low]
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    mask_value = bits @ value  # value of each node set, by bitmask
    return mask_value[masks] @ probs


def bitmask(nodes) -> int:
    out = 0
    for v in nodes:
        out |= 1 << int(v)
    return out


def members(mask: int, n: int) -> list[int]:
    return [v for v in range(n) if mask >> v & 1]
