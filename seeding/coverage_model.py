"""The OR-Tools selection model: budgeted maximum coverage of RR sets with side constraints.

Each RR set stands for one unit of spread; a selection covers it if it seeds one
of its nodes. The model

    maximize    sum_r w_r y_r + sum_v s_v x_v
    subject to  y_r <= sum_{v in r} x_v            (every kept set r)
                sum_v c_v x_v <= B                 (the budget, and each extra budget)
                lo_g <= sum_{v in g} x_v <= hi_g   (group quotas)
                x_v in {0, 1}, y_r in [0, 1]

is built by :func:`build_model` on a *shrunk* instance (:func:`shrink`): only
nodes that occur in sets, identical sets merged into one weighted row, sets of a
single candidate folded into that node's objective coefficient ``s_v``, sets
already covered by must-seed nodes counted as a constant, never-seed nodes
removed. :func:`solve_model` solves it with SCIP (MIP), CP-SAT or GLOP (the LP
relaxation, whose optimum bounds every selection).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _cover, _edges, _kernels
from ._interrupt import Abandoned, solve_interruptibly
from .errors import InfeasibleError, SeedingError
from .graph import Graph
from .rrsets import RRSets

__all__ = ["Constraints", "ShrunkInstance", "SolveOutcome", "shrink", "build_model", "solve_model"]

BACKENDS = ("mip", "cp-sat", "lp")
CP_SAT_COST_SCALE = 10_000


@dataclasses.dataclass(frozen=True, eq=False)
class Constraints:
    """Validated constraints of a budgeted selection, by node index.

    Attributes
    ----------
    costs : ndarray (n,)
        Cost of each node.
    budget : float
    must, never : ndarray of int32
        Nodes that must / must not be seeded.
    group_of : ndarray of int32 (n,) or None
        Group index of each node (-1: no group).
    group_names : list of str
    quota_min, quota_max : ndarray of int64, one per group
    extra : list of (name, costs (n,), limit)
        Further budgets, e.g. ``("seeds", ones, 20)`` for a count limit.
    """

    costs: np.ndarray
    budget: float
    must: np.ndarray
    never: np.ndarray
    group_of: np.ndarray | None = None
    group_names: list = dataclasses.field(default_factory=list)
    quota_min: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    quota_max: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    extra: list = dataclasses.field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.costs.shape[0])

    @property
    def allowed(self) -> np.ndarray:
        """Nodes that may be chosen freely: not never-seed, not already must-seed, and affordable.

        A node that costs more than what the must-seed nodes leave of any budget is
        in no feasible selection, so no model or bound needs to consider it.
        """
        mask = np.ones(self.n, dtype=bool)
        mask[self.never] = False
        mask[self.must] = False
        for _, cost, limit in self.budgets():
            left = limit * (1 + 1e-9) - float(cost[self.must].sum())
            mask &= cost <= left
        return mask

    def budgets(self) -> list[tuple[str, np.ndarray, float]]:
        """All budgets, the main one first: (name, costs, limit)."""
        return [("budget", self.costs, self.budget), *self.extra]

    def is_feasible(self, selection: np.ndarray) -> bool:
        """Whether a selection (node indices, must-seed nodes included) meets every constraint."""
        sel = np.unique(np.asarray(selection, dtype=np.int64))
        if not np.isin(self.must, sel).all() or np.isin(self.never, sel).any():
            return False
        for _, cost, limit in self.budgets():
            if cost[sel].sum() > limit * (1 + 1e-9):  # relative: costs of 1e-300 are costs too
                return False
        if self.group_of is not None and self.group_names:
            counts = np.bincount(self.group_of[sel][self.group_of[sel] >= 0], minlength=len(self.group_names))
            if (counts < self.quota_min).any() or (counts > self.quota_max).any():
                return False
        return True

    @classmethod
    def build(
        cls,
        graph: Graph,
        costs: np.ndarray,
        budget: float,
        *,
        must: Sequence[Any] = (),
        never: Sequence[Any] = (),
        groups: Mapping[Any, Any] | None = None,
        quotas: Mapping[str, tuple[int | None, int | None]] | None = None,
        extra_budgets: Sequence[tuple[str, np.ndarray, float]] = (),
    ) -> Constraints:
        """Validate user constraints and check the ones that make the problem infeasible.

        Raises
        ------
        SeedingError
            For malformed inputs (unknown labels or groups, bad quotas).
        InfeasibleError
            When the constraints cannot all be met; the message names which.
        """
        numeric = isinstance(budget, (int, float, np.number)) and not isinstance(budget, bool)
        if not numeric or not math.isfinite(budget) or budget <= 0:
            raise SeedingError(f"budget must be a positive number; got {budget!r}", parameter="budget")
        must_idx = np.unique(graph.index_of(must)) if len(must) else np.zeros(0, np.int32)
        never_idx = np.unique(graph.index_of(never)) if len(never) else np.zeros(0, np.int32)
        both = np.intersect1d(must_idx, never_idx)
        if both.size:
            raise InfeasibleError(f"node {graph.labels[both[0]].item()!r} is both must-seed and never-seed")

        group_of, names = None, []
        qmin = np.zeros(0, np.int64)
        qmax = np.zeros(0, np.int64)
        if quotas and not groups:
            raise SeedingError("quotas need groups: give a label -> group mapping (--groups FILE)")
        if groups:
            names = sorted({str(g) for g in groups.values()})
            code = {name: i for i, name in enumerate(names)}
            group_of = np.full(graph.n, -1, dtype=np.int32)
            group_of[graph.index_of(groups.keys())] = [code[str(g)] for g in groups.values()]
            qmin = np.zeros(len(names), np.int64)
            qmax = np.full(len(names), graph.n, np.int64)
            for name, (lo, hi) in (quotas or {}).items():
                if str(name) not in code:
                    raise SeedingError(f"quota for unknown group {name!r}; groups are {', '.join(names[:10])}")
                lo = 0 if lo is None else int(lo)
                hi = graph.n if hi is None else int(hi)
                if lo < 0 or hi < lo:
                    raise SeedingError(f"quota of group {name!r} must be 0 <= MIN <= MAX; got {lo}:{hi}")
                qmin[code[str(name)]], qmax[code[str(name)]] = lo, hi

        out = cls(
            costs=costs, budget=float(budget), must=must_idx.astype(np.int32),
            never=never_idx.astype(np.int32), group_of=group_of, group_names=names,
            quota_min=qmin, quota_max=qmax, extra=list(extra_budgets),
        )
        out._check_infeasible()
        return out

    def _check_infeasible(self) -> None:
        for name, cost, limit in self.budgets():
            spent = float(cost[self.must].sum())
            if spent > limit * (1 + 1e-9):
                raise InfeasibleError(
                    f"must-seed nodes cost {spent:g} in total, over the {name} of {limit:g}"
                )
        free = np.ones(self.n, dtype=bool)
        free[self.never] = False
        if not self.must.size and not free.any():
            raise InfeasibleError(f"all {self.n} nodes are never-seed: there is no node left to choose")
        if not self.must.size:
            cheapest = float(self.costs[free].min()) if free.any() else math.inf
            if cheapest > self.budget:
                raise InfeasibleError(f"budget {self.budget:g} is below the cheapest node's cost {cheapest:g}")
        if self.group_of is None:
            return
        allowed = self.allowed
        spent = float(self.costs[self.must].sum())
        for g, name in enumerate(self.group_names):
            in_group = self.group_of == g
            have = int(in_group[self.must].sum())
            if have > self.quota_max[g]:
                raise InfeasibleError(
                    f"{have} must-seed nodes are in group {name!r}, over its maximum of {int(self.quota_max[g])}"
                )
            need = int(self.quota_min[g]) - have
            if need > 0:
                pool = np.sort(self.costs[in_group & allowed])
                if pool.size < need:
                    raise InfeasibleError(
                        f"group {name!r} needs {int(self.quota_min[g])} seeds but only "
                        f"{pool.size + have} of its nodes may be seeded"
                    )
                spent += float(pool[:need].sum())
        if spent > self.budget * (1 + 1e-9):
            raise InfeasibleError(
                f"the minimum group quotas cost at least {spent:g}, over the budget of {self.budget:g}"
            )


@dataclasses.dataclass(frozen=True, eq=False)
class ShrunkInstance:
    """The coverage model after shrinking.

    Attributes
    ----------
    candidates : ndarray of int32
        Graph nodes that are model variables, in variable order.
    row_members, row_offsets : ndarray
        Rows (merged multi-candidate RR sets) as variable indices, back to back.
    row_weights : ndarray of float64
    singleton : ndarray of float64
        Objective coefficient of each candidate (sets it alone can cover).
    constant : float
        Weight of the sets covered by must-seed nodes.
    stats : dict
        Sizes before and after shrinking.
    n_threads : int
        Threads that build :attr:`var_rows` (the same arrays on any number).
    """

    candidates: np.ndarray
    row_members: np.ndarray
    row_offsets: np.ndarray
    row_weights: np.ndarray
    singleton: np.ndarray
    constant: float
    stats: dict
    n_threads: int = 1

    @property
    def n_rows(self) -> int:
        return int(self.row_offsets.shape[0] - 1)

    @property
    def total_weight(self) -> float:
        """Weight of all sets: a trivial bound on any objective."""
        return self.constant + float(self.row_weights.sum()) + float(self.singleton.sum())

    @functools.cached_property
    def var_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows of every variable, CSR by variable: ``(var_offsets, var_rows)``."""
        return _kernels.inverted_index(self.row_members, self.row_offsets, self.candidates.shape[0], self.n_threads)

    def coverage(self, chosen: np.ndarray) -> float:
        """Objective value (covered weight, constant included) of chosen variable indices.

        Once :attr:`var_rows` is built, only the chosen variables' rows are read.
        """
        x = np.zeros(self.candidates.shape[0], dtype=np.uint8)
        x[chosen] = 1
        value = self.constant + float(self.singleton[x.view(bool)].sum())
        if self.n_rows:
            if "var_rows" in self.__dict__:  # the cached index
                hit = _cover.rows_hit_by(*self.var_rows, np.flatnonzero(x), self.n_rows)
            else:
                hit = _cover.rows_hit(self.row_members, self.row_offsets, x)
            value += float(self.row_weights[hit.view(bool)].sum())
        return value

    def variables_of(self, nodes: np.ndarray) -> np.ndarray:
        """The variable indices (int64, ascending) of those graph ``nodes`` that are candidates."""
        nodes = np.asarray(nodes, dtype=np.int64).ravel()
        at = np.searchsorted(self.candidates, nodes)  # the candidates are in ascending order
        inside = at < self.candidates.shape[0]
        at, nodes = at[inside], nodes[inside]
        mark = np.zeros(self.candidates.shape[0], dtype=bool)  # not np.unique: its first call imports numpy.ma
        mark[at[self.candidates[at] == nodes]] = True
        return np.flatnonzero(mark)


