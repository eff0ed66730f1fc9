"""Learning influence probabilities from an action log.

A planner has the social graph and a log of past campaigns: who shared, liked or
bought which item, and when. :func:`learn_probabilities` turns that log into
Independent Cascade probabilities (and Linear Threshold weights) on the graph's
arcs, with the evidence behind each arc and, on request, a held-out validation of
every method. :func:`simulate_actions` writes logs from known probabilities, to
check the learner.

How the log is read against the graph (arc ``u -> v`` means ``u`` influences
``v``): within one item, ``u``'s action is an *attempt* on ``v`` unless ``v``
acted no later than ``u``. The attempt is a *candidate* success when ``v`` acted
within ``window`` after ``u``, and a failure when ``v`` did not act or acted later
than that. With integer time steps and ``window = 1`` this is exactly the
discrete-time model of Saito, Nakano and Kimura (2008); with real times it is the
propagation window of Goyal, Bonchi and Lakshmanan (2010).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable
from time import perf_counter
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _learn
from ._rng import RNGLike, as_generator
from .errors import GraphFormatError, SeedingError
from .graph import Graph, as_graph
from .io import ActionLog, read_actions, write_edge_list, write_text

if TYPE_CHECKING:  # networkx is imported where it is used: startup stays fast
    import networkx as nx

__all__ = ["LEARN_METHODS", "LearnedProbabilities", "learn_probabilities", "simulate_actions", "parse_window"]

LEARN_METHODS: dict[str, str] = {
    "em": "Saito, Nakano, Kimura (KES 2008): EM maximum likelihood for IC (default)",
    "bernoulli": "Goyal, Bonchi, Lakshmanan (WSDM 2010): credited propagations / actions of the source",
    "jaccard": "Goyal, Bonchi, Lakshmanan (WSDM 2010): credited propagations / actions of either end",
}
WINDOW_QUANTILE = 0.99
EVAL_CLIP = 1e-6
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


# --------------------------------------------------------------------------- inputs
def parse_window(window: float | str | None, *, timestamps: bool = False) -> float | None:
    """A propagation window as a positive number of time units (None: learn it).

    Strings may carry a unit for timestamped logs: ``"90s"``, ``"15m"``,
    ``"2h"``, ``"1d"``, ``"1w"``; ``"inf"`` means no window.

    Examples
    --------
    >>> parse_window("2h", timestamps=True), parse_window(3), parse_window("inf")
    (7200.0, 3.0, inf)
    """
    if window is None:
        return None
    if isinstance(window, str):
        text = window.strip().lower()
        match = re.fullmatch(r"([0-9.eE+-]+|inf)\s*([smhdw]?)", text)
        if match is None:
            raise SeedingError(f"window must be a positive number, optionally with a unit s/m/h/d/w; got {window!r}")
        number, unit = match.groups()
        if unit and not timestamps:
            raise SeedingError(f"window {window!r} has a unit, but the log's times are plain numbers")
        try:
            value = float(number) * _UNITS.get(unit or "s", 1.0)
        except ValueError:
            value = float("nan")
    elif isinstance(window, (int, float, np.integer, np.floating)) and not isinstance(window, bool):
        value = float(window)
    else:
        raise SeedingError(f"window must be a number, a string like '2h', or None; got {window!r}")
    if not value > 0:
        raise SeedingError(f"window must be positive; got {window!r}")
    return value


@dataclasses.dataclass(frozen=True)
class _Episodes:
    """The log as one episode per item: distinct acting nodes sorted by time."""

    ptr: np.ndarray  # int64 (n_items + 1,)
    node: np.ndarray  # int32
    time: np.ndarray  # float64

    @property
    def n_items(self) -> int:
        return int(self.ptr.shape[0] - 1)

    def select(self, items: np.ndarray) -> _Episodes:
        sizes = np.diff(self.ptr)[items]
        starts = self.ptr[items]
        rows = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        ptr = np.zeros(items.shape[0] + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        return _Episodes(ptr, self.node[rows], self.time[rows])


def _as_log(actions: Any) -> ActionLog:
    if isinstance(actions, ActionLog):
        return actions
    if isinstance(actions, (str, os.PathLike)):
        return read_actions(actions)
    if isinstance(actions, Iterable):
        return ActionLog.from_rows(actions)
    raise SeedingError(f"actions must be a file path, an ActionLog or (user, item, time) rows; got {actions!r}")


def _node_of_users(graph: Graph, users: np.ndarray) -> np.ndarray:
    """Node index of every user label (-1 where the graph has no such node)."""
    labels = graph.labels
    if labels.dtype.kind in "iu":
        try:
            keys = users.astype(np.int64)  # every user an integer: no per-label work
        except (ValueError, OverflowError):
            pass
        else:
            order = np.argsort(labels, kind="stable")
            sorted_labels = labels[order]
            pos = np.minimum(np.searchsorted(sorted_labels, keys), sorted_labels.shape[0] - 1)
            return np.where(sorted_labels[pos] == keys, order[pos], -1).astype(np.int64)
    distinct, inverse = np.unique(users, return_inverse=True)
    if labels.dtype.kind in "iu":
        keys = np.empty(distinct.shape[0], dtype=np.int64)
        ok = np.ones(distinct.shape[0], dtype=bool)
        for i, text in enumerate(distinct.tolist()):
            try:
                keys[i] = int(text)
            except ValueError:
                ok[i] = False
                keys[i] = 0
    else:
        labels = labels.astype(str)
        keys = distinct.astype(str)
        ok = np.ones(distinct.shape[0], dtype=bool)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    pos = np.minimum(np.searchsorted(sorted_labels, keys), sorted_labels.shape[0] - 1)
    found = ok & (sorted_labels[pos] == keys)
    index = np.where(found, order[pos], -1)
    return index[inverse].astype(np.int64)


def _episodes(graph: Graph, log: ActionLog, *, strict: bool) -> tuple[_Episodes, dict[str, Any]]:
    if len(log) == 0:
        raise GraphFormatError("no actions found (the log is empty)", path=log.path or "actions")
    node = _node_of_users(graph, log.users)
    unknown = node < 0
    stats: dict[str, Any] = {"rows": len(log), "items": log.n_items, "timestamps": log.timestamps}
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        path, line = log.where(row)
        value = str(log.users[row])
        if strict:
            raise GraphFormatError(f"user {value!r} is not a node of the graph (--strict)", path=path or "actions",
                                   line=line)
        stats["skipped_rows"] = int(unknown.sum())
        stats["skipped_users"] = int(np.unique(log.users[unknown]).shape[0])
        stats["first_skipped"] = f"{path or 'actions'}:{line}: {value}"
        if unknown.all():
            raise GraphFormatError(
                f"no user of the log is a node of the graph (the first is {value!r}; graph labels look like "
                f"{', '.join(repr(x) for x in graph.labels[:3].tolist())})", path=path or "actions", line=line,
            )
    else:
        stats["skipped_rows"] = 0
        stats["skipped_users"] = 0
    keep = ~unknown
    items, node, times = log.items[keep], node[keep], log.times[keep]
    # Keep each user's first action on an item.
    order = np.lexsort((times, node, items))
    items, node, times = items[order], node[order], times[order]
    first = np.r_[True, (items[1:] != items[:-1]) | (node[1:] != node[:-1])]
    stats["duplicates"] = int(first.shape[0] - first.sum())
    items, node, times = items[first], node[first], times[first]
    order = np.lexsort((times, items))
    items, node, times = items[order], node[order], times[order]
    ptr = np.zeros(log.n_items + 1, dtype=np.int64)
    np.cumsum(np.bincount(items, minlength=log.n_items), out=ptr[1:])
    stats["actions"] = int(node.shape[0])
    stats["items"] = int(np.unique(items).shape[0])
    return _Episodes(ptr, node.astype(np.int32), np.ascontiguousarray(times, dtype=np.float64)), stats


def _learn_window(graph: Graph, episodes: _Episodes, *, quantile: float = WINDOW_QUANTILE) -> float:
    """The propagation window read from the log: a high quantile of the shortest explaining delays.

    For every action that follows an in-neighbour's action on the same item,
    take the gap to the latest such neighbour (the shortest delay that could
    explain it); the window is the ``quantile`` of these gaps. Discrete-time
    cascades give exactly 1 step.
    """
    gaps = _learn.latest_gaps(episodes.ptr, episodes.node, episodes.time, graph.in_indptr, graph.in_indices,
                              graph.n)
    if gaps.size == 0:
        raise SeedingError(
            "no user acted after an in-neighbour on the same item, so the log says nothing about influence; "
            "check that the log's users are the graph's labels and that arcs point from influencer to influenced"
        )
    return float(np.quantile(gaps, quantile, method="higher"))


# --------------------------------------------------------------------------- estimators
@dataclasses.dataclass(frozen=True)
class _Fit:
    p: np.ndarray
    lt: np.ndarray
    attempts: np.ndarray
    successes: np.ndarray
    prior: float
    loglik: float
    history: list[float]
    iterations: int
    converged: bool


def _loglik(p: np.ndarray, groups: tuple[np.ndarray, np.ndarray], failures: np.ndarray) -> float:
    """Log-likelihood of the log under arc probabilities ``p`` (clipped away from 0 and 1)."""
    q = np.clip(p, EVAL_CLIP, 1 - EVAL_CLIP)
    scratch = np.empty_like(q)
    return float(_learn.em_pass(q, groups[0], groups[1], scratch) + np.dot(failures, np.log1p(-q)))


def _fit(
    graph: Graph, episodes: _Episodes, *, method: str, window: float, prior: float | str, prior_weight: float,
    partial_credit: bool, max_iter: int, tol: float,
) -> _Fit:
    n, m = graph.n, graph.m
    blocked, both, positive, group_ptr, cand_arc, _ = _learn.scan_pairs(
        episodes.ptr, episodes.node, episodes.time, graph.in_indptr, graph.in_indices, graph.in_arcs, n, m, window
    )
    acts = np.bincount(episodes.node, minlength=n).astype(np.float64)
    acts_src = acts[graph.sources]
    attempts = acts_src - blocked
    failures = attempts - positive
    partial = np.empty(m)  # Goyal et al.'s partial credit: each activation's unit split among its candidates
    _learn.shares(np.ones(m), group_ptr, cand_arc, partial)
    credit = partial if partial_credit or method == "em" else positive.astype(np.float64)
    if method == "em":
        denominator = attempts
    elif method == "bernoulli":
        denominator = acts_src
    else:
        denominator = acts_src + acts[graph.indices] - both
    total = float(denominator.sum())
    pooled = float(credit.sum() / total) if total > 0 else 0.0
    p0 = pooled if prior == "pooled" else float(prior)
    alpha = float(prior_weight)
    seen = denominator > 0

    def estimate(success: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = (success + alpha * p0) / (denominator + alpha)
        return np.clip(np.where(seen, value, p0), 0.0, 1.0)

    groups = (group_ptr, cand_arc)
    history: list[float] = []
    iterations, converged = 0, True
    if method == "em":
        p, success, history, iterations, converged = _em(
            estimate, graph.in_arcs, group_ptr, cand_arc, attempts, failures, positive, credit, p0=p0, alpha=alpha,
            seen=seen, max_iter=max_iter, tol=tol,
        )
        shares = np.empty(m)
        _learn.shares(p, group_ptr, cand_arc, shares)
    else:
        p = estimate(credit)
        success = credit
        shares = partial
    loglik = _loglik(p, groups, failures)
    if method != "em":
        history = [loglik]
    lt = _lt_weights(graph, shares, acts, alpha, int(group_ptr.shape[0] - 1))
    return _Fit(p, lt, attempts.astype(np.int64), success.copy(), p0, loglik, history, iterations, converged)


def _em(
    estimate: Any, in_arcs: np.ndarray, group_ptr: np.ndarray, cand_arc: np.ndarray, attempts: np.ndarray,
    failures: np.ndarray, positive: np.ndarray, credit: np.ndarray, *, p0: float, alpha: float, seen: np.ndarray,
    max_iter: int, tol: float,
) -> tuple[np.ndarray, np.ndarray, list[float], int, bool]:
    """Saito et al.'s EM, iterated on the arcs with a candidate success (the others are solved in closed form).

    The objective is the log-likelihood plus, with ``alpha > 0``, the log of the
    Beta prior (pseudo-counts ``alpha * p0`` and ``alpha * (1 - p0)``), whose
    maximiser the M-step ``(successes + alpha * p0) / (attempts + alpha)`` is.
    """
    m = attempts.shape[0]
    fixed = estimate(np.zeros(m))  # arcs that never succeed: their optimum, whatever the others do
    # Iterate only over arcs with a candidate success, numbered in in-arc order so that the candidates
    # of one activation (in-arcs of one node) sit side by side in memory.
    in_position = np.empty(m, dtype=np.int64)
    in_position[in_arcs] = np.arange(m)
    active = np.flatnonzero(positive > 0)
    active = active[np.argsort(in_position[active], kind="stable")]
    local = np.full(m, -1, dtype=np.int64)
    local[active] = np.arange(active.shape[0])
    cand = local[cand_arc]
    # An activation with one candidate credits it fully whatever k is: count those per arc, and iterate
    # the kernel only over the activations with several candidates.
    sizes = np.diff(group_ptr)
    single = sizes == 1
    sure = np.bincount(cand[group_ptr[:-1][single]], minlength=active.shape[0]).astype(np.float64)
    multi_sizes = sizes[~single]
    multi_ptr = np.zeros(multi_sizes.shape[0] + 1, dtype=np.int64)
    np.cumsum(multi_sizes, out=multi_ptr[1:])
    rows = np.repeat(group_ptr[:-1][~single] - multi_ptr[:-1], multi_sizes) + np.arange(int(multi_ptr[-1]))
    multi_cand = np.ascontiguousarray(cand[rows])
    n_a, f_a = attempts[active].astype(np.float64), failures[active].astype(np.float64)
    below_one = np.nextafter(1.0, 0.0)  # log(1 - k) stays finite where k = 1 (then no failures weigh it)

    idle = seen & (positive == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        constant = float(np.dot(failures[idle], np.log1p(-fixed[idle])))
        if alpha > 0:
            constant += alpha * float(np.sum(_xlogy(p0, fixed[idle]) + _xlogy(1 - p0, 1 - fixed[idle])))
    k = np.clip(credit[active] / n_a, 1e-3, 1 - 1e-3)
    success = np.empty(active.shape[0])
    history: list[float] = []
    converged = False
    previous = -math.inf
    iterations = 0

    def e_step(k: np.ndarray) -> float:
        """Expected successes into ``success``; return the objective at ``k``."""
        gain = _learn.em_pass(k, multi_ptr, multi_cand, success)
        np.add(success, sure, out=success)
        log_k, log_1mk = np.log(k), np.log1p(-np.minimum(k, below_one))  # k > 0 on these arcs
        value = gain + float(np.dot(sure, log_k)) + float(np.dot(f_a, log_1mk)) + constant
        if alpha > 0:
            value += alpha * (p0 * float(log_k.sum()) + (1 - p0) * float(log_1mk.sum()))
        return value

    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        objective = e_step(k)
        history.append(objective)
        k = np.clip((success + alpha * p0) / (n_a + alpha), 0.0, 1.0)
        if abs(objective - previous) <= tol * (1.0 + abs(objective)):
            converged = True
            break
        previous = objective
    e_step(k)
    p = fixed.copy()
    p[active] = k
    expected = np.zeros(m)
    expected[active] = success
    return p, expected, history, iterations, converged


def _lt_weights(graph: Graph, shares: np.ndarray, acts: np.ndarray, alpha: float, n_groups: int) -> np.ndarray:
    """LT weights as in Goyal et al. (2010): credit of ``u`` among ``v``'s actions, normalised by ``v``'s actions.

    Each activation hands out one unit of credit among its candidate
    influencers (equal shares, or shares proportional to the learned IC
    probabilities for EM), so the weights entering a node sum to the share of its
    actions that its neighbours explain: at most 1. Nodes without actions get
    the pooled share spread evenly over their in-arcs.
    """
    indeg = graph.in_degree.astype(np.float64)[graph.indices]
    acts_dst = acts[graph.indices]
    has_in = graph.in_degree > 0
    total = float(acts[has_in].sum())
    rho = min(1.0, n_groups / total) if total > 0 else 0.0
    base = rho / np.maximum(indeg, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = (shares + alpha * base) / (acts_dst + alpha)
    return np.clip(np.where(acts_dst + alpha > 0, w, base), 0.0, 1.0)


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN without both classes."""
    pos = label.astype(bool)
    n1 = int(pos.sum())
    n0 = int(pos.shape[0] - n1)
    if n1 == 0 or n0 == 0:
        return float("nan")
    # Ranks 1..n in score order, a run of equal scores sharing its average rank (as
    # scipy.stats.rankdata; numpy here, as scipy.stats alone takes longer to import than a holdout).
    order = np.argsort(score, kind="stable")
    ordered = score[order]
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    stop = np.append(first[1:], ordered.shape[0])
    ranks = np.empty(ordered.shape[0])
    ranks[order] = np.repeat((first + 1 + stop) / 2.0, stop - first)
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def _evaluate(graph: Graph, p: np.ndarray, episodes: _Episodes, window: float) -> dict[str, Any]:
    q = np.clip(p, EVAL_CLIP, 1 - EVAL_CLIP)
    score, label, loglik = _learn.exposures(q, episodes.ptr, episodes.node, episodes.time, graph.indptr,
                                            graph.indices, graph.n, window)
    count = int(score.shape[0])
    return {
        "loglik": float(loglik),
        "loglik_per_exposure": float(loglik / count) if count else float("nan"),
        "auc": _auc(score, label),
        "exposures": count,
        "acted": int(label.sum()),
    }


