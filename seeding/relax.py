"""Lagrangian bounds on the sample optimum, reduced-cost fixing and the core model.

The coverage model of :mod:`seeding.budget` (``max sum_r w_r y_r + sum_v s_v x_v``
with ``y_r <= sum_{v in r} x_v``) is relaxed by moving every coverage row into the
objective with a multiplier ``0 <= lambda_r <= w_r``:

    L(lambda) = constant + sum_r (w_r - lambda_r) + max_{x in X} sum_v score_v x_v,
    score_v   = s_v + sum_{r : v in r} lambda_r.

For *every* such ``lambda``, ``L(lambda)`` is at least the coverage of every
feasible selection (Fisher 1981), so a bound is valid however far the dual method
got. ``X`` is itself relaxed to what can be maximized exactly in ``O(n log n)``:
for each budget separately (``k`` seeds are a budget of unit costs), the
fractional knapsack of the scores; the smallest of these bounds the rest.
Quotas and must/never lists only shrink ``X``, so the relaxation stays valid.

The multipliers are improved by projected subgradient steps with Polyak step
sizes towards the best known selection (Held, Wolfe, Crowder 1974; Beasley 1993),
on the rows of the shrunk instance (one row per distinct RR set). With the best
multipliers, every node whose forced inclusion bounds the objective below the
best known selection is *fixed out* (reduced-cost fixing): no better selection
contains it, so the exact model only needs the others (the *core*; Caprara,
Fischetti, Toth 1999).

References
----------
M. L. Fisher. The Lagrangian relaxation method for solving integer programming
problems. Management Science 1981. J. E. Beasley. Lagrangian relaxation. In
Modern Heuristic Techniques for Combinatorial Problems, 1993. A. Caprara, M.
Fischetti, P. Toth. A heuristic method for the set covering problem. Operations
Research 1999.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from . import _cover
from .budget import Constraints, ShrunkInstance, merge_rows

__all__ = ["NodeBudgets", "Relaxation", "lagrangian_bound", "sample_bound", "fix_out", "core_instance"]


@dataclasses.dataclass(frozen=True, eq=False)
class NodeBudgets:
    """The budgets of the free variables of a shrunk instance: ``(costs per candidate, capacity)`` each."""

    budgets: list

    @classmethod
    def of(cls, instance: ShrunkInstance, constraints: Constraints) -> NodeBudgets:
        cand = instance.candidates
        out = []
        for _, cost, limit in constraints.budgets():
            capacity = float(limit) - float(cost[constraints.must].sum())
            out.append((np.ascontiguousarray(cost[cand], dtype=np.float64), capacity))
        return cls(out)

    @classmethod
    def count(cls, n_vars: int, k: int) -> NodeBudgets:
        """At most ``k`` of ``n_vars`` variables."""
        return cls([(np.ones(n_vars), float(k))])

    def best(self, scores: np.ndarray) -> tuple[float, np.ndarray]:
        """``max_x scores . x`` under the tightest single-budget knapsack relaxation, and its ``x``."""
        best_value, best_x = math.inf, None
        for cost, capacity in self.budgets:
            value, x = _knapsack(scores, cost, capacity)
            if value < best_value:
                best_value, best_x = value, x
        return best_value, best_x

    def forced(self, scores: np.ndarray) -> np.ndarray:
        """For each variable ``v``, an upper bound on ``max_x scores . x`` with ``x_v = 1``."""
        out = np.full(scores.shape[0], np.inf)
        for cost, capacity in self.budgets:
            out = np.minimum(out, _knapsack_forced(scores, cost, capacity))
        return out


def _order(scores: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items with a positive score by decreasing score/cost: (items, prefix cost, prefix score)."""
    items = np.flatnonzero(scores > 0)
    cost_i = cost[items]
    free = cost_i <= 0
    ratio = np.where(free, np.inf, scores[items] / np.where(free, 1.0, cost_i))
    items = items[np.argsort(-ratio, kind="stable")]
    return items, np.cumsum(cost[items]), np.cumsum(scores[items])


def _knapsack(scores: np.ndarray, cost: np.ndarray, capacity: float) -> tuple[float, np.ndarray]:
    x = np.zeros(scores.shape[0])
    if capacity < 0:
        return -math.inf, x
    items, fill, gain = _order(scores, cost)
    whole = int(np.searchsorted(fill, capacity * (1 + 1e-12), side="right"))
    x[items[:whole]] = 1.0
    value = float(gain[whole - 1]) if whole else 0.0
    if whole < items.shape[0]:
        room = capacity - (float(fill[whole - 1]) if whole else 0.0)
        part = min(1.0, max(0.0, room / cost[items[whole]]))
        x[items[whole]] = part
        value += part * float(scores[items[whole]])
    return value, x