def merge_rows(members: np.ndarray, offsets: np.ndarray, weights: np.ndarray | None = None,
               hashes: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge rows with the same members (in any order) into one row whose weight is their total.

    Returns ``(members, offsets, weights)`` of the distinct rows. ``hashes`` are the rows'
    :func:`~seeding._cover.row_hashes` when already known.
    """
    n_rows = offsets.shape[0] - 1
    if weights is None:
        weights = np.ones(n_rows)
    if n_rows == 0:
        return members, offsets, np.asarray(weights, dtype=np.float64)
    h1, h2 = _cover.row_hashes(members, offsets) if hashes is None else hashes
    return _cover.merge_equal_rows(members, offsets, np.ascontiguousarray(weights, dtype=np.float64), h1, h2)


def shrink(sets: RRSets, constraints: Constraints, n_threads: int = 1,
           stop: Callable[[], bool] | None = None) -> ShrunkInstance:
    """Reduce RR sets to the smallest equivalent coverage model (see the module docstring); the same model on
    any number of threads. ``stop`` is asked between the stages: when it says so, :class:`Abandoned` is
    raised (work started on speculation that turned out not to be needed)."""
    n = sets.n
    is_must = np.zeros(n, dtype=bool)
    is_must[constraints.must] = True
    covered = np.zeros(sets.count, dtype=bool)
    if constraints.must.size and sets.count:
        covered = _cover.rows_hit(sets.nodes, sets.offsets, is_must.view(np.uint8)).view(bool)
    constant = float(covered.sum())

    # Candidates: allowed nodes in some set left, plus members of groups with a minimum quota.
    left = sets.nodes if not constant else sets.nodes[~np.repeat(covered, np.diff(sets.offsets))]
    used = np.zeros(n, dtype=np.uint8)
    _edges.mark_ids(left, 0, used)
    used = used.view(bool)
    used &= constraints.allowed
    if constraints.group_of is not None:
        needy = np.flatnonzero(constraints.quota_min > 0)
        used |= np.isin(constraints.group_of, needy) & constraints.allowed
    candidates = np.flatnonzero(used).astype(np.int32)
    var_of = np.full(n, -1, dtype=np.int32)
    var_of[candidates] = np.arange(candidates.shape[0], dtype=np.int32)

    if stop is not None and stop():
        raise Abandoned
    singleton, members, offsets, h1, h2 = _cover.kept_rows(
        sets.nodes, sets.offsets, var_of, covered.view(np.uint8), candidates.shape[0], n_threads)
    if stop is not None and stop():
        raise Abandoned
    row_members, row_offsets, row_weights = merge_rows(members, offsets, hashes=(h1, h2))
    stats = {
        "rr_sets": sets.count,
        "nodes_in_sets_or_quota_groups": int(candidates.shape[0]),
        "nodes": n,
        "rows": int(row_weights.shape[0]),
        "row_entries": int(row_members.shape[0]),
        "singleton_sets": int(singleton.sum()),
        "covered_by_must": int(constant),
        "entries_before": int(sets.nodes.shape[0]),
    }
    return ShrunkInstance(candidates, row_members, row_offsets, row_weights, singleton, constant, stats, n_threads)


@dataclasses.dataclass
class Model:
    """A built model: the backend's solver/model object and its variables."""

    backend: str
    solver: Any
    x: list
    y: list


def _well_scaled(budgets: list[tuple[str, np.ndarray, float]]) -> list[tuple[str, np.ndarray, float]]:
    """Budget rows whose limit is far from 1 (costs of 1e300, or 1e-300) rescaled by a power of two.

    The solvers treat coefficients of 1e20 and more as infinite and CP-SAT needs
    integer coefficients; a power of two rescales exactly, so the feasible
    selections stay the same. Candidates never cost more than the limit (see
    :attr:`Constraints.allowed`), so every coefficient ends up in range too.
    """
    out = []
    for name, cost, limit in budgets:
        if limit > 0 and not 2.0**-20 <= limit <= 2.0**30:
            factor = 2.0 ** (20 - math.frexp(limit)[1])
            cost, limit = cost * factor, limit * factor
        out.append((name, cost, limit))
    return out


def build_model(instance: ShrunkInstance, constraints: Constraints, backend: str = "mip") -> Model:
    """Build the coverage model for ``backend`` ("mip": SCIP, "cp-sat", or "lp": GLOP)."""
    if backend not in BACKENDS:
        raise SeedingError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    cand = instance.candidates
    budgets = [(name, cost[cand], limit - float(cost[constraints.must].sum()))
               for name, cost, limit in constraints.budgets()]
    groups = []
    if constraints.group_of is not None:
        gof = constraints.group_of[cand]
        for g in range(len(constraints.group_names)):
            have = int((constraints.group_of[constraints.must] == g).sum())
            lo = max(0, int(constraints.quota_min[g]) - have)
            hi = int(constraints.quota_max[g]) - have
            members = np.flatnonzero(gof == g)
            if lo > 0 or hi < members.shape[0]:
                groups.append((members, lo, hi))
    budgets = _well_scaled(budgets)
    members, offsets, weights = instance.row_members, instance.row_offsets, instance.row_weights
    if backend == "cp-sat":
        from ortools.sat.python import cp_model

        m = cp_model.CpModel()
        x = [m.new_bool_var(f"x{i}") for i in range(cand.shape[0])]
        y = [m.new_bool_var(f"y{r}") for r in range(instance.n_rows)]
        for r in range(instance.n_rows):
            m.add_bool_or([x[i] for i in members[offsets[r] : offsets[r + 1]]]).only_enforce_if(y[r])
        for _, cost, limit in budgets:
            # Costs round down and limits up, so the integer model is a relaxation:
            # every selection within the real budget is within the scaled one, and the
            # solver's bound bounds the real optimum. A returned selection may exceed
            # the real budget by a rounding error; the caller checks it on exact costs.
            scaled = np.floor(cost * CP_SAT_COST_SCALE).astype(np.int64)
            cap = int(math.ceil(limit * CP_SAT_COST_SCALE))
            m.add(sum(int(c) * xi for c, xi in zip(scaled, x, strict=True) if c) <= cap)
        for grp, lo, hi in groups:
            expr = sum(x[i] for i in grp)
            m.add(expr >= lo)
            m.add(expr <= hi)
        m.maximize(
            sum(int(w) * yr for w, yr in zip(weights, y, strict=True))
            + sum(int(s) * xi for s, xi in zip(instance.singleton, x, strict=True) if s)
        )
        return Model("cp-sat", m, x, y)

    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP" if backend == "mip" else "GLOP")
    if solver is None:  # pragma: no cover - OR-Tools wheels ship both
        raise SeedingError(f"OR-Tools has no {'SCIP' if backend == 'mip' else 'GLOP'} solver here")
    inf = solver.infinity()
    if backend == "mip":
        x = [solver.BoolVar(f"x{i}") for i in range(cand.shape[0])]
    else:
        x = [solver.NumVar(0.0, 1.0, f"x{i}") for i in range(cand.shape[0])]
    y = [solver.NumVar(0.0, 1.0, f"y{r}") for r in range(instance.n_rows)]
    for r in range(instance.n_rows):
        row = solver.Constraint(-inf, 0.0)
        row.SetCoefficient(y[r], 1.0)
        for i in members[offsets[r] : offsets[r + 1]].tolist():
            row.SetCoefficient(x[i], -1.0)
    for name, cost, limit in budgets:
        row = solver.Constraint(-inf, limit, name)
        for i, c in enumerate(cost.tolist()):
            row.SetCoefficient(x[i], c)
    for grp, lo, hi in groups:
        row = solver.Constraint(lo, hi)
        for i in grp.tolist():
            row.SetCoefficient(x[i], 1.0)
    objective = solver.Objective()
    for r, w in enumerate(weights.tolist()):
        objective.SetCoefficient(y[r], w)
    for i, s in enumerate(instance.singleton.tolist()):
        if s:
            objective.SetCoefficient(x[i], s)
    objective.SetMaximization()
    return Model(backend, solver, x, y)


@dataclasses.dataclass(frozen=True)
class SolveOutcome:
    """What a solve returned.

    ``status`` is "optimal", "feasible" (stopped by the time limit with a
    solution), "infeasible" or "unknown"; ``objective`` and ``bound`` include
    the must-seed constant; ``chosen`` are variable indices.
    """

    status: str
    objective: float
    bound: float
    chosen: np.ndarray
    wall_s: float


ENUMERATION_WORK = 20_000_000  # steps of an exact enumeration of a small core (about 0.1 s)


def enumerate_core(instance: ShrunkInstance, constraints: Constraints, *,
                   max_work: int = ENUMERATION_WORK) -> SolveOutcome | None:
    """The exact optimum of a small instance by visiting every selection within the budgets.

    For at most 64 candidates with few affordable selections (a small graph, or a core
    left by reduced-cost fixing) this proves optimality in a fraction of a second where
    a solver may branch for minutes. Costs are exact (no rounding): the selection found
    meets every budget and quota. Returns None when the search would take more than
    ``max_work`` steps.
    """
    cand = instance.candidates
    if cand.shape[0] > 64:
        return None
    start = time.perf_counter()
    must = constraints.must
    budgets = constraints.budgets()
    costs = np.ascontiguousarray([cost[cand] for _, cost, _ in budgets], dtype=np.float64)
    capacity = np.array([limit * (1 + 1e-9) - float(cost[must].sum()) for _, cost, limit in budgets])
    group_of = np.full(cand.shape[0], -1, np.int32)
    lo = hi = np.zeros(0, np.int64)
    if constraints.group_of is not None and constraints.group_names:
        group_of = constraints.group_of[cand].astype(np.int32)
        have = np.bincount(constraints.group_of[must][constraints.group_of[must] >= 0],
                           minlength=len(constraints.group_names))
        lo = np.maximum(0, constraints.quota_min - have).astype(np.int64)
        hi = (constraints.quota_max - have).astype(np.int64)
    found = _cover.best_subset(instance.row_members, instance.row_offsets, *instance.var_rows,
                               np.ascontiguousarray(instance.row_weights, dtype=np.float64),
                               np.ascontiguousarray(instance.singleton, dtype=np.float64),
                               costs, capacity, group_of, lo, hi, max_work)
    if found is None:
        return None
    value, chosen = found
    wall = time.perf_counter() - start
    if value < 0:
        return SolveOutcome("infeasible", -math.inf, -math.inf, chosen, wall)
    objective = instance.constant + value
    return SolveOutcome("optimal", objective, objective, chosen, wall)


def solve_model(
    model: Model,
    instance: ShrunkInstance,
    *,
    time_limit: float | None = 60.0,
    workers: int = 1,
    hint: np.ndarray | None = None,
) -> SolveOutcome:
    """Solve a built model within ``time_limit`` seconds of wall-clock time, warm-started from ``hint``.

    ``hint`` holds candidate-variable indices of a known feasible selection (the
    greedy one); OPTIMAL and FEASIBLE are both accepted. Ctrl-C stops the solver
    like its time limit: the best solution found so far is returned (see
    :mod:`seeding._interrupt`). The time limit is also held to the wall clock by the
    same stop; SCIP with ``workers > 1`` (a race of concurrent solves) can still run
    past it, as it only stops between LP solves (on NetHEPT with sqrt-degree costs,
    a 110,000-row core: 15.1 s against 11.9 s, returning 4 s after the stop; with one
    worker, 9.0 s against 8.9 s).
    """
    start = time.perf_counter()
    deadline = None if time_limit is None else start + max(float(time_limit), 0.0)  # the solvers' limits run over
    const = instance.constant
    n_vars = len(model.x)
    if model.backend == "cp-sat":
        from ortools.sat.python import cp_model

        if hint is not None:
            on = np.zeros(n_vars, dtype=bool)
            on[hint] = True
            for xi, v in zip(model.x, on.tolist(), strict=True):
                model.solver.add_hint(xi, v)
        solver = cp_model.CpSolver()
        if time_limit is not None:
            solver.parameters.max_time_in_seconds = float(time_limit)
        solver.parameters.num_workers = max(1, int(workers))
        solver.parameters.catch_sigint_signal = False  # Python keeps Ctrl-C (CP-SAT's own handler aborts)
        code, _ = solve_interruptibly(lambda: solver.solve(model.solver), solver.stop_search,  # Ctrl-C: best found
                                      deadline=deadline)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            status = "infeasible" if code == cp_model.INFEASIBLE else "unknown"
            return SolveOutcome(status, math.nan, math.nan, np.zeros(0, np.int64), time.perf_counter() - start)
        chosen = np.flatnonzero([solver.boolean_value(xi) for xi in model.x])
        return SolveOutcome(
            "optimal" if code == cp_model.OPTIMAL else "feasible",
            const + solver.objective_value,
            min(const + solver.best_objective_bound, instance.total_weight),
            chosen, time.perf_counter() - start,
        )

    from ortools.linear_solver import pywraplp

    solver = model.solver
    if time_limit is not None:
        solver.SetTimeLimit(int(max(time_limit, 0.001) * 1000))
    if model.backend == "mip":
        solver.SetNumThreads(max(1, int(workers)))
        # Python keeps Ctrl-C: SCIP's own SIGINT handler would take the signal from it, racily.
        solver.SetSolverSpecificParametersAsString("misc/catchctrlc = FALSE\n")
        if hint is not None:  # a complete solution (rows too), so SCIP can accept it as is
            on = np.zeros(n_vars, dtype=np.uint8)
            on[hint] = 1
            covered = _cover.rows_hit(instance.row_members, instance.row_offsets, on)
            solver.SetHint(model.x + model.y, on.astype(float).tolist() + covered.astype(float).tolist())
    code, _ = solve_interruptibly(solver.Solve, solver.InterruptSolve, deadline=deadline)  # Ctrl-C: best found
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        status = "infeasible" if code == pywraplp.Solver.INFEASIBLE else "unknown"
        return SolveOutcome(status, math.nan, math.nan, np.zeros(0, np.int64), time.perf_counter() - start)
    values = np.array([xi.solution_value() for xi in model.x])
    objective = const + solver.Objective().Value()
    if model.backend == "lp":
        bound = objective
        chosen = np.flatnonzero(values > 1 - 1e-6)
    else:
        bound = const + solver.Objective().BestBound()
        chosen = np.flatnonzero(values > 0.5)
    status = "optimal" if code == pywraplp.Solver.OPTIMAL else "feasible"
    bound = min(bound, instance.total_weight)  # SCIP reports 1e20 before its first bound
    return SolveOutcome(status, objective, max(bound, objective), chosen, time.perf_counter() - start)
