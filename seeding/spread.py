"""Monte-Carlo estimation of the expected spread of a seed set."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _kernels
from ._interrupt import in_chunks
from ._rng import RNGLike, draw_run_seed, resolve_jobs
from ._validation import Progress, check_count
from .errors import SeedingError
from .graph import Graph, as_graph
from .models import check_model, live_edge_arrays, with_probability

if TYPE_CHECKING:  # networkx is imported where it is used: startup stays fast
    import networkx as nx

__all__ = ["SpreadEstimate", "estimate_spread", "simulate", "seed_indices", "Runner"]

#: Runs simulations elsewhere: ``runner(graph, seed_indices, *, model, n_simulations, run_seed)``.
Runner = Callable[..., np.ndarray]

Z95 = 1.959963984540054
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class SpreadEstimate:
    """Expected spread with its standard error and a 95% normal confidence interval.

    Attributes
    ----------
    mean : float
        Mean number of nodes reached (or weight reached, for weighted nodes).
    stderr : float
        Standard error of the mean (NaN with a single simulation).
    ci_low, ci_high : float
        95% confidence interval: ``mean -/+ 1.96 * stderr`` for Monte-Carlo,
        Wilson's score interval for RR sets.
    n_simulations : int
        Number of simulations, or of RR sets for the ``"rr"`` estimator.
    model : str
    estimator : {"mc", "rr"}
        Monte-Carlo simulation, or coverage of reverse-reachable sets.
    """

    mean: float
    stderr: float
    ci_low: float
    ci_high: float
    n_simulations: int
    model: str
    estimator: str = "mc"

    @classmethod
    def from_samples(cls, samples: np.ndarray, model: str) -> SpreadEstimate:
        """Summarise per-simulation spreads."""
        count = int(samples.shape[0])
        mean = float(samples.mean())
        stderr = float(samples.std(ddof=1) / math.sqrt(count)) if count > 1 else float("nan")
        half = Z95 * stderr
        return cls(mean, stderr, mean - half, mean + half, count, model)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping: ``mean``, ``stderr``, ``ci95``, ``samples``, ``model``, ``estimator``.

        ``samples`` counts simulations (``estimator`` "mc") or RR sets ("rr").
        """
        return {
            "mean": self.mean,
            "stderr": self.stderr,
            "ci95": [self.ci_low, self.ci_high],
            "samples": self.n_simulations,
            "model": self.model,
            "estimator": self.estimator,
        }

    def __str__(self) -> str:
        return (
            f"{self.mean:.2f} +/- {Z95 * self.stderr:.2f} "
            f"(95% CI [{self.ci_low:.2f}, {self.ci_high:.2f}], {self.n_simulations:,} "
            f"{self.model.upper()} {'simulations' if self.estimator == 'mc' else 'RR sets'})"
        )


