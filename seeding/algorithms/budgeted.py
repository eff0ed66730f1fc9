"""Budgeted seeding: cost-aware greedy (CELF with cost-benefit ratios) and the OR-Tools polish.

:func:`select_seeds` runs the whole pipeline:

1. validate costs and constraints (an :class:`~seeding.InfeasibleError` names
   the one that cannot be met);
2. sample two independent collections of RR sets, ``R1`` to choose and ``R2``
   to judge, doubling them until the chosen selection's certified lower bound
   (from ``R2``) is within ``1 - 1/e - eps`` of an upper bound on the optimum (from
   ``R1``), from a floor of ``min_samples`` sets. Too small a sample makes any
   optimizer overfit: it buys cheap nodes on lucky counts;
3. cost-aware greedy on ``R1``: the cost-benefit run, the plain-gain run and the
   best single affordable node (together at least (1 - 1/e)/2 of the sample
   optimum); the one that covers most of ``R2`` wins;
4. unless ``method="cost-celf"``, the OR-Tools model on ``R1`` (shrunk, warm-
   started from greedy, time-limited), kept only if it also wins on ``R2``;
5. the LP relaxation (GLOP), or the MIP's own bound, certifies how far from
   optimal the selection is; the spread is estimated on fresh RR sets.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import _cover, _kernels
from .._rng import RNGLike, as_generator, draw_run_seed, resolve_jobs
from .._validation import Progress, check_count, check_time_limit
from ..bounds import (
    ONE_MINUS_INV_E,
    certified_ratio,
    count_for_ratio,
    covered_for_upper,
    log_events,
    slack,
    spread_lower,
    spread_upper,
)
from ..costs import resolve_costs
from ..coverage_model import Constraints, build_model, enumerate_core, shrink, solve_model
from ..errors import InfeasibleError, SeedingError
from ..graph import Graph, as_graph
from ..io import read_table
from ..models import check_model, check_values, with_probability
from ..relax import NodeBudgets, core_instance, fix_out, heuristic_core, sample_bound
from ..results import SeedSet
from ..rrsets import RRSampler, RRSets
from ..spread import SpreadEstimate, simulate_indices
from ._common import (
    ENTRIES_PER_SET,
    check_delta,
    check_eps,
    check_ratio,
    evaluation_size,
    memory_cap,
    sets_for_entries,
    sets_within,
)
from .heuristics import SCORES

__all__ = ["select_seeds", "BUDGET_METHODS", "BUDGET_OPTIONS"]

MAX_GROWTH = 16  # at most this factor more RR sets for a target ratio
EVALUATION_RESERVE = 0.12  # of the time limit (at least 1 s), kept for what follows the solve
SAMPLING_SHARE = 0.3  # of the time limit: sampling and the greedy runs
BOUND_SHARE = 0.6  # of the time limit: ... and the Lagrangian bound
MAX_CORE_SIZE = 3_000_000  # entries + rows of the largest exact model built (memory, build time)
HEURISTIC_CORE_FACTOR = 4  # a heuristic core keeps this many nodes per seed of the incumbent
BUILD_S_PER_ENTRY = 2.5e-6  # seconds to build one model entry through the OR-Tools Python API

BUDGET_METHODS = {
    "mip": "cost-aware greedy, then SCIP (OR-Tools) on the RR-set coverage model [default]",
    "cp-sat": "cost-aware greedy, then CP-SAT (OR-Tools) on the RR-set coverage model",
    "cost-celf": "cost-aware lazy greedy on RR sets, with the LP bound as certificate",
    "cost-celf-mc": "cost-aware CELF on Monte-Carlo estimates (small graphs; no min quotas)",
    "degree": "highest out-degree per cost until the budget is spent (heuristic, no guarantee)",
    "pagerank": "highest reversed PageRank per cost until the budget is spent (heuristic, no guarantee)",
}

_SAMPLED = frozenset({"eps", "delta", "min_samples", "max_samples", "target_ratio", "max_memory", "time_limit",
                      "n_evaluation", "progress", "default_cost"})
#: The options each budgeted method uses, of those :func:`select_seeds` takes beyond the graph, the budget,
#: the costs, the constraints, ``model``, ``rng`` and ``n_jobs`` (the others it ignores for that method).
BUDGET_OPTIONS: dict[str, frozenset[str]] = {
    "mip": _SAMPLED | {"workers"},
    "cp-sat": _SAMPLED | {"workers"},
    "cost-celf": _SAMPLED,
    "cost-celf-mc": frozenset({"n_simulations", "n_evaluation", "default_cost"}),
    "degree": frozenset({"n_evaluation", "default_cost"}),
    "pagerank": frozenset({"n_evaluation", "default_cost"}),
}


# ----------------------------------------------------------------------------- greedy
class _Picker:
    """Tracks budgets and quotas while a greedy adds nodes."""

    def __init__(self, cons: Constraints) -> None:
        self.cons = cons
        self.budgets = cons.budgets()
        self.spent = [float(c[cons.must].sum()) for _, c, _ in self.budgets]
        self.picked = np.zeros(cons.n, dtype=bool)
        self.picked[cons.must] = True
        self.order: list[int] = cons.must.tolist()
        self.base = cons.allowed
        self.count = None
        if cons.group_of is not None:
            g = cons.group_of[cons.must]
            self.count = np.bincount(g[g >= 0], minlength=len(cons.group_names))

    def feasible(self) -> np.ndarray:
        ok = self.base & ~self.picked
        for (_, cost, limit), spent in zip(self.budgets, self.spent, strict=True):
            ok &= cost <= limit - spent + 1e-9 * limit
        if self.count is not None:
            full = self.count >= self.cons.quota_max
            g = self.cons.group_of
            ok &= ~((g >= 0) & full[np.maximum(g, 0)])
        return ok

    def add(self, v: int) -> None:
        self.picked[v] = True
        self.order.append(int(v))
        for i, (_, cost, _) in enumerate(self.budgets):
            self.spent[i] += float(cost[v])
        if self.count is not None and self.cons.group_of[v] >= 0:
            self.count[self.cons.group_of[v]] += 1

    def needs(self) -> list[int]:
        """Groups still below their minimum quota."""
        if self.count is None:
            return []
        return np.flatnonzero(self.count < self.cons.quota_min).tolist()


def _best(score: np.ndarray, ok: np.ndarray) -> int:
    masked = np.where(ok, score, -np.inf)
    v = int(np.argmax(masked))
    return v if ok[v] else -1


def _coverage_after_must(sets: RRSets, cons: Constraints) -> _kernels.Coverage:
    """Coverage of ``sets`` with the must-seed nodes already picked."""
    cov = _kernels.Coverage(sets.nodes, sets.offsets, np.ones(sets.count), sets.n)
    for v in cons.must.tolist():
        cov.add(v)
    return cov


def cost_greedy_rr(sets: RRSets, cons: Constraints, *, ratio: bool) -> list[int]:
    """Greedy on RR-set coverage: by gain/cost (``ratio``) or by gain, within all constraints.

    Groups below their minimum quota are filled first (best nodes of the group),
    then nodes are added while any affordable one has a positive gain.
    """
    cov = _coverage_after_must(sets, cons)
    pick = _Picker(cons)
    costs = cons.costs
    for g in pick.needs():
        while pick.count[g] < cons.quota_min[g]:
            gains = cov.gains
            score = gains / costs if ratio else gains - 1e-12 * (costs / costs.max())  # ties: the cheaper
            v = _best(score, pick.feasible() & (cons.group_of == g))
            if v < 0:
                break
            cov.add(v)
            pick.add(v)
    while True:
        gains = cov.gains
        ok = pick.feasible() & (gains > 0)
        if not ok.any():
            break
        v = _best(gains / costs if ratio else gains, ok)
        cov.add(v)
        pick.add(v)
    return pick.order


def _best_single(sets: RRSets, cons: Constraints) -> list[int]:
    pick = _Picker(cons)
    cov = _coverage_after_must(sets, cons)
    v = _best(cov.gains, pick.feasible())
    return pick.order + ([v] if v >= 0 else [])


def knapsack_bound(gains: np.ndarray, costs: np.ndarray, ok: np.ndarray, capacity: float) -> float:
    """Fractional knapsack of marginal gains: bounds what any affordable set can add."""
    g, c = gains[ok & (gains > 0)], costs[ok & (gains > 0)]
    if not g.size or capacity <= 0:
        return 0.0
    order = np.argsort(-(g / c), kind="stable")
    g, c = g[order], c[order]
    fill = np.cumsum(c)
    whole = int(np.searchsorted(fill, capacity, side="right"))
    total = float(g[:whole].sum())
    if whole < g.size:
        room = capacity - (fill[whole - 1] if whole else 0.0)
        total += float(g[whole] * room / c[whole])
    return total


def coverage_bound(sets: RRSets, cons: Constraints, selection: list[int]) -> float:
    """Upper bound on the sets any feasible selection covers: f(S) + knapsack of gains."""
    cov = _coverage_after_must(sets, cons)
    capacity = cons.budget - float(cons.costs[cons.must].sum())
    free = cons.allowed
    best = cov.covered + knapsack_bound(cov.gains, cons.costs, free, capacity)
    for v in selection:
        cov.add(v)  # a must-seed node adds nothing: its sets are covered already
    best = min(best, cov.covered + knapsack_bound(cov.gains, cons.costs, free, capacity))
    return best


def _ordered_gains(sets: RRSets, selection: list[int], scale: float,
                   n_threads: int = 1) -> tuple[list[int], list[float]]:
    """Order a selection greedily by marginal coverage and report each gain in spread units.

    Only the sets the selection meets matter: reduced to its members (one pass, as the
    shrunk model is built), a set with one of them adds to that member's own count and
    the rest index a small coverage. An index of all the sets took 0.5 s on 8.6 million.
    """
    rest = list(dict.fromkeys(selection))
    var_of = np.full(sets.n, -1, dtype=np.int32)
    var_of[rest] = np.arange(len(rest), dtype=np.int32)
    own, members, offsets, _, _ = _cover.kept_rows(sets.nodes, sets.offsets, var_of, np.zeros(sets.count, np.uint8),
                                                  len(rest), n_threads)
    cov = _kernels.Coverage(members, offsets, np.ones(offsets.shape[0] - 1), len(rest))
    left = list(range(len(rest)))
    order, gains = [], []
    while left:
        g = cov.gains[left] + own[left]
        i = left.pop(int(np.argmax(g)))
        gains.append(float(cov.add(i) + own[i]) * scale)
        order.append(rest[i])
    return order, gains


# ------------------------------------------------------------------ cost-aware CELF (MC)
def cost_celf_mc(graph: Graph, model: str, cons: Constraints, *, n_simulations: int, run_seed: int,
                 n_threads: int, ratio: bool) -> tuple[list[int], int]:
    """Cost-aware CELF on Monte-Carlo estimates (common random numbers); returns (selection, evaluations)."""
    evaluations = 0

    def total(nodes: list[int]) -> float:
        nonlocal evaluations
        evaluations += 1
        return float(simulate_indices(graph, np.asarray(nodes, np.int32), model=model,
                                      n_simulations=n_simulations, run_seed=run_seed,
                                      n_threads=n_threads).sum())

    pick = _Picker(cons)
    base = total(pick.order) if pick.order else 0.0
    ok = pick.feasible()
    heap = []
    for v in np.flatnonzero(ok).tolist():
        gain = total(pick.order + [v]) - base
        heap.append((-(gain / cons.costs[v] if ratio else gain), v, len(pick.order), gain))
    heapq.heapify(heap)
    while heap:
        key, v, fresh_at, gain = heapq.heappop(heap)
        if not pick.feasible()[v]:
            continue
        if fresh_at == len(pick.order):
            if gain <= 0:
                break
            pick.add(v)
            base += gain
        else:
            gain = total(pick.order + [v]) - base
            heapq.heappush(heap, (-(gain / cons.costs[v] if ratio else gain), v, len(pick.order), gain))
    return pick.order, evaluations


# ------------------------------------------------------------------------- the API
def _groups(graph: Graph, groups: Any) -> Mapping | None:
    if groups is None or isinstance(groups, Mapping):
        return groups
    return read_table(groups, "group", numeric=False)


def _quotas(quotas: Any) -> dict[str, tuple[int | None, int | None]]:
    """Accept {group: (min, max)} or strings "GROUP=MIN:MAX" (either side may be empty)."""
    if quotas is None:
        return {}
    if isinstance(quotas, Mapping):
        return {str(k): tuple(v) for k, v in quotas.items()}
    out: dict[str, tuple[int | None, int | None]] = {}
    first: dict[str, str] = {}
    for text in quotas:
        name, sep, span = str(text).rpartition("=")
        lo, colon, hi = span.partition(":")
        try:
            if not sep or not colon:
                raise ValueError
            value = (int(lo) if lo.strip() else None, int(hi) if hi.strip() else None)
        except ValueError:
            raise SeedingError(f"quota must look like GROUP=MIN:MAX (e.g. north=1:5); got {text!r}") from None
        if name in out:
            raise SeedingError(f"group {name!r} has two quotas ({first[name]!r} and {text!r}); give one per group")
        out[name], first[name] = value, text
    return out


def select_seeds(
    graph: Any,
    budget: float,
    costs: Any,
    *,
    method: str = "mip",
    model: str = "ic",
    probability: str | None = None,
    must: Sequence[Any] = (),
    never: Sequence[Any] = (),
    groups: Mapping[Any, Any] | str | None = None,
    quotas: Mapping[str, tuple[int | None, int | None]] | Sequence[str] | None = None,
    extra_budgets: Sequence[tuple[Any, float]] | None = None,
    default_cost: float | None = None,
    time_limit: float | None = 60.0,
    workers: int | None = None,
    eps: float = 0.05,
    delta: float | None = None,
    min_samples: int = 500_000,
    max_samples: int = 16_000_000,
    target_ratio: float | None = 0.95,
    max_memory: int | str | None = None,
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    n_evaluation: int | None = None,
    progress: Progress | None = None,
) -> SeedSet:
    """Choose seeds that maximize the expected spread within a budget and side constraints.

    Parameters
    ----------
    graph : Graph or networkx graph
        With arc probabilities (a networkx graph's ``p`` edge attribute), or
        give ``probability``.
    budget : float
        Total cost allowed.
    costs : array-like, mapping, cost model or path
        See :func:`seeding.costs.resolve_costs` (e.g. ``"sqrt-degree:1,1"``).
    method : {"mip", "cp-sat", "cost-celf", "cost-celf-mc"}, default "mip"
    model : {"ic", "lt"}
    probability : str, optional
        A probability setting applied first (see :func:`seeding.with_probability`):
        ``"wc"``, ``"uniform:P"``, ``"trivalency"``, ``"attr:weight"``, ...
    must, never : sequences of labels
        Nodes that must / must not be seeded.
    groups : mapping label -> group, or a ``label,group`` file
    quotas : mapping group -> (min, max), or strings ``"GROUP=MIN:MAX"``
    extra_budgets : sequence of (costs, limit)
        Further budgets, e.g. ``[("uniform", 20)]`` for at most 20 seeds.
    default_cost : float, optional
        Cost of nodes a costs file or mapping omits.
    time_limit : float or None, default 60
        Seconds for the whole selection: sampling, bounds and the OR-Tools
        solve (the final evaluation comes on top). On time-out the best
        selection found is returned with its certificate and status "feasible".
    workers : int, optional
        Solver threads (default: ``n_jobs`` for CP-SAT, 1 for SCIP, whose threads each repeat the
        whole solve and stop seconds past the time limit).
    eps, delta : float
        Sample-size rule: stop doubling when the certified ratio reaches
        ``1 - 1/e - eps`` (probability ``1 - delta``, default ``1/n``).
    min_samples, max_samples : int
        Floor and cap of each RR-set collection.
    max_memory : int or str, optional
        Cap on the memory of the RR sets (e.g. ``"2G"``; default: half of the
        memory available); lowers ``max_samples`` (and ``min_samples``) to what
        fits. ``min_samples`` is a floor of work: sets of about 4 nodes.
    target_ratio : float or None, default 0.95
        Certified ratio to work towards: the samples grow once (up to 16x) so
        that sampling leaves room for it, and the Lagrangian bound and the
        solver stop early once it is certified. None: no growth.
    n_simulations : int
        Simulations per estimate for ``cost-celf-mc``.
    rng, n_jobs, n_evaluation, progress
        As for :func:`seeding.maximize_influence`.

    Returns
    -------
    SeedSet
        With ``cost``, ``budget``, ``status`` and ``gap`` of the selection
        returned, on the choosing sample ``R1``: ``gap`` is its relative
        distance below the best proven bound there (knapsack, Lagrangian or the
        solver's on the core), and ``status`` is "optimal" when that
        gap is 0 (no feasible selection covers more of that sample) and
        "feasible" otherwise. The solver's own run (status, objective, bound,
        gap, seeds, whether they meet the exact costs) is under
        ``details["solver"]``, and ``details["chosen_by"]`` says which selection
        won on the validation sample. ``upper_bound`` bounds the optimal
        spread, ``lower_bound`` the spread of the seeds, both together with
        probability ``1 - delta``; ``approx_ratio`` is their ratio.

    Raises
    ------
    InfeasibleError
        When the constraints cannot all be met (the message says which).
    SeedingError
        For malformed inputs.

    Examples
    --------
    >>> import seeding
    >>> g = seeding.Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0] * 4)
    >>> r = seeding.select_seeds(g, 2.0, {0: 2.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}, rng=1,
    ...                          min_samples=1000, n_evaluation=1000)
    >>> r.seeds, r.cost, r.status  # two cheap nodes beat the hub
    ([3, 1], 2.0, 'optimal')
    """
    start = time.perf_counter()
    graph = as_graph(graph) if probability is None else with_probability(graph, probability, rng=rng)
    model = check_model(model)
    check_values(graph, model)
    if method not in BUDGET_METHODS:
        raise SeedingError(f"unknown budgeted method {method!r}; choose one of {', '.join(BUDGET_METHODS)}")
    eps = check_eps(eps)
    delta = check_delta(delta, graph.n)
    min_samples = check_count(min_samples, "min_samples")
    max_samples = max(check_count(max_samples, "max_samples"), min_samples)
    time_limit = check_time_limit(time_limit)
    if target_ratio is not None:
        target_ratio = check_ratio(target_ratio)
    gen = as_generator(rng)
    n_threads = resolve_jobs(n_jobs)
    # SCIP's threads race whole solves, each repeating the root LP (the bottleneck of these models), and
    # they miss the time limit by seconds (see :func:`solve_model`): one by default; CP-SAT's share the work.
    workers = (1 if method == "mip" else n_threads) if workers is None else check_count(workers, "workers")

    cost = resolve_costs(graph, costs, default_cost=default_cost)
    extras = []
    for i, (spec, limit) in enumerate(extra_budgets or ()):
        name = "seed count" if isinstance(spec, str) and spec.startswith("uniform") else f"extra budget {i + 1}"
        extras.append((name, resolve_costs(graph, spec, default_cost=default_cost, what=f"{name} cost"), float(limit)))
    cons = Constraints.build(
        graph, cost, budget, must=list(must), never=list(never), groups=_groups(graph, groups),
        quotas=_quotas(quotas), extra_budgets=extras,
    )
    if method == "cost-celf-mc" and cons.quota_min.any():
        raise SeedingError("cost-celf-mc cannot honour minimum quotas; use method='mip'")
    label = {"budget": float(budget), "method": method}
    if method == "cost-celf-mc":
        return _select_mc(graph, model, cons, gen, n_threads, n_simulations, n_evaluation, start, label)
    if method in SCORES:
        return _select_by_score(graph, model, cons, method, gen, n_threads, n_evaluation, start, label)

    sampler = RRSampler(graph, model)
    weight = sampler.total_weight
    seed1, seed2 = draw_run_seed(gen), draw_run_seed(gen)
    pilot = sampler.sample(1000, run_seed=seed1)
    fits = max(1000, int(sets_within(memory_cap(max_memory), pilot)))
    min_samples = min(sets_for_entries(min_samples * ENTRIES_PER_SET, pilot), max_samples)
    min_samples, max_samples = min(min_samples, fits), min(max_samples, fits)
    rounds_max = max(1, math.ceil(math.log2(max_samples / min_samples)) + 1)
    # Every bound that can reach the certificate is one event of the union bound. Per
    # sampling round (doubling, or one growth towards the target): the lower bounds of
    # the three greedy candidates on R2 (R2 also picks the winner among them, so each
    # must hold) and the upper bound on R1's optimum (knapsack, Lagrangian and solver
    # bounds are all bounds on that one quantity); then the solver's selection on R2.
    events = 4 * (rounds_max + 1) + 1
    a = log_events(events, delta)
    deadline = None if time_limit is None else start + time_limit

    def left() -> float | None:
        return None if deadline is None else deadline - time.perf_counter()

    def choose(r1: RRSets, r2: RRSets) -> tuple[dict, dict, dict, float]:
        variants = {
            "cost-benefit": cost_greedy_rr(r1, cons, ratio=True),
            "plain-gain": cost_greedy_rr(r1, cons, ratio=False),
            "best-single": _best_single(r1, cons),
        }
        valid = {k: s for k, s in variants.items() if cons.is_feasible(np.asarray(s))}
        scores = {k: r2.covered(np.asarray(s)) for k, s in valid.items()}
        return variants, valid, scores, coverage_bound(r1, cons, variants["cost-benefit"])

    r1 = sampler.sample(min_samples, run_seed=seed1, n_threads=n_threads)
    r2 = sampler.sample(min_samples, run_seed=seed2, n_threads=n_threads)
    while True:
        variants, valid, scores, bound_cov = choose(r1, r2)
        best_key = max(scores, key=lambda k: scores[k]) if scores else None
        lower = spread_lower(scores.get(best_key, 0), a, weight, r2.count)
        upper = spread_upper(bound_cov, a, weight, r1.count)
        if progress:
            progress(r1.count, max_samples, phase="sampling")
        if certified_ratio(lower, upper) >= ONE_MINUS_INV_E - eps or r1.count * 2 > max_samples:
            break
        if deadline is not None and (time.perf_counter() - start) * 3 > time_limit:
            break  # leave time for the bound and the solver
        r1 = sampler.sample(r1.count, run_seed=seed1, first=r1.count, n_threads=n_threads, after=r1)
        r2 = sampler.sample(r2.count, run_seed=seed2, first=r2.count, n_threads=n_threads, after=r2)

    # Grow both samples once, to where sampling alone leaves room for the target
    # (assuming the bound on R1 comes within 2% of the best selection's coverage).
    if target_ratio is not None and best_key is not None:
        cov1 = r1.covered(np.asarray(valid[best_key]))
        room = min(max_samples, MAX_GROWTH * r1.count)
        if deadline is not None:  # sampling and greedy take time in proportion to the sets
            spent = time.perf_counter() - start
            room = min(room, int(r1.count * SAMPLING_SHARE * time_limit / max(spent, 1e-3)))
        want = count_for_ratio(min(0.999, target_ratio / 0.98), cov1 / r1.count, scores[best_key] / r2.count,
                               a, r1.count, max(room, r1.count))
        if want > r1.count:
            more = want - r1.count
            r1 = sampler.sample(more, run_seed=seed1, first=r1.count, n_threads=n_threads, after=r1)
            r2 = sampler.sample(more, run_seed=seed2, first=r2.count, n_threads=n_threads, after=r2)
            variants, valid, scores, bound_cov = choose(r1, r2)
            best_key = max(scores, key=lambda k: scores[k]) if scores else None

    details: dict[str, Any] = {
        "rr_sets": r1.count + r2.count,
        "greedy_validation": {k: scores.get(k) for k in variants},
        "union_bound_events": events,
        "knapsack_upper_bound": spread_upper(bound_cov, a, weight, r1.count),
    }
    chosen = valid.get(best_key) if best_key else None
    chosen_by = f"greedy ({best_key})" if best_key else None

    # The bound engine and the exact model work on the whole of R1 (shrunk: one row per
    # distinct set), the sample the greedy chose on.
    t0 = time.perf_counter()
    instance = shrink(r1, cons, n_threads)
    details["model"] = dict(instance.stats, shrink_s=time.perf_counter() - t0)

    def var_of(nodes: Sequence[int]) -> np.ndarray:
        return instance.variables_of(nodes)

    def nodes_of(variables: np.ndarray) -> list[int]:
        return cons.must.tolist() + instance.candidates[variables].tolist()

    incumbent = max(valid.values(), key=lambda s: r1.covered(np.asarray(s))) if valid else []
    lr_time = None if deadline is None else max(0.0, left() - (1.0 - BOUND_SHARE) * time_limit)
    # The cost-aware greedy alone stops as soon as the target is certified; with a solver
    # to follow, a tighter bound fixes more nodes out of its model.
    tolerance = 1e-3
    if method == "cost-celf" and target_ratio is not None and valid:
        enough = covered_for_upper(lower / target_ratio, a, weight, r1.count)
        tolerance = max(tolerance, enough / max(instance.coverage(var_of(incumbent)), 1.0) - 1.0)
    if progress:
        progress(0, 1, phase="bounding")
    relaxation = sample_bound(
        instance, cons, incumbent, time_limit=lr_time, tolerance=tolerance,
        feasible=lambda v: cons.is_feasible(np.asarray(nodes_of(v))),
    )
    bound_cov = min(bound_cov, relaxation.bound)
    details.update(lagrangian_bound_coverage=relaxation.bound, lagrangian_iterations=relaxation.iterations,
                   lagrangian_s=time.perf_counter() - t0)
    outcome = None
    reached = target_ratio is not None and valid and \
        certified_ratio(lower, spread_upper(bound_cov, a, weight, r1.count)) >= target_ratio
    if reached and method in ("mip", "cp-sat"):
        details["core"] = {"skipped": "the target ratio is certified already"}
    elif method in ("mip", "cp-sat"):
        # Reduced-cost fixing: no selection better than the incumbent contains a fixed-out
        # node, so the exact model needs only the rest (the core). When that core is still
        # too large to build in time, a heuristic core (the nodes the relaxation likes best)
        # searches for a better selection, and only the Lagrangian bound certifies.
        t0 = time.perf_counter()
        budgets = NodeBudgets.of(instance, cons)
        has_incumbent = bool(relaxation.selection.size)
        fixed = fix_out(relaxation, budgets) if has_incumbent else np.zeros(instance.candidates.shape[0], bool)
        core, core_vars = core_instance(instance, fixed)
        exact_core = True
        if not _fits(core, left()):
            size = HEURISTIC_CORE_FACTOR * max(relaxation.selection.size, 10) + 50
            keep = heuristic_core(relaxation, budgets, size, _quota_members(cons, instance, relaxation, budgets))
            core, core_vars = core_instance(instance, ~keep)
            exact_core = False
        details["core"] = {"kind": "exact" if exact_core else "heuristic", "variables": int(core_vars.shape[0]),
                           "rows": core.n_rows, "entries": int(core.row_members.shape[0])}
        if progress:
            progress(0, 1, phase="solving")
        outcome = enumerate_core(core, cons)  # a few affordable selections: all of them, exactly
        if outcome is not None:
            details["core"]["solved_by"] = "enumeration"
        elif not _fits(core, left()):
            details["core"]["skipped"] = "too large for the time left; the Lagrangian bound certifies"
        else:
            built = build_model(core, cons, "mip" if method == "mip" else "cp-sat")
            details["core"]["build_s"] = time.perf_counter() - t0
            hint = np.flatnonzero(np.isin(core_vars, relaxation.selection)) if has_incumbent else None
            solve_time = None if deadline is None else max(0.5, left() - max(1.0, EVALUATION_RESERVE * time_limit))
            outcome = solve_model(built, core, time_limit=solve_time, workers=workers, hint=hint)
    if outcome is not None:
        solver = {"status": outcome.status, "objective": outcome.objective, "bound": outcome.bound,
                  "solve_s": outcome.wall_s}
        details["solver"] = solver
        if outcome.status == "infeasible" and exact_core and not relaxation.selection.size:
            # the models relax the budgets: the real problem is infeasible too
            raise InfeasibleError("no selection meets the budgets and quotas together")
        if outcome.status in ("optimal", "feasible"):
            # Any selection either uses a fixed-out node (then it covers less than the
            # incumbent) or lives in the core (then the core's bound holds).
            if exact_core:
                bound_cov = min(bound_cov, max(outcome.bound, relaxation.incumbent))
                solver["gap"] = _gap(max(outcome.bound, relaxation.incumbent), outcome.objective)
            solved = nodes_of(core_vars[outcome.chosen])
            solver["seeds"] = graph.label_of(solved)
            solver["feasible"] = bool(cons.is_feasible(np.asarray(solved)))
            if solver["feasible"]:
                score = r2.covered(np.asarray(solved))
                solver["validation"] = score
                if chosen is None or score >= scores[best_key]:
                    chosen, chosen_by = solved, "solver"
    if chosen is None:
        raise SeedingError(
            "greedy could not meet the minimum quotas within the budget; use method='mip' or 'cp-sat'"
        )
    details["chosen_by"] = chosen_by
    # Status and gap describe the selection returned, on R1: "optimal" when its coverage
    # there meets the best proven bound, else "feasible".
    value = float(r1.covered(np.asarray(chosen)))
    gap = _gap(bound_cov, value)
    status = "optimal" if gap is not None and gap <= 1e-6 else "feasible"
    upper = spread_upper(bound_cov, a, weight, r1.count)
    runtime = time.perf_counter() - start
    if progress:
        progress(1, 1, phase="evaluating")
    order, gains = _ordered_gains(r1, chosen, weight / r1.count, n_threads)
    judged = r2.covered(np.asarray(order))
    evaluation = sampler.estimate(
        np.asarray(order), evaluation_size(n_evaluation, judged / r2.count),
        run_seed=draw_run_seed(gen), n_threads=n_threads,
    )
    lower = spread_lower(judged, a, weight, r2.count)
    ratio = certified_ratio(lower, upper)
    details["certified_lower_bound"] = lower
    details["seed_costs"] = [float(c) for c in cost[order]]
    details.update(_group_counts(cons, order))
    details["slack"] = slack(ratio, value, bound_cov, lower=lower, judged=weight * judged / r2.count, upper=upper,
                             chosen_count=r1.count, weight=weight)
    if lower <= 0:
        details["guarantee"] = "none reached: the sample is too small to certify a positive spread"
    return SeedSet(
        seeds=graph.label_of(order), gains=gains, spread=evaluation, method=method,
        params={"model": model, "eps": eps, "delta": delta, "time_limit": time_limit, "target_ratio": target_ratio,
                "min_samples": min_samples, **label},
        runtime_s=runtime, upper_bound=upper, approx_ratio=ratio, lower_bound=lower,
        cost=float(cost[order].sum()), budget=float(budget), status=status, gap=gap, details=details,
    )


def _fits(core: Any, seconds: float | None) -> bool:
    """Whether the exact model of ``core`` is small enough to build (memory) in the time left."""
    size = int(core.row_members.shape[0]) + core.n_rows
    return size <= MAX_CORE_SIZE and (seconds is None or size * BUILD_S_PER_ENTRY < 0.5 * seconds)


def _quota_members(cons: Constraints, instance: Any, relaxation: Any, budgets: NodeBudgets) -> np.ndarray | None:
    """Variables a heuristic core keeps for the minimum quotas: each needy group's best few."""
    if cons.group_of is None or not cons.quota_min.any():
        return None
    forced = budgets.forced(relaxation.scores)
    group = cons.group_of[instance.candidates]
    keep = np.zeros(instance.candidates.shape[0], dtype=bool)
    for g in np.flatnonzero(cons.quota_min > 0):
        members = np.flatnonzero(group == g)
        best = members[np.argsort(-forced[members], kind="stable")[: 5 * int(cons.quota_min[g]) + 5]]
        keep[best] = True
    return keep


