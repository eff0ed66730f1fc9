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

from importlib.metadata import PackageNotFoundError, version

from .algorithms import METHODS, maximize_influence
from .algorithms.budgeted import BUDGET_METHODS, select_seeds
from .compare import compare, run_instance
from .errors import ClusterError, GraphFormatError, InfeasibleError, SeedingError, SeedingWarning
from .graph import Graph, as_graph
from .instance import Instance, load_instance
from .io import ActionLog, read_actions, read_graph, read_labels, write_json
from .learn import LEARN_METHODS, LearnedProbabilities, learn_probabilities, simulate_actions
from .models import MODELS, with_probability
from .results import SeedSet
from .rrsets import RRSampler, RRSets
from .spread import SpreadEstimate, estimate_spread, simulate

try:
    __version__ = version("seeding")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

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
    "run_instance",
    "select_seeds",
    "simulate",
    "simulate_actions",
    "with_probability",
    "write_json",
    "__version__",
]
