"""The result of every seed-selection method."""

from __future__ import annotations

import dataclasses
from typing import Any

from .spread import SpreadEstimate

__all__ = ["SeedSet", "runtime_phases"]


@dataclasses.dataclass(frozen=True)
class SeedSet:
    """Seeds chosen by a method, with an independent estimate of their spread.

    Attributes
    ----------
    seeds : list
        Original node labels, in selection order.
    gains : list of float
        Estimated marginal gain in spread of each seed when it was chosen (on
        the sample the method used to choose). Empty for the heuristics, which
        rank by a score instead (``details["scores"]``).
    spread : SpreadEstimate
        Expected spread from an evaluation independent of the choice (fresh RR
        sets or fresh simulations).
    method : str
    params : dict
        The parameters the method ran with (k, model, eps, sample sizes, ...).
    runtime_s : float
        Time to choose the seeds (evaluation excluded).
    upper_bound : float or None
        For RIS methods: an upper bound on the optimal spread for this ``k``
        (holding with probability ``1 - delta``).
    approx_ratio : float or None
        Certified ratio ``lower_bound / upper_bound`` (OPIM-C style): the seeds
        reach at least this fraction of the best possible spread, with
        probability ``1 - delta``. 0 means no guarantee was reached.
    lower_bound : float or None
        Certified lower bound on the expected spread of these seeds (holding,
        together with ``upper_bound``, with probability ``1 - delta``).
    cost, budget : float or None
        Total cost of the seeds and the budget, for budgeted selection.
    status : str or None
        For budgeted selection: "optimal" when the selection is proven optimal
        on the choosing sample, else "feasible".
    gap : float or None
        Relative gap between the selection and the best bound, when known.
    details : dict
        Anything else worth reporting (sample sizes, evaluations, timings).
    """

    seeds: list
    gains: list
    spread: SpreadEstimate
    method: str
    params: dict = dataclasses.field(default_factory=dict)
    runtime_s: float = 0.0
    upper_bound: float | None = None
    approx_ratio: float | None = None
    lower_bound: float | None = None
    cost: float | None = None
    budget: float | None = None
    status: str | None = None
    gap: float | None = None
    details: dict = dataclasses.field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of seeds."""
        return len(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping of the result.

        ``runtime_s`` is the seconds spent choosing the seeds; the command line
        adds the phases of the whole run under ``timings_s`` (see
        ``seeding/schemas/result.schema.json``).
        """
        out: dict[str, Any] = {
            "method": self.method,
            "k": self.k,
            "seeds": list(self.seeds),
            "gains": [float(g) for g in self.gains],
            "spread": self.spread.to_dict(),
            "upper_bound": self.upper_bound,
            "approx_ratio": self.approx_ratio,
            "lower_bound": self.lower_bound,
            "runtime_s": self.runtime_s,
            "params": dict(self.params),
        }
        if self.budget is not None or self.cost is not None:
            out.update(cost=self.cost, budget=self.budget, status=self.status, gap=self.gap)
        if self.details:
            out["details"] = dict(self.details)
        return out


def runtime_phases(choose: float | None, total: float, *, read: float | None = None) -> dict[str, float]:
    """The ``timings_s`` object of a JSON result: seconds by phase of the whole run.

    ``read`` (the graph file), ``choose`` (the seeds), ``evaluate`` (the rest:
    estimating their spread) and ``total``; a phase that a result has not is left
    out (``spread`` chooses nothing, a ``compare`` row reads nothing).

    Examples
    --------
    >>> runtime_phases(1.5, 2.0, read=0.25)
    {'read': 0.25, 'choose': 1.5, 'evaluate': 0.25, 'total': 2.0}
    >>> runtime_phases(None, 2.0, read=0.5)
    {'read': 0.5, 'evaluate': 1.5, 'total': 2.0}
    """
    phases: dict[str, float] = {}
    if read is not None:
        phases["read"] = read
    if choose is not None:
        phases["choose"] = choose
    phases["evaluate"] = max(0.0, total - (read or 0.0) - (choose or 0.0))
    phases["total"] = total
    return phases
