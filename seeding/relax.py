"""Lagrangian bounds on the sample optimum, reduced-cost fixing and the core model.

The coverage model of :mod:`seeding.coverage_model` (``max sum_r w_r y_r + sum_v s_v x_v``
with ``y_r <= sum_{v in r} x_v``) is relaxed by moving every coverage row into the
objective with a multiplier ``0 <= lambda_r <= w_r``:

    L(lambda) = constant + sum_r (w_r - lambda_r) + max_{x in X} sum_v score_v x_v,
    score_v   = s_v + sum_{r : v in r} lambda_r.

For *every* such ``lambda``, ``L(lambda)`` is at least the coverage of every
feasible selection (Fisher 1981), so a bound is valid however far the dual method
got. ``X`` is itself relaxed to what can be maximized exactly and fast: for each
budget separately (``k`` seeds are a budget of unit costs; every budget also
limits the number of nodes to as many of its cheapest as fit), a knapsack of the
scores: 0/1 by dynamic programming over costs rounded down when few nodes have a
positive score, else fractional; the smallest of these bounds the rest.
Quotas and must/never lists only shrink ``X``, so the relaxation stays valid.

The multipliers are improved by projected subgradient steps with Polyak step
sizes towards the best known selection (Held, Wolfe, Crowder 1974; Beasley 1993);
the step factor halves after a step that raised the bound (it overshot: without
this the iterates zigzag, improving every other step, and the factor stays
large), down to a floor, and after a few steps without improvement, fewer when
fewer steps are allowed (a short run settles early, a long one goes further),
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
import functools
import math
import time
from collections.abc import Callable

import numpy as np

from . import _cover
from .coverage_model import Constraints, ShrunkInstance, merge_rows

__all__ = [
    "NodeBudgets", "Relaxation", "lagrangian_bound", "sample_bound", "fix_out", "core_instance", "heuristic_core",
]


@dataclasses.dataclass(frozen=True, eq=False)
class NodeBudgets:
    """The budgets of the free variables of a shrunk instance: ``(costs per candidate, capacity)`` each."""

    budgets: list

    @classmethod
    def of(cls, instance: ShrunkInstance, constraints: Constraints) -> NodeBudgets:
        cand = instance.candidates
        out = []
        most = cand.shape[0]
        for _, cost, limit in constraints.budgets():
            capacity = float(limit) - float(cost[constraints.must].sum())
            c = np.ascontiguousarray(cost[cand], dtype=np.float64)
            out.append((c, capacity))
            # A budget also caps how many nodes fit: as many as its cheapest ones. That
            # count limit is integral, so its relaxation (the best m scores) is exact.
            if c.shape[0] and c[0] == 1.0 and (c == 1.0).all():  # a count: the sums are whole numbers
                most = min(most, max(0, math.floor(capacity * (1 + 1e-12))))
                continue
            fill = np.cumsum(np.sort(c))
            most = min(most, int(np.searchsorted(fill, capacity * (1 + 1e-12), side="right")))
        if most < cand.shape[0] and not any((c == 1.0).all() and cap == most for c, cap in out):
            out.append((np.ones(cand.shape[0]), float(most)))
        return cls(out)

    @classmethod
    def count(cls, n_vars: int, k: int) -> NodeBudgets:
        """At most ``k`` of ``n_vars`` variables."""
        return cls([(np.ones(n_vars), float(k))])

    @functools.cached_property
    def _counts(self) -> list[int | None]:
        """Per budget, how many variables it admits when its costs are equal and positive (its knapsack is
        then the best that many scores, exactly); None otherwise."""
        return [math.floor(capacity / float(cost[0]) * (1 + 1e-12))
                if capacity >= 0 and cost.shape[0] and cost[0] > 0 and (cost == cost[0]).all() else None
                for cost, capacity in self.budgets]

    @property
    def integral(self) -> bool:
        """Whether :meth:`best` always selects whole variables (every budget's costs are equal)."""
        return all(count is not None for count in self._counts)

    def best(self, scores: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``max_x scores . x`` under the tightest single-budget knapsack relaxation, its ``x``, and the
        indices where ``x > 0``."""
        best_value, best_x, best_on = math.inf, None, None
        for (cost, capacity), count in zip(self.budgets, self._counts, strict=True):
            if count is not None:
                value, x, on = _top(scores, count)
            else:
                grid = _dp_grid(scores, cost, capacity)
                value, x = _knapsack_dp(scores, cost, capacity, grid) if grid else _knapsack(scores, cost, capacity)
                on = None
            if value < best_value:
                best_value, best_x, best_on = value, x, on
        return best_value, best_x, np.flatnonzero(best_x) if best_on is None else best_on

    def forced(self, scores: np.ndarray) -> np.ndarray:
        """For each variable ``v``, an upper bound on ``max_x scores . x`` with ``x_v = 1``."""
        out = np.full(scores.shape[0], np.inf)
        for cost, capacity in self.budgets:
            grid = _dp_grid(scores, cost, capacity)
            forced = _knapsack_dp_forced(scores, cost, capacity, grid) if grid else \
                _knapsack_forced(scores, cost, capacity)
            out = np.minimum(out, forced)
        return out


STEP_FACTOR = 3.0  # the Polyak step factor at the start
OVERSHOT_FLOOR = 0.25  # a step that raised the bound halves the factor down to this; stalls halve it further
DP_WORK = 2_000_000  # largest items x grid for an exact 0/1 knapsack by dynamic programming
DP_GRID = 2000  # capacity steps of that knapsack


def _dp_grid(scores: np.ndarray, cost: np.ndarray, capacity: float) -> int:
    """Capacity steps for an exact 0/1 knapsack over the positive scores, or 0 when too costly
    (or needless: with equal costs the fractional knapsack is exact at integral capacities)."""
    if capacity <= 0 or not cost.shape[0] or (cost <= 0).any() or (cost == cost[0]).all():
        return 0
    items = int((scores > 0).sum())
    grid = min(DP_GRID, DP_WORK // max(items, 1))
    return grid if grid >= 200 else 0


def _dp_table(scores: np.ndarray, cost: np.ndarray, capacity: float, grid: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """0/1 knapsack with costs rounded *down* to ``capacity / grid`` steps (a relaxation).

    Returns (items, their step costs, best value per capacity step, take table).
    """
    items = np.flatnonzero(scores > 0)
    steps = np.floor(cost[items] * grid / capacity + 1e-9).astype(np.int64)
    best = np.zeros(grid + 1)
    take = np.zeros((items.shape[0], grid + 1), dtype=bool)
    for i, (c, value) in enumerate(zip(steps.tolist(), scores[items].tolist(), strict=True)):
        if c > grid:
            continue
        if c == 0:
            best += value
            take[i] = True
            continue
        cand = best[:-c] + value
        better = cand > best[c:]
        take[i, c:] = better
        best[c:] = np.where(better, cand, best[c:])
    return items, steps, best, take


def _knapsack_dp(scores: np.ndarray, cost: np.ndarray, capacity: float, grid: int) -> tuple[float, np.ndarray]:
    items, steps, best, take = _dp_table(scores, cost, capacity, grid)
    x = np.zeros(scores.shape[0])
    room = grid
    for i in range(items.shape[0] - 1, -1, -1):
        if take[i, room]:
            x[items[i]] = 1.0
            room -= int(steps[i])
    return float(best[grid]), x


def _knapsack_dp_forced(scores: np.ndarray, cost: np.ndarray, capacity: float, grid: int) -> np.ndarray:
    _, _, best, _ = _dp_table(scores, cost, capacity, grid)
    steps = np.floor(cost * grid / capacity + 1e-9).astype(np.int64)
    out = np.full(scores.shape[0], -np.inf)
    ok = steps <= grid
    out[ok] = scores[ok] + best[grid - steps[ok]]
    return out


def _order(scores: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items with a positive score by decreasing score/cost: (items, prefix cost, prefix score)."""
    items = np.flatnonzero(scores > 0)
    cost_i = cost[items]
    free = cost_i <= 0
    ratio = np.where(free, np.inf, scores[items] / np.where(free, 1.0, cost_i))
    items = items[np.argsort(-ratio, kind="stable")]
    return items, np.cumsum(cost[items]), np.cumsum(scores[items])


def _top(scores: np.ndarray, count: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The 0/1 knapsack with equal costs, solved exactly: the best ``count`` positive scores (their sum,
    ``x``, and their indices)."""
    x = np.zeros(scores.shape[0])
    total, best = _cover.top_k(np.ascontiguousarray(scores, dtype=np.float64), count)
    x[best] = 1.0
    return total, x, best


def _knapsack(scores: np.ndarray, cost: np.ndarray, capacity: float) -> tuple[float, np.ndarray]:
    x = np.zeros(scores.shape[0])
    if capacity < 0:
        return -math.inf, x
    if cost.shape[0] and cost[0] > 0 and (cost == cost[0]).all():
        return _top(scores, math.floor(capacity / float(cost[0]) * (1 + 1e-12)))[:2]
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
    # Through the rows of each variable, a step costs the rows of the chosen variables and
    # those below their cap, and scores are updated by the multipliers that move.
    var_offsets, var_rows = instance.var_rows
    best_sel = np.asarray(incumbent, dtype=np.int64)
    best_low = instance.coverage(best_sel)
    if start is not None and start.incumbent > best_low:
        best_sel, best_low = start.selection, start.incumbent
    # Start from lambda = w (the bound "best nodes by their own coverage") unless warm.
    lam = start.multipliers.copy() if start is not None else w.astype(np.float64, copy=True)
    best = Relaxation(math.inf, lam.copy(), np.zeros(n_vars), 0.0, best_low, best_sel, 0, [])
    mu, stall, last = STEP_FACTOR, 0, math.inf
    patience = min(10, max(3, max_iterations // 10))  # non-improving steps before mu halves
    w_total = float(w.sum())
    lam_sum = float(lam.sum())
    scores = _cover.gather_rows(var_offsets, var_rows, lam, instance.singleton, instance.n_threads)
    steps = _cover.SparseSteps(members, offsets, var_offsets, var_rows, w, lam)
    integral = budgets.integral  # 0/1 selections: the steps keep each row's count of chosen members
    tried: set[bytes] = set()
    for it in range(max_iterations):
        value, x, on = budgets.best(scores)
        row_part = instance.constant + w_total - lam_sum
        bound = row_part + value
        best.history.append(bound)
        if bound > last and mu > OVERSHOT_FLOOR:  # the last step overshot: shorter ones, down to the floor
            mu = max(mu / 2.0, OVERSHOT_FLOOR)
        last = bound
        if bound < best.bound:
            improved = best.bound - bound > 1e-6 * max(1.0, abs(bound))
            steps.sync(best.multipliers)  # the rows changed since (its scores are computed afresh at the end)
            best.bound, best.row_part = bound, row_part
            stall = 0 if improved else stall + 1
        else:
            stall += 1
        best.iterations = it + 1
        if feasible is not None:  # a Lagrangian heuristic: the relaxed solution, when it is new
            chosen = np.flatnonzero(x >= 1.0 - 1e-9)
            key = chosen.tobytes()
            if chosen.size and key not in tried:
                tried.add(key)
                value_x = instance.coverage(chosen)
                if value_x > best.incumbent and feasible(chosen):
                    best.incumbent, best.selection = value_x, chosen
        if best.bound <= best.incumbent * (1 + tolerance) + 1e-9:
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
        if stall >= patience:
            mu, stall = mu / 2.0, 0
            if mu < 1e-4:
                break
        norm2 = steps.subgradient_chosen(on) if integral else steps.subgradient(on, x)
        if norm2 <= 0.0:
            break  # lambda is optimal for the relaxation
        lam_sum += steps.step(mu * max(bound - best.incumbent, 1e-9 * max(1.0, bound)) / norm2, scores)
    # The bound reported is recomputed from its multipliers (the updated scores may carry
    # rounding from many small steps).
    best.scores = _cover.gather_rows(var_offsets, var_rows, best.multipliers, instance.singleton, instance.n_threads)
    best.row_part = instance.constant + w_total - float(best.multipliers.sum())
    best.bound = best.row_part + budgets.best(best.scores)[0]
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
    feasible: Callable[[np.ndarray], bool] | None = None,
) -> Relaxation:
    """The Lagrangian bound on a shrunk sample, started from a feasible selection of graph nodes."""
    budgets = NodeBudgets.of(instance, constraints)
    var = instance.variables_of(incumbent_nodes)
    return lagrangian_bound(instance, budgets, incumbent=var, feasible=feasible, time_limit=time_limit,
                            tolerance=tolerance, max_iterations=max_iterations)


def heuristic_core(relaxation: Relaxation, budgets: NodeBudgets, size: int,
                   extra: np.ndarray | None = None) -> np.ndarray:
    """A mask of the ``size`` variables whose forced inclusion bounds are highest, plus the incumbent's.

    The complement is *not* proven useless (unlike :func:`fix_out`): a model on these
    variables searches for better selections near the relaxation's optimum, and its
    own bound holds for that core only.
    """
    forced = budgets.forced(relaxation.scores)
    keep = np.zeros(forced.shape[0], dtype=bool)
    keep[np.argsort(-forced, kind="stable")[:size]] = True
    keep[relaxation.selection] = True
    if extra is not None:
        keep |= extra
    return keep
