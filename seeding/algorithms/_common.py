"""Shared plumbing of the selection methods: validation and independent evaluation."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._rng import RNGLike, as_generator, resolve_jobs
from ..errors import SeedingError
from ..graph import Graph, as_graph
from ..models import check_model, live_edge_arrays
from ..results import SeedSet
from ..rrsets import RRSampler
from ..spread import SpreadEstimate, simulate_indices

Progress = Callable[[int, int], None]
DEFAULT_EVALUATION = 1_000_000


def draw(gen: np.random.Generator) -> int:
    """A fresh 64-bit run seed from the run's generator."""
    return int(gen.integers(0, 2**64, dtype=np.uint64))


class Problem:
    """A validated selection problem: graph, k, model, randomness and threads.

    Validation happens here, once; the methods trust these fields.
    """

    def __init__(
        self,
        graph: Any,
        k: int,
        *,
        model: str,
        rng: RNGLike,
        n_jobs: int | None,
        exclude: Any = (),
    ) -> None:
        self.graph: Graph = as_graph(graph)
        self.model = check_model(model)
        live_edge_arrays(self.graph, self.model)  # fails early on missing p or LT weights > 1
        n = self.graph.n
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
            raise SeedingError(f"k must be an integer in [1, {n}]; got {k!r}")
        self.k = int(k)
        self.gen = as_generator(rng)
        self.n_threads = resolve_jobs(n_jobs)
        self.allowed: np.ndarray | None = None
        excluded = self.graph.index_of(exclude) if exclude else np.zeros(0, np.int32)
        if excluded.size:
            self.allowed = np.ones(n, dtype=np.uint8)
            self.allowed[excluded] = 0
            if int(self.allowed.sum()) < self.k:
                raise SeedingError(f"only {int(self.allowed.sum())} nodes may be seeded; k is {self.k}")
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def evaluate(self, seeds: np.ndarray, evaluation: str, n_evaluation: int | None) -> SpreadEstimate:
        """Spread of ``seeds`` on fresh randomness, independent of how they were chosen."""
        seeds = np.asarray(seeds, dtype=np.int32)
        if evaluation == "rr":
            count = DEFAULT_EVALUATION if n_evaluation is None else check_count(n_evaluation, "n_evaluation")
            sets = RRSampler(self.graph, self.model).sample(
                count, run_seed=draw(self.gen), n_threads=self.n_threads
            )
            return sets.estimate(seeds)
        if evaluation == "mc":
            count = 10_000 if n_evaluation is None else check_count(n_evaluation, "n_evaluation")
            samples = simulate_indices(
                self.graph, seeds, model=self.model, n_simulations=count,
                run_seed=draw(self.gen), n_threads=self.n_threads,
            )
            return SpreadEstimate.from_samples(samples, self.model)
        raise SeedingError(f"evaluation must be 'rr' or 'mc'; got {evaluation!r}")

    def result(
        self,
        method: str,
        seeds: np.ndarray,
        gains: np.ndarray,
        *,
        params: dict[str, Any],
        evaluation: str,
        n_evaluation: int | None,
        upper_bound: float | None = None,
        lower_bound: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> SeedSet:
        """Evaluate ``seeds`` independently and wrap everything in a :class:`SeedSet`."""
        runtime = self.elapsed()
        spread = self.evaluate(seeds, evaluation, n_evaluation)
        ratio = None
        if upper_bound is not None and upper_bound > 0:
            ratio = min(1.0, (lower_bound if lower_bound is not None else spread.mean) / upper_bound)
        return SeedSet(
            seeds=self.graph.label_of(seeds),
            gains=[float(g) for g in gains],
            spread=spread,
            method=method,
            params={"k": self.k, "model": self.model, **params},
            runtime_s=runtime,
            upper_bound=upper_bound,
            approx_ratio=ratio,
            details=details or {},
        )


def check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise SeedingError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_eps(eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not 0 < eps < 1:
        raise SeedingError(f"eps must be a number in (0, 1); got {eps!r}")
    return float(eps)


def check_delta(delta: Any, n: int) -> float:
    if delta is None:
        return 1.0 / max(n, 2)
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating)) or not 0 < delta < 1:
        raise SeedingError(f"delta must be a number in (0, 1); got {delta!r}")
    return float(delta)


def log_binomial(n: int, k: int) -> float:
    """``ln C(n, k)``."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
