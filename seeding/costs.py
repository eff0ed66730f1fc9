"""Node costs: from a file, a mapping, an array, or a cost model for experiments.

Cost models (``a`` and ``b`` are numbers):

* ``uniform`` or ``uniform:c``: every node costs ``c`` (default 1);
* ``degree:a,b``: ``a + b * out-degree`` (audience size drives the price);
* ``sqrt-degree:a,b``: ``a + b * sqrt(out-degree)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SeedingError
from .graph import Graph
from .io import read_table

__all__ = ["resolve_costs", "cost_model", "COST_MODELS"]

COST_MODELS = ("uniform", "uniform:c", "degree:a,b", "sqrt-degree:a,b")


def cost_model(graph: Graph, spec: str) -> np.ndarray:
    """Costs from a model spec such as ``"sqrt-degree:1,1"``.

    Examples
    --------
    >>> g = Graph.from_edges([0, 0, 0, 0, 1], [1, 2, 3, 4, 2])
    >>> cost_model(g, "sqrt-degree:1,1").tolist()
    [3.0, 2.0, 1.0, 1.0, 1.0]
    """
    name, _, args = str(spec).strip().lower().partition(":")
    try:
        values = [float(x) for x in args.split(",")] if args else []
    except ValueError:
        values = [float("nan")]
    deg = graph.out_degree.astype(np.float64)
    if name == "uniform" and len(values) <= 1:
        return np.full(graph.n, values[0] if values else 1.0)
    if name in ("degree", "sqrt-degree") and len(values) == 2:
        a, b = values
        return a + b * (deg if name == "degree" else np.sqrt(deg))
    raise SeedingError(
        f"cost model must be one of {', '.join(COST_MODELS)} (or a costs file); got {spec!r}"
    )


def resolve_costs(
    graph: Graph,
    costs: Any,
    *,
    default_cost: float | None = None,
    what: str = "cost",
) -> np.ndarray:
    """One cost per node, in node order, validated.

    Parameters
    ----------
    graph : Graph
    costs : array-like, mapping, cost-model string, or path
        An array in node order; a mapping label -> cost; a model such as
        ``"sqrt-degree:1,1"``; or a ``label,cost`` file.
    default_cost : float, optional
        Cost of nodes a mapping or file does not list (else they are an error).
    what : str
        Name used in messages.

    Returns
    -------
    ndarray of float64, shape (n,)

    Raises
    ------
    SeedingError
        For unknown labels, unlisted nodes without ``default_cost``, or costs that
        are negative, zero or not finite.
    """
    source = None
    if isinstance(costs, (str, os.PathLike)) and (isinstance(costs, os.PathLike) or Path(costs).exists()):
        source = str(costs)
        costs = read_table(costs, what, numeric=True)
    if isinstance(costs, str):
        values = cost_model(graph, costs)
    elif isinstance(costs, Mapping):
        values = np.zeros(graph.n)
        listed = np.zeros(graph.n, dtype=bool)
        idx = graph.index_of(costs.keys())
        values[idx] = np.asarray(list(costs.values()), dtype=np.float64)
        listed[idx] = True
        missing = np.flatnonzero(~listed)
        if missing.size:
            if default_cost is None:
                sample = ", ".join(repr(x) for x in graph.label_of(missing[:5]))
                where = f"{source}: " if source else ""
                raise SeedingError(
                    f"{where}{missing.size} nodes have no {what} (e.g. {sample}); "
                    "list them or give a default cost (--default-cost)"
                )
            values[missing] = default_cost
    else:
        values = np.asarray(costs, dtype=np.float64)
        if values.shape != (graph.n,):
            raise SeedingError(f"{what}s must have one value per node ({graph.n}); got shape {values.shape}")
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        v = int(np.flatnonzero(bad)[0])
        raise SeedingError(
            f"{what} of node {graph.labels[v].item()!r} is {float(values[v])!r}; "
            f"{what}s must be finite and > 0"
        )
    return np.ascontiguousarray(values, dtype=np.float64)