def _knapsack_forced(scores: np.ndarray, cost: np.ndarray, capacity: float) -> np.ndarray:
    """``scores[v] + knapsack(capacity - cost[v])`` over all items (v may count twice: still a bound)."""
    items, fill, gain = _order(scores, cost)
    room = capacity - cost
    out = np.full(scores.shape[0], -np.inf)
    ok = room >= -1e-12 * max(abs(capacity), 1.0)
    room = np.maximum(room[ok], 0.0)
    if items.shape[0] == 0:
        out[ok] = scores[ok]
        return out
    whole = np.searchsorted(fill, room * (1 + 1e-12), side="right")
    value = np.where(whole > 0, gain[np.maximum(whole - 1, 0)], 0.0)
    nxt = np.minimum(whole, items.shape[0] - 1)
    left = room - np.where(whole > 0, fill[np.maximum(whole - 1, 0)], 0.0)
    c_next = cost[items[nxt]]
    part = np.where(c_next > 0, np.clip(left / np.where(c_next > 0, c_next, 1.0), 0.0, 1.0), 1.0)
    value += np.where(whole < items.shape[0], part * scores[items[nxt]], 0.0)
    out[ok] = scores[ok] + value
    return out


@dataclasses.dataclass
class Relaxation:
    """The best Lagrangian bound found.

    Attributes
    ----------
    bound : float
        Upper bound on the coverage (constant included) of every feasible selection.
    multipliers : ndarray
        The multipliers that gave it, one per row.
    scores : ndarray
        Node scores at those multipliers.
    row_part : float
        ``constant + sum_r (w_r - lambda_r)`` at those multipliers.
    incumbent : float
        Coverage of the best feasible selection known (given or found on the way).
    selection : ndarray
        Its variable indices.
    iterations : int
    history : list of float
        The bound after each iteration.
    """

    bound: float
    multipliers: np.ndarray
    scores: np.ndarray
    row_part: float
    incumbent: float
    selection: np.ndarray
    iterations: int
    history: list


def lagrangian_bound(
    instance: ShrunkInstance,
    budgets: NodeBudgets,
    *,
    incumbent: np.ndarray,
    feasible: Callable[[np.ndarray], bool] | None = None,
    max_iterations: int = 300,
    time_limit: float | None = None,
    tolerance: float = 1e-4,
    n_threads: int = 1,
    start: Relaxation | None = None,
) -> Relaxation:
    """Minimize ``L(lambda)`` by projected subgradient steps; every iterate is a valid bound.

    Parameters
    ----------
    instance : ShrunkInstance
    budgets : NodeBudgets
        The knapsack relaxations of the selection constraints.
    incumbent : ndarray of int
        Variable indices of a feasible selection: the Polyak target and the
        reference for fixing.
    feasible : callable(variable indices) -> bool, optional
        Checks a selection built from the relaxed solution (a Lagrangian
        heuristic); better feasible ones replace the incumbent.
    max_iterations, time_limit : stop after this many steps or seconds.
    tolerance : float
        Stop once ``bound <= incumbent * (1 + tolerance)``.
    start : Relaxation, optional
        Warm start from earlier multipliers of the same instance.
    """
    t0 = time.perf_counter()
    members, offsets, w = instance.row_members, instance.row_offsets, instance.row_weights
    n_vars = instance.candidates.shape[0]
    best_sel = np.asarray(incumbent, dtype=np.int64)
    best_low = instance.coverage(best_sel)
    if start is not None and start.incumbent > best_low:
        best_sel, best_low = start.selection, start.incumbent
    # Start from lambda = w (the bound "best nodes by their own coverage") unless warm.
    lam = start.multipliers.copy() if start is not None else w.astype(np.float64, copy=True)
    best = Relaxation(math.inf, lam.copy(), np.zeros(n_vars), 0.0, best_low, best_sel, 0, [])
    mu, stall = 2.0, 0
    w_total = float(w.sum())
    g = np.zeros(w.shape[0])
    scores = instance.singleton.copy()
    lam_sum = float(lam.sum())
    _cover.scatter_rows(members, offsets, lam, scores)
    for it in range(max_iterations):
        value, x = budgets.best(scores)
        row_part = instance.constant + w_total - lam_sum
        bound = row_part + value
        best.history.append(bound)
        if bound < best.bound:
            improved = best.bound - bound > 1e-6 * max(1.0, abs(bound))
            best.bound, best.multipliers, best.scores, best.row_part = bound, lam.copy(), scores.copy(), row_part
            stall = 0 if improved else stall + 1
        else:
            stall += 1
        best.iterations = it + 1
        if feasible is not None and it % 5 == 0:
            chosen = np.flatnonzero(x >= 1.0 - 1e-9)
            if chosen.size:
                value_x = instance.coverage(chosen)
                if value_x > best.incumbent and feasible(chosen):
                    best.incumbent, best.selection = value_x, chosen
        if best.bound <= best.incumbent * (1 + tolerance) + 1e-9:
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
        if stall >= 10:
            mu, stall = mu / 2.0, 0
            if mu < 1e-4:
                break
        norm2 = _cover.row_subgradient(members, offsets, w, lam, x, g, n_threads)
        if norm2 <= 0.0:
            break  # lambda is optimal for the relaxation
        step = mu * max(bound - best.incumbent, 1e-9 * max(1.0, bound)) / norm2
        scores = instance.singleton.copy()
        lam_sum = _cover.row_step(members, offsets, w, lam, g, step, scores)
    return best