# --------------------------------------------------------------------------- result
@dataclasses.dataclass(frozen=True, eq=False)
class LearnedProbabilities:
    """Probabilities learned from an action log, with the evidence behind them.

    Attributes
    ----------
    graph : Graph
        The input graph with learned IC probabilities ``p`` and LT weights
        ``lt_weights``.
    method : str
        ``"em"``, ``"bernoulli"`` or ``"jaccard"``.
    window : float
        Propagation window used (in the log's time unit; seconds for timestamps).
    window_learned : bool
        Whether the window was read from the log (see :func:`learn_probabilities`).
    prior : float
        Value given to arcs never exercised, and the mean that thin arcs are
        shrunk towards.
    prior_weight : float
        Strength of the prior, in pseudo-attempts.
    attempts : ndarray of int64, shape (m,)
        Items in which the source acted while the target had not yet.
    successes : ndarray of float64, shape (m,)
        Successes credited to the arc: expected under the fitted model (EM), or
        the (partial) credit of Goyal et al.
    loglik : float
        Log-likelihood of the log under the learned probabilities.
    history : list of float
        EM's objective after each iteration (never decreasing); one value for
        the other methods.
    iterations : int
    converged : bool
    stats : dict
        Rows read, actions used, items, skipped rows and users, duplicates.
    validation : list of dict or None
        With ``holdout``: held-out log-likelihood and AUC of every method.
    runtime_s : float
    """

    graph: Graph
    method: str
    window: float
    window_learned: bool
    prior: float
    prior_weight: float
    attempts: np.ndarray
    successes: np.ndarray
    loglik: float
    history: list
    iterations: int
    converged: bool
    stats: dict
    validation: list | None = None
    runtime_s: float = 0.0

    @property
    def p(self) -> np.ndarray:
        """Learned IC probability of each arc (graph order)."""
        assert self.graph.p is not None
        return self.graph.p

    @property
    def lt_weights(self) -> np.ndarray:
        """Learned LT weight of each arc (the weights entering a node sum to at most 1)."""
        assert self.graph.lt_weights is not None
        return self.graph.lt_weights

    def evidence(self, min_attempts: int = 10) -> dict[str, Any]:
        """How much of the graph the log exercised: arcs by number of attempts."""
        a = self.attempts
        return {
            "arcs": int(a.shape[0]),
            "exercised": int((a > 0).sum()),
            f"attempts_ge_{min_attempts}": int((a >= min_attempts).sum()),
            "never_exercised": int((a == 0).sum()),
            "median_attempts_exercised": float(np.median(a[a > 0])) if (a > 0).any() else 0.0,
        }

    def evidence_table(self) -> str:
        """CSV ``u,v,p,w,attempts,successes`` of every arc (graph labels)."""
        g = self.graph
        src = g.labels[g.sources].tolist()
        dst = g.labels[g.indices].tolist()
        rows = zip(src, dst, self.p.tolist(), self.lt_weights.tolist(), self.attempts.tolist(),
                   self.successes.tolist(), strict=True)
        return "u,v,p,w,attempts,successes\n" + "".join(
            [f"{a},{b},{p:.9g},{w:.9g},{n},{s:.6g}\n" for a, b, p, w, n, s in rows]
        )

    def write(self, path: str | os.PathLike, *, values: str = "p") -> None:
        """Write the learned graph as an edge list ``u v p`` (``values="lt"``: LT weights), atomically.

        ``.graphml``/``.gml`` names write both values through networkx; see
        :func:`seeding.io.write_edge_list`.
        """
        what = "IC probabilities" if values == "p" else "LT weights"
        write_edge_list(path, self.graph, values=values,
                        comment=f"{what} learned by seeding ({self.method}, window {self.window:g})\nu v value")

    def write_evidence(self, path: str | os.PathLike) -> None:
        """Write :meth:`evidence_table` to ``path`` atomically."""
        write_text(path, self.evidence_table())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-arc arrays)."""
        p = self.p
        return {
            "method": self.method,
            "window": self.window,
            "window_learned": self.window_learned,
            "prior": self.prior,
            "prior_weight": self.prior_weight,
            "loglik": self.loglik,
            "iterations": self.iterations,
            "converged": self.converged,
            "log": dict(self.stats),
            "evidence": self.evidence(),
            "p": {"mean": float(p.mean()) if p.size else 0.0,
                  "mean_exercised": float(p[self.attempts > 0].mean()) if (self.attempts > 0).any() else None},
            "validation": self.validation,
            "runtime_s": self.runtime_s,
        }


# --------------------------------------------------------------------------- API
def learn_probabilities(
    graph: Graph | nx.Graph,
    actions: ActionLog | str | os.PathLike | Iterable,
    *,
    method: str = "em",
    window: float | str | None = None,
    holdout: float | None = None,
    prior: float | str = "pooled",
    prior_weight: float = 1.0,
    partial_credit: bool = True,
    strict: bool = False,
    max_iter: int = 500,
    tol: float = 1e-9,
    rng: RNGLike = None,
) -> LearnedProbabilities:
    """Learn IC probabilities and LT weights of the graph's arcs from an action log.

    Parameters
    ----------
    graph : Graph or networkx graph
        The social graph; arc ``u -> v`` means ``u`` can influence ``v``. Its
        own probabilities, if any, are ignored.
    actions : ActionLog, path or iterable of (user, item, time)
        Who performed which item when (see :func:`seeding.io.read_actions`).
        Users are labels of the graph; a user's repeated actions on an item
        count once, at the earliest time.
    method : {"em", "bernoulli", "jaccard"}, default "em"
        ``"em"``: maximum likelihood by expectation-maximisation (Saito et al.
        2008), which splits the credit of an activation among its candidate
        influencers by their current probabilities. ``"bernoulli"``: credited
        propagations over the source's actions; ``"jaccard"``: over the actions
        of either end (Goyal et al. 2010).
    window : float, str or None
        How long after ``u`` acts an action of ``v`` can still be ``u``'s doing,
        in the log's time unit (seconds, or ``"2h"``, for timestamps); ``"inf"``
        for no limit. None learns it: for every action that follows an
        in-neighbour's action on the same item, the gap to the latest such
        neighbour is the shortest delay that could explain it, and the window
        is the 99th percentile of these gaps (1 for discrete-time cascades,
        which is Saito's model).
    holdout : float, optional
        Share of items (in (0, 1)) held out to validate every method: each is fit
        on the rest and scored on them (``validation``). The returned
        probabilities are then fit on all items.
    prior : float or "pooled", default "pooled"
        Probability of arcs the log never exercises, and the mean thin arcs are
        shrunk towards. ``"pooled"`` is the rate of the whole log: all credited
        successes over all trials.
    prior_weight : float, default 1.0
        Strength of the prior in pseudo-attempts: an arc's estimate is
        ``(successes + prior_weight * prior) / (trials + prior_weight)``, the
        posterior mean (MAP for EM) under a Beta prior. 0 gives the raw maximum
        likelihood, where one success in one attempt means ``p = 1``.
    partial_credit : bool, default True
        For ``bernoulli``/``jaccard``: split an activation's credit equally among
        its candidate influencers (Goyal et al.); False gives each full credit.
        LT weights always use partial credit (so they sum to at most 1 per node).
    strict : bool, default False
        Raise on a user that is not a node, instead of skipping it (counted in
        ``stats``).
    max_iter : int, default 500
        EM iterations at most.
    tol : float, default 1e-9
        EM stops when the objective gains less than ``tol * (1 + |objective|)``.
    rng : None, int or numpy.random.Generator
        Randomness for the holdout split.

    Returns
    -------
    LearnedProbabilities

    Raises
    ------
    GraphFormatError
        For an empty log, or an unknown user with ``strict`` (naming file and line).
    SeedingError
        For a bad parameter, or a log in which nobody acts after an in-neighbour.

    Notes
    -----
    The log is joined with the graph in one compiled pass (memory linear in the
    log); each EM iteration is one pass over the candidate pairs. EM maximises
    the likelihood (plus the log prior when ``prior_weight > 0``) and never
    decreases it; ``history`` records it.

    LT weights follow Goyal et al.: ``w(u, v)`` is the credit ``u`` earns among
    ``v``'s actions divided by ``v``'s actions, so the weights entering a node
    sum to at most 1.

    References
    ----------
    K. Saito, R. Nakano, M. Kimura. Prediction of information diffusion
    probabilities for independent cascade model. KES 2008.

    A. Goyal, F. Bonchi, L. V. S. Lakshmanan. Learning influence probabilities
    in social networks. WSDM 2010.

    Examples
    --------
    >>> import seeding
    >>> g = seeding.Graph.from_edges([0], [1])
    >>> truth = g.with_p([0.3])
    >>> log = seeding.simulate_actions(truth, 4000, seeds=[0], rng=1)
    >>> fit = seeding.learn_probabilities(g, log, prior_weight=0)
    >>> round(float(fit.p[0]), 2), fit.window
    (0.3, 1.0)
    """
    start = perf_counter()
    graph = as_graph(graph)
    if method not in LEARN_METHODS:
        raise SeedingError(f"method must be one of {', '.join(LEARN_METHODS)}; got {method!r}")
    if not (isinstance(prior, str) and prior == "pooled"):
        if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0.0 <= float(prior) <= 1.0:
            raise SeedingError(f"prior must be 'pooled' or a probability in [0, 1]; got {prior!r}")
    if isinstance(prior_weight, bool) or not isinstance(prior_weight, (int, float)) or not prior_weight >= 0:
        raise SeedingError(f"prior_weight must be a number >= 0; got {prior_weight!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise SeedingError(f"max_iter must be a positive integer; got {max_iter!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise SeedingError(f"tol must be a number >= 0; got {tol!r}")
    if holdout is not None and not (isinstance(holdout, (int, float)) and 0.0 < holdout < 1.0):
        raise SeedingError(f"holdout must be a share of items in (0, 1), e.g. 0.2; got {holdout!r}")
    log = _as_log(actions)
    given = parse_window(window, timestamps=log.timestamps)
    episodes, stats = _episodes(graph, log, strict=strict)
    options = {"prior": prior, "prior_weight": float(prior_weight), "partial_credit": partial_credit,
               "max_iter": max_iter, "tol": tol}

    validation = None
    if holdout is not None:
        n_items = episodes.n_items
        n_test = int(round(holdout * n_items))
        if n_items < 2 or not 1 <= n_test < n_items:
            raise SeedingError(f"holdout {holdout} of {n_items} items leaves no item to train or to test on")
        perm = as_generator(rng).permutation(n_items)
        test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
        train_ep, test_ep = episodes.select(train), episodes.select(test)
        train_window = given if given is not None else _learn_window(graph, train_ep)
        validation = []
        for name in LEARN_METHODS:
            fit = _fit(graph, train_ep, method=name, window=train_window, **options)
            validation.append({"method": name, **_evaluate(graph, fit.p, test_ep, train_window),
                               "train_items": int(train.shape[0]), "test_items": int(test.shape[0]),
                               "window": train_window})

    used = given if given is not None else _learn_window(graph, episodes)
    fit = _fit(graph, episodes, method=method, window=used, **options)
    learned = graph.with_p(fit.p).with_lt_weights(fit.lt)
    return LearnedProbabilities(
        graph=learned, method=method, window=used, window_learned=given is None, prior=fit.prior,
        prior_weight=float(prior_weight), attempts=fit.attempts, successes=fit.successes, loglik=fit.loglik,
        history=fit.history, iterations=fit.iterations, converged=fit.converged, stats=stats,
        validation=validation, runtime_s=perf_counter() - start,
    )


# --------------------------------------------------------------------------- simulation
def simulate_actions(
    graph: Graph | nx.Graph,
    n_items: int,
    *,
    seeds: int | Iterable[Any] = 1,
    time: str = "discrete",
    mean_delay: float = 1.0,
    rng: RNGLike = None,
) -> ActionLog:
    """Simulate an action log: one Independent Cascade per item, with activation times.

    Parameters
    ----------
    graph : Graph or networkx graph
        Arc probabilities ``p`` are the truth the cascades follow.
    n_items : int
        Number of items (cascades).
    seeds : int or sequence of labels, default 1
        Seeds of every cascade: that many distinct nodes drawn uniformly per
        item, or the same given nodes for every item.
    time : {"discrete", "continuous"}, default "discrete"
        ``"discrete"``: seeds act at step 0 and a node activated at step ``t``
        activates its out-neighbours at step ``t + 1`` (Saito et al. 2008).
        ``"continuous"``: each live arc takes an exponential delay with mean
        ``mean_delay``, and a node acts at the earliest arrival (continuous-time
        IC; who acts is the same as in discrete IC).
    mean_delay : float, default 1.0
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ActionLog
        Rows sorted by item and time; items are named ``item0``, ``item1``, ...
        (zero-padded).

    Examples
    --------
    >>> g = Graph.from_edges([0, 1], [1, 2], [1.0, 1.0])
    >>> log = simulate_actions(g, 2, seeds=[0], rng=0)
    >>> log.users.tolist(), log.times.tolist()
    (['0', '1', '2', '0', '1', '2'], [0.0, 1.0, 2.0, 0.0, 1.0, 2.0])
    """
    graph = as_graph(graph)
    if graph.p is None:
        raise SeedingError("simulate_actions needs arc probabilities; set them with seeding.with_probability")
    if isinstance(n_items, bool) or not isinstance(n_items, (int, np.integer)) or n_items < 1:
        raise SeedingError(f"n_items must be a positive integer; got {n_items!r}")
    if time not in ("discrete", "continuous"):
        raise SeedingError(f"time must be 'discrete' or 'continuous'; got {time!r}")
    if not (isinstance(mean_delay, (int, float)) and mean_delay > 0):
        raise SeedingError(f"mean_delay must be positive; got {mean_delay!r}")
    gen = as_generator(rng)
    n = graph.n
    n_items = int(n_items)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if not 1 <= seeds <= n:
            raise SeedingError(f"seeds must be between 1 and the number of nodes ({n}); got {seeds}")
        if seeds == 1:
            seed_nodes = gen.integers(0, n, size=(n_items, 1))
        else:
            seed_nodes = np.stack([gen.choice(n, size=int(seeds), replace=False) for _ in range(n_items)])
    else:
        fixed = np.unique(graph.index_of(list(seeds)))
        if fixed.size == 0:
            raise SeedingError("seeds is empty")
        seed_nodes = np.tile(fixed, (n_items, 1))
    per = seed_nodes.shape[1]
    chunk = max(1, min(n_items, (1 << 25) // max(n, 1)))
    out_item, out_node, out_time = [], [], []
    deg = graph.out_degree
    for first in range(0, n_items, chunk):
        count = min(chunk, n_items - first)
        item = np.repeat(np.arange(count, dtype=np.int64), per)
        node = seed_nodes[first : first + count].reshape(-1).astype(np.int64)
        active = np.zeros(count * n, dtype=bool)
        active[item * n + node] = True
        reached_key, reached_step = [item * n + node], [np.zeros(item.shape[0])]
        live_src, live_dst = [], []
        step = 0
        while item.size:
            step += 1
            cnt = deg[node]
            total = int(cnt.sum())
            if total == 0:
                break
            arcs = np.arange(total, dtype=np.int64) + np.repeat(graph.indptr[node] - (np.cumsum(cnt) - cnt), cnt)
            arc_item = np.repeat(item, cnt)
            live = gen.random(total) < graph.p[arcs]
            arcs, arc_item = arcs[live], arc_item[live]
            target = arc_item * n + graph.indices[arcs]
            if time == "continuous":
                live_src.append(arc_item * n + graph.sources[arcs])
                live_dst.append(target)
            fresh = np.unique(target[~active[target]])
            active[fresh] = True
            reached_key.append(fresh)
            reached_step.append(np.full(fresh.shape[0], float(step)))
            item, node = fresh // n, fresh % n
        keys = np.concatenate(reached_key)
        if time == "discrete":
            times = np.concatenate(reached_step)
        else:
            order = np.argsort(keys)
            keys = keys[order]
            src = np.searchsorted(keys, np.concatenate(live_src)) if live_src else np.zeros(0, np.int64)
            dst = np.searchsorted(keys, np.concatenate(live_dst)) if live_dst else np.zeros(0, np.int64)
            delay = gen.exponential(mean_delay, size=src.shape[0])
            delay = np.maximum(delay, 1e-12)  # a zero entry would read as no arc
            size = keys.shape[0]
            import scipy.sparse
            from scipy.sparse.csgraph import dijkstra

            live_graph = scipy.sparse.csr_matrix((delay, (src, dst)), shape=(size, size))
            starts = np.searchsorted(keys, np.concatenate([reached_key[0]]))
            times = dijkstra(live_graph, directed=True, indices=np.unique(starts), min_only=True)
        out_item.append(keys // n + first)
        out_node.append(keys % n)
        out_time.append(times)
    items = np.concatenate(out_item)
    nodes = np.concatenate(out_node)
    times = np.concatenate(out_time)
    order = np.lexsort((nodes, times, items))
    items, nodes, times = items[order], nodes[order], times[order]
    width = len(str(n_items - 1))
    return ActionLog(
        users=graph.labels[nodes].astype(str),
        items=items,
        item_names=np.asarray([f"item{i:0{width}d}" for i in range(n_items)]),
        times=np.ascontiguousarray(times, dtype=np.float64),
        lines=np.arange(1, items.shape[0] + 1, dtype=np.int64),
    )


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)``, 0 where ``x`` is 0 (as scipy.special.xlogy, whose import costs more than a fit)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where(x == 0, 0.0, out)
