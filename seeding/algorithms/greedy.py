"""Greedy, CELF and CELF++ on the Monte-Carlo spread estimator.

All marginal gains are evaluated with common random numbers: every spread
estimate in one run uses the same simulated live-edge worlds. Each world's reach
is a coverage function, so the estimate is exactly monotone and submodular, lazy
evaluation is exact, and greedy, CELF and CELF++ choose the same seeds for the
same ``rng`` (ties go to the lowest node index in all three).
"""

from __future__ import annotations

import heapq
import time
import warnings
from typing import Any

import numpy as np

from .._rng import RNGLike, draw_run_seed
from .._validation import Progress, check_count
from ..errors import SeedingWarning
from ..results import SeedSet
from ..spread import simulate_indices
from ._common import Problem

__all__ = ["greedy", "celf", "celfpp"]

WARN_AFTER_S = 600.0


class _Spread:
    """Total reach over a fixed set of simulated worlds (common random numbers)."""

    def __init__(self, prob: Problem, n_simulations: int) -> None:
        self.prob = prob
        self.n_simulations = n_simulations
        self.run_seed = draw_run_seed(prob.gen)
        self.evaluations = 0

    def total(self, seeds: list[int]) -> float:
        """Sum over worlds of the reach of ``seeds`` (exact for unweighted nodes)."""
        self.evaluations += 1
        return float(
            simulate_indices(
                self.prob.graph, np.asarray(seeds, dtype=np.int32), model=self.prob.model,
                n_simulations=self.n_simulations, run_seed=self.run_seed,
                n_threads=self.prob.n_threads,
            ).sum()
        )


def _candidates(prob: Problem) -> list[int]:
    if prob.allowed is None:
        return list(range(prob.graph.n))
    return np.flatnonzero(prob.allowed).tolist()


def _warn_if_slow(prob: Problem, oracle: _Spread, method: str, rounds: float) -> None:
    """Time a few single-node evaluations and warn when the run would take long."""
    cand = _candidates(prob)
    probe = np.random.default_rng(0).choice(len(cand), size=min(8, len(cand)), replace=False)
    start = time.perf_counter()
    for i in probe:
        simulate_indices(
            prob.graph, np.asarray([cand[i]], dtype=np.int32), model=prob.model,
            n_simulations=oracle.n_simulations, run_seed=1, n_threads=prob.n_threads,
        )
    per_eval = (time.perf_counter() - start) / len(probe)
    estimate = per_eval * len(cand) * rounds
    if estimate > WARN_AFTER_S:
        warnings.warn(
            f"{method} on {prob.graph.n:,} nodes needs about {len(cand) * rounds:,.0f} spread "
            f"evaluations of {oracle.n_simulations:,} simulations: roughly {estimate / 3600:.1f} h here. "
            "A RIS method (method='opim-c' or 'imm') gives the same (1 - 1/e - eps) guarantee in seconds.",
            SeedingWarning,
            stacklevel=3,
        )


def _start(graph: Any, k: int, model: str, n_simulations: int, rng: RNGLike, n_jobs: int | None, exclude: Any,
           method: str, rounds: float | None) -> tuple[Problem, _Spread]:
    """Validate the problem, fix the simulated worlds, and warn if the run would take long.

    ``rounds`` is the number of full candidate sweeps expected (None: ``k``, plain greedy).
    """
    prob = Problem(graph, k, model=model, rng=rng, n_jobs=n_jobs, exclude=exclude)
    oracle = _Spread(prob, check_count(n_simulations, "n_simulations"))
    _warn_if_slow(prob, oracle, method, prob.k if rounds is None else rounds)
    return prob, oracle


def _finish(prob: Problem, name: str, seeds: list[int], gains: list[float], oracle: _Spread,
            evaluation: str, n_evaluation: int | None) -> SeedSet:
    return prob.result(
        name, np.asarray(seeds), [g / oracle.n_simulations for g in gains],
        params={"n_simulations": oracle.n_simulations},
        evaluation=evaluation,
        n_evaluation=oracle.n_simulations if n_evaluation is None else n_evaluation,
        details={"spread_evaluations": oracle.evaluations},
    )


def greedy(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    evaluation: str = "mc",
    n_evaluation: int | None = None,
    progress: Progress | None = None,
) -> SeedSet:
    """Plain greedy hill climbing (Kempe, Kleinberg, Tardos 2003): the reference method.

    Every round evaluates the marginal gain of every candidate; ``n * k`` spread
    estimates in all, so it is for small graphs and for checking other methods.

    Parameters
    ----------
    graph : Graph or networkx graph
    k : int
        Number of seeds.
    model : {"ic", "lt"}
    n_simulations : int, default 10000
        Simulated worlds behind every spread estimate (common to all estimates).
    rng : None, int or numpy.random.Generator
    n_jobs : int, optional
    exclude : sequence of labels
        Nodes that must not be seeded.
    evaluation : {"mc", "rr"}, default "mc"
        Estimator of the final spread, run on fresh randomness.
    n_evaluation : int, optional
        Its sample size (default ``n_simulations``).
    progress : callable(done, total), optional

    Returns
    -------
    SeedSet

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0, 1.0, 1.0, 1.0])
    >>> greedy(g, 2, n_simulations=64, rng=0).seeds
    [0, 3]
    """
    prob, oracle = _start(graph, k, model, n_simulations, rng, n_jobs, exclude, "greedy", None)
    cand = _candidates(prob)
    seeds: list[int] = []
    gains: list[float] = []
    base = 0.0
    for step in range(prob.k):
        best, best_total = -1, -1.0
        chosen = set(seeds)
        for v in cand:
            if v in chosen:
                continue
            tot = oracle.total(seeds + [v])
            if tot > best_total:
                best, best_total = v, tot
        seeds.append(best)
        gains.append(best_total - base)
        base = best_total
        if progress:
            progress(step + 1, prob.k)
    return _finish(prob, "greedy", seeds, gains, oracle, evaluation, n_evaluation)