def _gap(bound: float, value: float) -> float | None:
    """Relative distance of ``value`` below ``bound`` (None without a finite bound)."""
    if not math.isfinite(bound):
        return None
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - value) / bound)


def _select_by_score(graph: Graph, model: str, cons: Constraints, method: str, gen: np.random.Generator,
                     n_threads: int, n_evaluation: int | None, start: float, label: dict) -> SeedSet:
    """A heuristic under the budget: best score per cost first (groups below their minimum quota first)."""
    scores = SCORES[method](graph)
    pick = _Picker(cons)
    ratio = scores / np.where(cons.costs > 0, cons.costs, 1e-12)
    for g in pick.needs():
        while pick.count[g] < cons.quota_min[g]:
            v = _best(ratio, pick.feasible() & (cons.group_of == g))
            if v < 0:
                break
            pick.add(v)
    while True:
        v = _best(ratio, pick.feasible())
        if v < 0:
            break
        pick.add(v)
    if not cons.is_feasible(np.asarray(pick.order)):
        raise SeedingError(f"{method} could not meet the minimum quotas within the budget; use method='mip'")
    chosen = pick.order
    runtime = time.perf_counter() - start
    spread = RRSampler(graph, model).estimate(np.asarray(chosen), evaluation_size(n_evaluation),
                                              run_seed=draw_run_seed(gen), n_threads=n_threads)
    return SeedSet(
        seeds=graph.label_of(chosen), gains=[], spread=spread, method=method, params={"model": model, **label},
        runtime_s=runtime, cost=float(cons.costs[chosen].sum()), budget=cons.budget, status="feasible", gap=None,
        details={"scores": [float(scores[v]) for v in chosen], "seed_costs": [float(cons.costs[v]) for v in chosen],
                 **_group_counts(cons, chosen)},
    )


