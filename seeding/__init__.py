"""seeding: choose whom to seed in a viral-marketing campaign.

Given a social graph, a diffusion model (Independent Cascade or Linear
Threshold), node costs and a budget, `seeding` picks the opinion leaders to seed
and estimates how many people the cascade reaches.

Examples
--------
>>> import seeding
>>> g = seeding.Graph.from_edges([0, 0, 1], [1, 2, 3], [1.0, 1.0, 1.0])
>>> seeding.estimate_spread(g, [0], n_simulations=100, rng=0).mean
4.0
"""

import os
import sys
from importlib import import_module
from types import ModuleType

# OpenMP threads that wait by spinning take the core from the thread they wait for when the
# machine is busy: with another job running on this 2-core machine, RR sampling on 2 threads
# took 3.5x as long as on one. Waiting threads sleep instead, unless the user says otherwise
# (read once, when the compiled modules load the OpenMP runtime).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

DISTRIBUTION = "seeding-im"  # the name on the package index ("seeding" there is an unrelated project)
# The one place the version is written (pyproject.toml reads it); a literal, because asking
# importlib.metadata costs more than the rest of `seeding --version`.
__version__ = "0.1.0"

# The public API, name -> module. Modules load on first use (PEP 562), so that
# `seeding --version` or a light script does not pay for OR-Tools, networkx or scipy.
_API = {
    "METHODS": "algorithms.registry", "maximize_influence": "algorithms.registry",
    "BUDGET_METHODS": "algorithms.budgeted", "select_seeds": "algorithms.budgeted",
    "compare": "compare", "run_instance": "compare",
    "ClusterError": "errors", "GraphFormatError": "errors", "InfeasibleError": "errors", "OptionError": "errors",
    "SeedingError": "errors",
    "SeedingWarning": "errors",
    "Graph": "graph", "as_graph": "graph",
    "Instance": "instance", "load_instance": "instance",
    "ActionLog": "io", "read_actions": "io", "read_graph": "io", "read_labels": "io", "read_names": "io",
    "write_json": "io",
    "LEARN_METHODS": "learn", "LearnedProbabilities": "learn", "learn_probabilities": "learn",
    "simulate_actions": "learn",
    "MODELS": "models", "with_probability": "models",
    "SeedSet": "results",
    "RRSampler": "rrsets", "RRSets": "rrsets",
    "SpreadEstimate": "spread", "estimate_spread": "spread", "simulate": "spread",
}


class _Package(ModuleType):
    """The package module: importing the submodule ``seeding.compare`` must not hide the function ``compare``.

    Python binds a submodule to its package's attribute of the same name when it is
    first imported (``from seeding.compare import run_instance`` would make
    ``seeding.compare`` the module); the function keeps the name. The module stays
    in ``sys.modules`` (``importlib.import_module("seeding.compare")``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and _API.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'seeding' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


__all__ = [
    "ActionLog",
    "Graph",
    "BUDGET_METHODS",
    "ClusterError",
    "GraphFormatError",
    "Instance",
    "InfeasibleError",
    "LEARN_METHODS",
    "LearnedProbabilities",
    "METHODS",
    "MODELS",
    "OptionError",
    "RRSampler",
    "RRSets",
    "SeedSet",
    "SeedingError",
    "SeedingWarning",
    "SpreadEstimate",
    "as_graph",
    "compare",
    "estimate_spread",
    "learn_probabilities",
    "load_instance",
    "maximize_influence",
    "read_actions",
    "read_graph",
    "read_labels",
    "read_names",
    "run_instance",
    "select_seeds",
    "simulate",
    "simulate_actions",
    "with_probability",
    "write_json",
    "__version__",
]