def celf(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    evaluation: str = "mc",
    n_evaluation: int | None = None,
    progress: Progress | None = None,
) -> SeedSet:
    """CELF: greedy with lazy re-evaluation of marginal gains (Leskovec et al. 2007).

    A stale gain is an upper bound on the current one (submodularity), so a node
    whose fresh gain still tops the queue is the greedy choice. Same parameters
    and result as :func:`greedy`, with far fewer spread evaluations.

    References
    ----------
    J. Leskovec, A. Krause, C. Guestrin, C. Faloutsos, J. VanBriesen, N. Glance.
    Cost-effective outbreak detection in networks. KDD 2007.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0, 1.0, 1.0, 1.0])
    >>> celf(g, 2, n_simulations=64, rng=0).seeds
    [0, 3]
    """
    prob, oracle = _start(graph, k, model, n_simulations, rng, n_jobs, exclude, "celf", 1.3)
    heap = [(-oracle.total([v]), v, 0) for v in _candidates(prob)]
    heapq.heapify(heap)
    seeds: list[int] = []
    gains: list[float] = []
    base = 0.0
    while len(seeds) < prob.k:
        neg_gain, v, fresh_at = heapq.heappop(heap)
        if fresh_at == len(seeds):
            seeds.append(v)
            gains.append(-neg_gain)
            base += -neg_gain
            if progress:
                progress(len(seeds), prob.k)
        else:
            gain = oracle.total(seeds + [v]) - base
            heapq.heappush(heap, (-gain, v, len(seeds)))
    return _finish(prob, "celf", seeds, gains, oracle, evaluation, n_evaluation)


def celfpp(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    evaluation: str = "mc",
    n_evaluation: int | None = None,
    progress: Progress | None = None,
) -> SeedSet:
    """CELF++ (Goyal, Lu, Lakshmanan 2011): CELF that also remembers each node's
    gain with respect to the best node of the current round (``mg2``), so when that
    node is picked next the gain is already known.

    References
    ----------
    A. Goyal, W. Lu, L. V. S. Lakshmanan. CELF++: optimizing the greedy
    algorithm for influence maximization in social networks. WWW 2011.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0, 1.0, 1.0, 1.0])
    >>> celfpp(g, 2, n_simulations=64, rng=0).seeds
    [0, 3]
    """
    prob, oracle = _start(graph, k, model, n_simulations, rng, n_jobs, exclude, "celf++", 2.0)
    # Per node: [mg1, prev_best, mg2, flag]; the heap holds (-mg1, node, version).
    state: dict[int, list] = {}
    heap: list[tuple[float, int, int]] = []
    version: dict[int, int] = {}
    seeds: list[int] = []
    gains: list[float] = []
    base = 0.0
    last_seed: int | None = None
    cur_best: int | None = None

    def evaluate(v: int) -> None:
        nonlocal cur_best
        mg1 = oracle.total(seeds + [v]) - base
        prev = cur_best
        if prev is not None and prev != v:
            with_best = base + state[prev][0]  # sigma(S + prev), known exactly
            mg2 = oracle.total(seeds + [prev, v]) - with_best
        else:
            prev, mg2 = None, mg1
        state[v] = [mg1, prev, mg2, len(seeds)]
        if cur_best is None or (mg1, -v) > (state[cur_best][0], -cur_best):
            cur_best = v

    def push(v: int) -> None:
        version[v] = version.get(v, 0) + 1
        heapq.heappush(heap, (-state[v][0], v, version[v]))

    for v in _candidates(prob):
        evaluate(v)
        push(v)
    while len(seeds) < prob.k:
        _, v, ver = heapq.heappop(heap)
        if ver != version[v]:
            continue
        mg1, prev, mg2, flag = state[v]
        if flag == len(seeds):
            seeds.append(v)
            gains.append(mg1)
            base += mg1
            last_seed, cur_best = v, None
            if progress:
                progress(len(seeds), prob.k)
            continue
        if prev is not None and prev == last_seed and flag == len(seeds) - 1:
            state[v] = [mg2, None, mg2, len(seeds)]
            if cur_best is None or (mg2, -v) > (state[cur_best][0], -cur_best):
                cur_best = v
        else:
            evaluate(v)
        push(v)
    return _finish(prob, "celf++", seeds, gains, oracle, evaluation, n_evaluation)