def seed_indices(graph: Graph, seeds: Iterable[Any]) -> np.ndarray:
    """Distinct node indices (int32, first-seen order) of seed labels."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise SeedingError(f"seeds must be a sequence of node labels; got {seeds!r}")
    idx = graph.index_of(seeds)
    _, first = np.unique(idx, return_index=True)
    return np.ascontiguousarray(idx[np.sort(first)])


def simulate_indices(
    graph: Graph,
    seeds: np.ndarray,
    *,
    model: str,
    n_simulations: int,
    run_seed: int,
    n_threads: int,
    first_world: int = 0,
    progress: Progress | None = None,
) -> np.ndarray:
    """Per-world spreads of node-index seeds; inputs already validated.

    World ``i`` is the same live-edge world for every seed set given the same
    ``run_seed``, so differences between seed sets are common-random-number
    differences.
    """
    lo, width, by_target = live_edge_arrays(graph, model)
    weights = graph.node_weights if graph.node_weights is not None else _EMPTY_WEIGHTS
    seeds = np.ascontiguousarray(seeds, dtype=np.int32)

    def run(first: int, count: int) -> np.ndarray:
        return _kernels.simulate(
            graph.indptr, graph.indices, lo, width, by_target, seeds, weights,
            run_seed, first, count, n_threads,
        )

    # In chunks of about 0.2 s, so that Ctrl-C is honoured; world i depends only on
    # (run_seed, i), so the chunks give exactly what one call would.
    out = np.empty(n_simulations, dtype=np.float64)
    done = 0
    for part in in_chunks(run, first_world, n_simulations, step=64 * n_threads, start=64 * n_threads):
        out[done : done + part.shape[0]] = part
        done += part.shape[0]
        if progress is not None:
            progress(done, n_simulations)
    return out


def simulate(
    graph: Graph | nx.Graph,
    seeds: Iterable[Any],
    *,
    model: str = "ic",
    probability: str | None = None,
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> np.ndarray:
    """Spread of ``seeds`` in each of ``n_simulations`` independent diffusions.

    Parameters are as for :func:`estimate_spread`. The same ``rng`` gives the
    same array whatever ``n_jobs`` is, and two seed sets simulated with the same
    ``rng`` see the same random worlds (common random numbers).

    Returns
    -------
    ndarray of float64, shape (n_simulations,)

    Examples
    --------
    >>> g = Graph.from_edges([0, 1], [1, 2], [1.0, 0.0])
    >>> simulate(g, [0], n_simulations=3, rng=1).tolist()
    [2.0, 2.0, 2.0]
    """
    graph = as_graph(graph) if probability is None else with_probability(graph, probability, rng=rng)
    model = check_model(model)
    n_simulations = check_count(n_simulations, "n_simulations")
    seeds_idx = seed_indices(graph, seeds)
    if runner is not None:
        live_edge_arrays(graph, model)  # validate here, not elsewhere
        return runner(graph, seeds_idx, model=model, n_simulations=n_simulations, run_seed=draw_run_seed(rng))
    return simulate_indices(
        graph,
        seeds_idx,
        model=model,
        n_simulations=n_simulations,
        run_seed=draw_run_seed(rng),
        n_threads=resolve_jobs(n_jobs),
        progress=progress,
    )


def estimate_spread(
    graph: Graph | nx.Graph,
    seeds: Iterable[Any],
    *,
    model: str = "ic",
    probability: str | None = None,
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> SpreadEstimate:
    """Estimate the expected number of nodes a seed set reaches.

    Parameters
    ----------
    graph : Graph or networkx graph
        With arc probabilities (a networkx graph's ``p`` edge attribute), or
        give ``probability``.
    seeds : sequence of node labels
        Original labels; duplicates are ignored. Seeds count as reached.
    model : {"ic", "lt"}, default "ic"
        Independent Cascade or Linear Threshold.
    probability : str, optional
        A probability setting applied first (see :func:`seeding.with_probability`):
        ``"wc"``, ``"uniform:P"``, ``"trivalency"``, ``"attr:weight"``, ...
    n_simulations : int, default 10000
        Number of independent diffusions.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same value gives the same estimate.
    n_jobs : int, optional
        Threads (None or -1: all cores). Does not change the result.
    progress : callable(done, total), optional
        Called as simulations complete.
    runner : callable, optional
        Runs the simulations elsewhere, e.g. on a Dask cluster with
        ``seeding.distributed.dask_runner(client)``: called as ``runner(graph,
        seed_indices, model=..., n_simulations=..., run_seed=...)`` and returns
        the per-world spreads (the same as a local run with the same ``rng``).

    Returns
    -------
    SpreadEstimate

    Raises
    ------
    SeedingError
        For an unknown seed label, a non-positive ``n_simulations``, a graph
        without probabilities, or LT weights above 1.

    Notes
    -----
    Each diffusion samples a live-edge world (Kempe, Kleinberg and Tardos 2003)
    and counts the nodes reachable from the seeds; 64 worlds are processed per
    pass over the graph, each with its own coin flips.

    References
    ----------
    D. Kempe, J. Kleinberg, E. Tardos. Maximizing the spread of influence
    through a social network. KDD 2003.

    Examples
    --------
    >>> g = Graph.from_edges([0, 0], [1, 2], [0.5, 0.5])
    >>> est = estimate_spread(g, [0], n_simulations=20_000, rng=7)
    >>> abs(est.mean - 2.0) < 4 * est.stderr
    True
    """
    samples = simulate(
        graph, seeds, model=model, probability=probability, n_simulations=n_simulations, rng=rng, n_jobs=n_jobs,
        progress=progress, runner=runner,
    )
    return SpreadEstimate.from_samples(samples, check_model(model))
