"""The registry of k-seed selection methods and :func:`maximize_influence`, which dispatches on it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .._rng import RNGLike
from ..errors import OptionError, SeedingError
from ..models import with_probability
from ..results import SeedSet
from .budgeted import BUDGET_METHODS, BUDGET_OPTIONS
from .greedy import celf, celfpp, greedy
from .heuristics import degree, degree_discount, pagerank
from .ris import imm, opim_c

__all__ = ["METHODS", "maximize_influence", "method_name", "method_options", "route_options"]

#: name -> (function, one-line description), in the order `seeding methods` lists them.
METHODS: dict[str, tuple[Callable, str]] = {
    "opim-c": (opim_c, "OPIM-C: RR sets until a (1-1/e-eps) guarantee is certified [default]"),
    "imm": (imm, "IMM: RR sets, (1-1/e-eps) approximation w.p. 1-1/n^ell, fresh final sample"),
    "celf": (celf, "CELF: lazy greedy on Monte-Carlo estimates (small and mid-size graphs)"),
    "celf++": (celfpp, "CELF++: CELF that also caches gains w.r.t. the round's best node"),
    "greedy": (greedy, "plain greedy on Monte-Carlo estimates (reference; small graphs)"),
    "degree": (degree, "highest out-degree (heuristic, no guarantee)"),
    "degree-discount": (degree_discount, "degree discount of Chen, Wang, Yang 2009 (heuristic)"),
    "pagerank": (pagerank, "PageRank on the reversed graph via networkx (heuristic)"),
}


def maximize_influence(
    graph: Any,
    k: int,
    *,
    method: str = "opim-c",
    model: str = "ic",
    probability: str | None = None,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    **options: Any,
) -> SeedSet:
    """Choose ``k`` seeds that maximize the expected spread.

    Parameters
    ----------
    graph : Graph or networkx graph
        With arc probabilities (a networkx graph's ``p`` edge attribute), or
        give ``probability``.
    k : int
        Number of seeds, in ``[1, n]``.
    method : str, default "opim-c"
        One of :data:`METHODS`: ``opim-c``, ``imm``, ``celf``, ``celf++``,
        ``greedy``, ``degree``, ``degree-discount``, ``pagerank``.
    model : {"ic", "lt"}
    probability : str, optional
        A probability setting applied first (see :func:`seeding.with_probability`):
        ``"wc"``, ``"uniform:P"``, ``"trivalency"``, ``"attr:weight"``, ...
    rng : None, int or numpy.random.Generator
        The same value gives the same seeds, whatever ``n_jobs`` is.
    n_jobs : int, optional
        Threads (None or -1: all cores).
    **options
        Passed to the method: ``eps``, ``delta``, ``n_simulations``,
        ``exclude``, ``evaluation``, ``n_evaluation``, ``progress``, ...

    Returns
    -------
    SeedSet
        Seeds (labels) in selection order, their marginal gains, an independent
        spread estimate with a 95% CI, and for RIS methods an upper bound on the
        optimum and the certified approximation ratio.

    Raises
    ------
    SeedingError
        For an unknown method (the message lists the known ones) or bad options;
        :class:`~seeding.OptionError` for an option the method does not take.

    Examples
    --------
    >>> import seeding
    >>> g = seeding.Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0] * 4)
    >>> seeding.maximize_influence(g, 2, rng=1, n_evaluation=1000).seeds
    [0, 3]
    """
    key = method_name(method)
    func = METHODS[key][0]
    options = route_options(key, options)
    if probability is not None:
        graph = with_probability(graph, probability, rng=rng)
    return func(graph, k, model=model, rng=rng, n_jobs=n_jobs, **options)


def method_name(method: str) -> str:
    """The registry's name of ``method`` (``"celfpp"`` -> ``"celf++"``); an unknown one is an error."""
    key = str(method).lower().replace("_", "-")
    key = {"celfpp": "celf++", "opimc": "opim-c", "degreediscount": "degree-discount"}.get(key, key)
    if key not in METHODS:
        raise SeedingError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return key


def method_options(method: str, *, budgeted: bool = False) -> set[str]:
    """The keyword options a method takes.

    For a k-seed method, those beyond ``graph``, ``k``, ``model``, ``rng`` and
    ``n_jobs``; with ``budgeted``, those a budgeted method (:data:`BUDGET_METHODS`)
    uses of what :func:`~seeding.select_seeds` takes beyond the graph, the
    budget, the costs and the constraints.

    Examples
    --------
    >>> sorted(method_options("celf"))[:3], sorted(method_options("degree", budgeted=True))
    (['evaluation', 'exclude', 'model'], ['default_cost', 'n_evaluation'])
    """
    if budgeted:
        if method not in BUDGET_OPTIONS:
            raise SeedingError(f"unknown budgeted method {method!r}; choose one of {', '.join(BUDGET_METHODS)}")
        return set(BUDGET_OPTIONS[method])
    return set(inspect.signature(METHODS[method_name(method)][0]).parameters) - {"graph", "k"}


#: Options that only budgeted runs take (a k-run with one is told so).
BUDGET_ONLY = frozenset({"default_cost"})


def route_options(method: str, options: Mapping[str, Any], *, budgeted: bool = False,
                  strict: bool = True) -> dict[str, Any]:
    """The options of ``options`` that ``method`` takes.

    One set of options can serve several methods (a comparison, a batch of
    inputs): ``n_simulations`` goes to the Monte-Carlo methods, ``eps`` to the
    RIS and budgeted ones, ``time_limit`` to those that take a time limit, and
    so on, as :func:`method_options` says. ``progress`` goes only to the methods
    that report progress, and an option set to None that the method does not
    take is no error.

    Parameters
    ----------
    method : str
        A k-seed method, or with ``budgeted`` a budgeted one.
    options : mapping
    budgeted : bool, default False
        Whether the run is budgeted (degree and PageRank run both ways).
    strict : bool, default True
        An option the method does not take is an :class:`~seeding.OptionError`;
        False leaves it out.

    Examples
    --------
    >>> shared = {"n_simulations": 1000, "eps": 0.1, "time_limit": 5}
    >>> route_options("celf", shared, strict=False), route_options("cost-celf", shared, budgeted=True, strict=False)
    ({'n_simulations': 1000}, {'eps': 0.1, 'time_limit': 5})
    >>> route_options("opim-c", shared)
    Traceback (most recent call last):
    ...
    seeding.errors.OptionError: method 'opim-c' takes no option 'n_simulations'
    """
    key = method if budgeted else method_name(method)
    accepted = method_options(key, budgeted=budgeted)
    routed = {}
    for name, value in options.items():
        if name in accepted:
            routed[name] = value
        elif strict and value is not None and name != "progress":
            raise OptionError(key, name, budget_only=not budgeted and name in BUDGET_ONLY)
    return routed