def _group_counts(cons: Constraints, chosen: Sequence[int]) -> dict:
    """``{"group_counts": {group: seeds in it}}`` when there are groups, else nothing."""
    if cons.group_of is None or not cons.group_names:
        return {}
    in_group = cons.group_of[np.asarray(chosen, dtype=np.int64)]
    return {"group_counts": {name: int((in_group == g).sum()) for g, name in enumerate(cons.group_names)}}


def _select_mc(graph, model, cons, gen, n_threads, n_simulations, n_evaluation, start, label) -> SeedSet:
    n_simulations = check_count(n_simulations, "n_simulations")
    run_seed, judge_seed = draw_run_seed(gen), draw_run_seed(gen)
    runs = {}
    evaluations = 0
    for key, ratio in (("cost-benefit", True), ("plain-gain", False)):
        sel, used = cost_celf_mc(graph, model, cons, n_simulations=n_simulations, run_seed=run_seed,
                                 n_threads=n_threads, ratio=ratio)
        runs[key] = sel
        evaluations += used
    single = _Picker(cons)
    ok = single.feasible()
    if ok.any():
        best_v, best_val = -1, -1.0
        for v in np.flatnonzero(ok).tolist():
            val = float(simulate_indices(graph, np.asarray(single.order + [v], np.int32), model=model,
                                         n_simulations=n_simulations, run_seed=run_seed,
                                         n_threads=n_threads).sum())
            if val > best_val:
                best_v, best_val = v, val
        runs["best-single"] = single.order + [best_v]

    def judge(sel: list[int]) -> float:
        return float(simulate_indices(graph, np.asarray(sel, np.int32), model=model,
                                      n_simulations=n_simulations, run_seed=judge_seed,
                                      n_threads=n_threads).mean())

    scores = {k: judge(s) for k, s in runs.items() if s}
    best = max(scores, key=lambda k: scores[k])
    chosen = runs[best]
    runtime = time.perf_counter() - start
    samples = simulate_indices(graph, np.asarray(chosen, np.int32), model=model,
                               n_simulations=n_simulations if n_evaluation is None else n_evaluation,
                               run_seed=draw_run_seed(gen), n_threads=n_threads)
    cost = float(cons.costs[chosen].sum())
    # Marginal gains of the chosen order, on the worlds that chose it (common random numbers).
    totals = [0.0] + [float(simulate_indices(graph, np.asarray(chosen[: i + 1], np.int32), model=model,
                                             n_simulations=n_simulations, run_seed=run_seed,
                                             n_threads=n_threads).mean()) for i in range(len(chosen))]
    return SeedSet(
        seeds=graph.label_of(chosen), gains=list(np.diff(totals)), spread=SpreadEstimate.from_samples(samples, model),
        method="cost-celf-mc", params={"model": model, "n_simulations": n_simulations, **label},
        runtime_s=runtime, cost=cost, budget=cons.budget, status="feasible", gap=None,
        details={"spread_evaluations": evaluations, "greedy_validation": scores, "chosen": best},
    )
