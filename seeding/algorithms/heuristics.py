"""Fast heuristics: out-degree, degree discount, PageRank on the reversed graph.

They carry no guarantee; they are baselines, and good starting points on huge graphs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._rng import RNGLike
from ..graph import Graph
from ..results import SeedSet
from ._common import Problem

__all__ = ["degree", "degree_discount", "pagerank"]


def _top(scores: np.ndarray, k: int, allowed: np.ndarray | None) -> np.ndarray:
    """Indices of the k highest scores (ties: lowest index first)."""
    scores = scores.astype(np.float64, copy=True)
    if allowed is not None:
        scores[allowed == 0] = -np.inf
    return np.lexsort((np.arange(scores.shape[0]), -scores))[:k].astype(np.int32)


def degree(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    evaluation: str = "rr",
    n_evaluation: int | None = None,
) -> SeedSet:
    """The ``k`` nodes of highest out-degree.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 1], [1, 2, 2], [0.5, 0.5, 0.5])
    >>> degree(g, 1, rng=0).seeds
    [0]
    """
    prob = Problem(graph, k, model=model, rng=rng, n_jobs=n_jobs, exclude=exclude)
    deg = prob.graph.out_degree
    seeds = _top(deg, prob.k, prob.allowed)
    return prob.result("degree", seeds, [], params={}, evaluation=evaluation, n_evaluation=n_evaluation,
                       details={"scores": deg[seeds].astype(float).tolist()})


def degree_discount(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    evaluation: str = "rr",
    n_evaluation: int | None = None,
) -> SeedSet:
    """Degree discount (Chen, Wang, Yang 2009), directed form.

    After each pick ``u``, every out-neighbour ``v`` gets ``t_v += 1`` and its score
    becomes ``d_v - 2 t_v - (d_v - t_v) t_v p``, with ``d_v`` the out-degree and
    ``p`` the mean arc probability of the graph.

    References
    ----------
    W. Chen, Y. Wang, S. Yang. Efficient influence maximization in social
    networks. KDD 2009.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 0, 1, 1, 4], [1, 2, 3, 2, 3, 5], [0.1] * 6)
    >>> degree_discount(g, 2, rng=0).seeds
    [0, 4]
    """
    prob = Problem(graph, k, model=model, rng=rng, n_jobs=n_jobs, exclude=exclude)
    g = prob.graph
    values = g.p if g.p is not None else g.lt_weights
    p = float(values.mean()) if g.m else 0.0
    d = g.out_degree.astype(np.float64)
    t = np.zeros(g.n)
    score = d.copy()
    if prob.allowed is not None:
        score[prob.allowed == 0] = -np.inf
    seeds, gains = [], []  # gains: the discounted degree of each pick
    for _ in range(prob.k):
        u = int(np.argmax(score))
        seeds.append(u)
        gains.append(score[u])
        score[u] = -np.inf
        nbrs = g.indices[g.indptr[u] : g.indptr[u + 1]]
        nbrs = nbrs[np.isfinite(score[nbrs])]
        t[nbrs] += 1
        score[nbrs] = d[nbrs] - 2 * t[nbrs] - (d[nbrs] - t[nbrs]) * t[nbrs] * p
    return prob.result(
        "degree-discount", np.asarray(seeds), [], params={"p": p},
        evaluation=evaluation, n_evaluation=n_evaluation, details={"scores": [float(x) for x in gains]},
    )


def pagerank(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    alpha: float = 0.85,
    evaluation: str = "rr",
    n_evaluation: int | None = None,
) -> SeedSet:
    """The ``k`` nodes of highest PageRank on the reversed graph (networkx).

    Influence flows along arcs, so a node matters when it points at nodes that
    matter: PageRank of the graph with every arc reversed, arc values as weights.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 0, 1], [1, 2, 3, 2], [0.5] * 4)
    >>> pagerank(g, 1, rng=0).seeds
    [0]
    """
    prob = Problem(graph, k, model=model, rng=rng, n_jobs=n_jobs, exclude=exclude)
    scores = pagerank_scores(prob.graph, alpha)
    seeds = _top(scores, prob.k, prob.allowed)
    return prob.result(
        "pagerank", seeds, [], params={"alpha": alpha},
        evaluation=evaluation, n_evaluation=n_evaluation, details={"scores": scores[seeds].tolist()},
    )


def pagerank_scores(g: Graph, alpha: float = 0.85) -> np.ndarray:
    """PageRank of every node on the reversed graph, arc values as weights (networkx)."""
    import networkx as nx
    import scipy.sparse as sp

    values = g.p if g.p is not None else np.ones(g.m)
    reverse = sp.csr_array((values + 1e-12, (g.indices, g.sources)), shape=(g.n, g.n))
    G = nx.from_scipy_sparse_array(reverse, create_using=nx.DiGraph)
    ranks = nx.pagerank(G, alpha=alpha, weight="weight")
    return np.fromiter((ranks[v] for v in range(g.n)), dtype=np.float64, count=g.n)


#: Scores of the heuristics that also run under a budget (best score per cost first).
SCORES = {
    "degree": lambda g: g.out_degree.astype(np.float64),
    "pagerank": pagerank_scores,
}