def fix_out(relaxation: Relaxation, budgets: NodeBudgets) -> np.ndarray:
    """Variables that no selection better than the incumbent contains (boolean mask)."""
    forced = relaxation.row_part + budgets.forced(relaxation.scores)
    out = forced < relaxation.incumbent - 1e-9 * max(1.0, relaxation.incumbent)
    out[relaxation.selection] = False
    return out


def core_instance(instance: ShrunkInstance, fixed_out: np.ndarray) -> tuple[ShrunkInstance, np.ndarray]:
    """The instance over the variables not fixed out, and the map from its variables to the old ones.

    Rows lose their fixed-out members; rows left with one member fold into that
    variable's coefficient, rows left with none are dropped (no improving
    selection covers them), identical rows merge.
    """
    keep_var = ~fixed_out
    new_of = np.full(keep_var.shape[0], -1, np.int32)
    kept_vars = np.flatnonzero(keep_var)
    new_of[kept_vars] = np.arange(kept_vars.shape[0], dtype=np.int32)
    members, offsets, w = instance.row_members, instance.row_offsets, instance.row_weights
    mapped = new_of[members]
    alive = mapped >= 0
    sizes = np.diff(offsets)
    left = np.zeros(sizes.shape[0], np.int64)
    if members.size:
        left = np.add.reduceat(alive, offsets[:-1], dtype=np.int64) * (sizes > 0)
    row_of = np.repeat(np.arange(sizes.shape[0]), sizes)
    singleton = instance.singleton[kept_vars].copy()
    one = alive & (left[row_of] == 1)
    np.add.at(singleton, mapped[one], w[row_of[one]])
    multi = alive & (left[row_of] >= 2)
    new_members = mapped[multi]
    rows = np.flatnonzero(left >= 2)
    new_offsets = np.zeros(rows.shape[0] + 1, np.int64)
    np.cumsum(left[rows], out=new_offsets[1:])
    new_members, new_offsets, new_w = merge_rows(new_members, new_offsets, w[rows])
    stats = dict(instance.stats)
    stats.update(core_vars=int(kept_vars.shape[0]), core_rows=int(new_w.shape[0]),
                 core_entries=int(new_members.shape[0]))
    core = ShrunkInstance(instance.candidates[kept_vars], new_members, new_offsets, new_w, singleton,
                          instance.constant, stats)
    return core, kept_vars


def sample_bound(
    instance: ShrunkInstance,
    constraints: Constraints,
    incumbent_nodes: np.ndarray,
    *,
    time_limit: float | None,
    tolerance: float = 1e-3,
    max_iterations: int = 1000,
    n_threads: int = 1,
    feasible: Callable[[np.ndarray], bool] | None = None,
) -> Relaxation:
    """The Lagrangian bound on a shrunk sample, started from a feasible selection of graph nodes."""
    budgets = NodeBudgets.of(instance, constraints)
    var = np.flatnonzero(np.isin(instance.candidates, np.asarray(incumbent_nodes, dtype=np.int64)))
    return lagrangian_bound(instance, budgets, incumbent=var, feasible=feasible, time_limit=time_limit,
                            tolerance=tolerance, max_iterations=max_iterations, n_threads=n_threads)
