"""Shared plumbing of the selection methods: validation and independent evaluation."""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np

from .._rng import RNGLike, as_generator, draw_run_seed, resolve_jobs
from .._validation import check_count, check_fraction
from ..bounds import certified_ratio, spread_lower
from ..errors import SeedingError
from ..graph import Graph, as_graph
from ..models import check_model, check_values
from ..results import SeedSet
from ..rrsets import RRSampler
from ..spread import SpreadEstimate, simulate_indices

DEFAULT_EVALUATION = 1_000_000
EVALUATION_PRECISION = 5e-3  # relative standard error the default RR evaluation aims at (CI about +/-1%)


def evaluation_size(n_evaluation: int | None, fraction: float | None = None) -> int:
    """RR sets for an independent evaluation: ``n_evaluation``, or by default enough for a relative
    standard error of 0.5% when the seeds cover about ``fraction`` of the sets (100,000 to 1,000,000).

    A set that meets the seeds often costs a long walk on a dense graph, and then few are needed.
    """
    if n_evaluation is not None:
        return check_count(n_evaluation, "n_evaluation")
    if fraction is None or not 0 < fraction <= 1:
        return DEFAULT_EVALUATION
    need = (1.0 - fraction) / (fraction * EVALUATION_PRECISION**2)
    return int(min(DEFAULT_EVALUATION, max(100_000, math.ceil(need))))


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
        client: Any = None,
    ) -> None:
        self.graph: Graph = as_graph(graph)
        self.client = client
        self._graph_future = None
        self._sampler: Any = None
        self.model = check_model(model)
        check_values(self.graph, self.model)  # fails early on missing p or LT weights > 1
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

    def rr_sampler(self) -> Any:
        """RR-set sampler: local, or on the Dask workers when a client was given (built once per problem)."""
        if self._sampler is not None:
            return self._sampler
        if self.client is None:
            self._sampler = RRSampler(self.graph, self.model)
            return self._sampler
        from ..distributed import DistributedSampler, scatter_graph

        if self._graph_future is None:
            self._graph_future = scatter_graph(self.client, self.graph)
        self._sampler = DistributedSampler(self.graph, self.model, self.client, self._graph_future)
        return self._sampler

    def evaluate(self, seeds: np.ndarray, evaluation: str, n_evaluation: int | None,
                 fraction: float | None = None) -> SpreadEstimate:
        """Spread of ``seeds`` on fresh randomness, independent of how they were chosen."""
        seeds = np.asarray(seeds, dtype=np.int32)
        if evaluation == "rr":
            count = evaluation_size(n_evaluation, fraction)
            return self.rr_sampler().estimate(seeds, count, run_seed=draw_run_seed(self.gen), n_threads=self.n_threads)
        if evaluation == "mc":
            count = 10_000 if n_evaluation is None else check_count(n_evaluation, "n_evaluation")
            if self.client is not None:
                from ..distributed import simulate_distributed

                self.rr_sampler()  # scatters the graph once
                samples = simulate_distributed(
                    self.client, self.graph, seeds, model=self.model, n_simulations=count,
                    run_seed=draw_run_seed(self.gen), graph_future=self._graph_future,
                )
            else:
                samples = simulate_indices(
                    self.graph, seeds, model=self.model, n_simulations=count,
                    run_seed=draw_run_seed(self.gen), n_threads=self.n_threads,
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
        certify_a: float | None = None,
        fraction: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> SeedSet:
        """Evaluate ``seeds`` independently and wrap everything in a :class:`SeedSet`.

        With an ``upper_bound`` and no ``lower_bound``, the lower bound comes from
        the evaluation's fresh RR sets (independent of the seeds) with the
        concentration bound of :mod:`seeding.bounds` at ``a = certify_a``.
        """
        runtime = self.elapsed()
        spread = self.evaluate(seeds, evaluation, n_evaluation, fraction)
        details = dict(details or {})
        ratio = None
        if upper_bound is not None:
            if lower_bound is None:
                lower_bound = self._certified_lower(seeds, spread, certify_a, n_evaluation)
            ratio = certified_ratio(lower_bound, upper_bound)
            details["certified_lower_bound"] = lower_bound
            if lower_bound <= 0:
                details["guarantee"] = "none reached: the sample is too small to certify a positive spread"
        return SeedSet(
            seeds=self.graph.label_of(seeds),
            gains=[float(g) for g in gains],
            spread=spread,
            method=method,
            params={"k": self.k, "model": self.model, **params},
            runtime_s=runtime,
            upper_bound=upper_bound,
            approx_ratio=ratio,
            lower_bound=lower_bound,
            details=details,
        )

    def _certified_lower(self, seeds: np.ndarray, spread: SpreadEstimate, a: float | None,
                         n_evaluation: int | None) -> float:
        if a is None:
            raise ValueError("certify_a is needed to certify a lower bound")  # a programming error
        sampler = self.rr_sampler()
        if spread.estimator != "rr":  # Monte-Carlo spreads have no tail bound as tight: fresh RR sets
            count = DEFAULT_EVALUATION if n_evaluation is None else check_count(n_evaluation, "n_evaluation")
            spread = sampler.estimate(np.asarray(seeds, np.int32), count, run_seed=draw_run_seed(self.gen),
                                      n_threads=self.n_threads)
        weight = sampler.total_weight
        hits = round(spread.mean / weight * spread.n_simulations)
        return spread_lower(hits, a, weight, spread.n_simulations)


def check_eps(eps: Any) -> float:
    return check_fraction(eps, "eps")


def check_delta(delta: Any, n: int) -> float:
    """``delta``, by default ``1/n``."""
    return 1.0 / max(n, 2) if delta is None else check_fraction(delta, "delta")


def check_ratio(value: Any) -> float:
    return check_fraction(value, "target_ratio", ", e.g. 0.95")


def log_binomial(n: int, k: int) -> float:
    """``ln C(n, k)``."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
          "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30, "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40}


def parse_memory(value: Any) -> int | None:
    """Bytes from None, an int, or a string such as ``"2G"``, ``"512MiB"``."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0:
        return int(value)
    text = str(value).strip().upper().replace(" ", "")
    number = text.rstrip("BKMGTI")
    unit = text[len(number):]
    try:
        amount = float(number)
    except ValueError:
        amount = -1.0
    if amount <= 0 or unit not in _UNITS:
        raise SeedingError(f"max_memory must be a size such as 2G or 512M; got {value!r}", parameter="max_memory")
    return int(amount * _UNITS[unit])


ENTRIES_PER_SET = 4  # a typical RR set on the benchmark graphs: min_samples counts sets of this size


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``, else free pages), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def memory_cap(max_memory: Any) -> int | None:
    """The RR-set memory cap: ``max_memory`` if given, else half of the memory available now."""
    cap = parse_memory(max_memory)
    if cap is None:
        free = available_memory()
        cap = None if free is None else max(free // 2, 64 << 20)
    return cap


def sets_for_entries(entries: float, pilot: Any) -> int:
    """How many sets like those of ``pilot`` hold about ``entries`` node entries (at least 1000)."""
    return int(max(1000, entries / max(pilot.mean_size, 1.0)))


def sets_within(max_memory: int | None, sets: Any, collections: int = 2) -> float:
    """How many RR sets per collection fit in ``max_memory``, judged from a sample of sets.

    Each set costs 4 bytes per node and 8 for its offset in every collection, and
    the coverage index of the choosing collection as much again.
    """
    if max_memory is None:
        return math.inf
    avg = sets.mean_size
    per_set = collections * (4 * avg + 8) + (4 * avg + 1)
    return max_memory / per_set
