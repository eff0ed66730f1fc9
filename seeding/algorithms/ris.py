"""Reverse influence sampling: IMM and OPIM-C.

Both pick seeds by greedy maximum coverage of RR sets; they differ in how many
RR sets they sample and in the guarantee they report. Every result is evaluated
on fresh RR sets, never on the sets that chose it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .._interrupt import Abandoned, alongside
from .._rng import RNGLike, draw_run_seed
from .._validation import Progress, check_time_limit
from ..bounds import (
    ONE_MINUS_INV_E,
    certified_ratio,
    count_for_ratio,
    covered_for_upper,
    log_events,
    slack,
    spread_lower,
    spread_upper,
)
from ..coverage_model import Constraints, ShrunkInstance, shrink
from ..relax import sample_bound
from ..results import SeedSet
from ..rrsets import RRSampler, RRSets
from ._common import (
    DEFAULT_EVALUATION,
    ENTRIES_PER_SET,
    Problem,
    check_count,
    check_delta,
    check_eps,
    check_ratio,
    evaluation_size,
    log_binomial,
    memory_cap,
    sets_for_entries,
    sets_within,
)

__all__ = ["imm", "opim_c"]

GROWTH_ROUNDS = 4  # doublings towards a target ratio the union bound allows for (MAX_GROWTH = 2**4)
MAX_GROWTH = 16  # at most this factor more RR sets for a target ratio
DEFAULT_BOUND_STEPS = 16  # Lagrangian steps of a run without a target
# Seeds have settled once a doubling raises their judged coverage by less than this. The final
# choice on the pooled sample is one more doubling, and each doubling gains about half as much as
# the one before (NetHEPT, k = 50: 1.3%, 0.6%, 0.3%), so the next would add well under 1%.
SETTLED_GAIN = 0.02


def _opt_floor(prob: Problem) -> float:
    """A lower bound on the optimal spread: the seeds themselves."""
    w = prob.graph.node_weights
    if w is None:
        return float(prob.k)
    if prob.allowed is not None:
        w = w[prob.allowed.astype(bool)]
    top = np.sort(w)[-prob.k :].sum()
    return float(max(top, 1e-9 * w.sum()))


def opim_c(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    eps: float = 0.05,
    delta: float | None = None,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    min_samples: int = 31_250,
    max_memory: int | str | None = None,
    target_ratio: float | None = None,
    time_limit: float | None = None,
    client: Any = None,
    evaluation: str = "rr",
    n_evaluation: int | None = None,
    progress: Progress | None = None,
) -> SeedSet:
    """OPIM-C (Tang, Tang, Xiao, Yuan 2018): sample until the guarantee is certified.

    Two independent collections ``R1`` (to choose) and ``R2`` (to check) grow
    by doubling. After each doubling, greedy picks ``S`` on ``R1``; ``R2`` gives a
    lower bound on the spread of ``S`` and ``R1`` an upper bound on the optimum
    (from the greedy run's intermediate coverages). It stops once
    ``lower / upper >= 1 - 1/e - eps`` *and* the seeds have settled (the last
    doubling raised their coverage of ``R2`` by less than 2%: the pooled choice
    below is one more doubling, and gains halve from one doubling to the next, so
    more samples no longer change the seeds measurably), or once ``R1`` reaches
    the worst-case size ``theta_max``.

    The seeds returned are then chosen by greedy on ``R1`` and ``R2`` together
    (the same guarantee, twice the sample behind the choice: better seeds for
    the same work). Their certificate: an upper bound on the optimum from the
    pooled sample (the greedy run's, tightened by a Lagrangian relaxation of
    the coverage problem; the smaller is kept) and a lower bound on their
    spread from the evaluation's fresh RR sets, independent of the choice. All
    the bounds involved hold together with probability ``1 - delta``;
    ``details["slack"]`` splits ``1 - approx_ratio`` into sampling and
    optimization.

    Parameters
    ----------
    graph : Graph or networkx graph
    k : int
    model : {"ic", "lt"}
    eps : float, default 0.05
        Target: a certified ``1 - 1/e - eps`` approximation.
    delta : float, optional
        Failure probability (default ``1/n``).
    rng : None, int or numpy.random.Generator
    n_jobs : int, optional
    exclude : sequence of labels
        Nodes that must not be seeded (the bounds then refer to the others).
    min_samples : int, default 31250
        Start each collection with at least the work of this many sets of about
        4 nodes (a floor in RR-set entries, so a dense graph, whose sets are large,
        starts with fewer sets), then double until the seeds settle. The guarantee
        does not need it; the quality does: a certificate on a small sample
        leaves value on the table.
    max_memory : int or str, optional
        Cap on the memory of the RR sets (e.g. ``"2G"``); default: half of the
        memory available when the run starts. Sampling stops before the cap and
        the result reports the guarantee reached (``details["stopped_by_memory"]``).
    target_ratio : float, optional
        Certified ratio to work towards beyond OPIM-C's ``1 - 1/e - eps``: the
        samples double (up to 16x) while an estimate from them, made again
        after each doubling, says the target needs more, and the Lagrangian bound of
        :mod:`seeding.relax` tightens the upper bound until the ratio is reached
        or ``time_limit`` runs out. Without it, the bound takes 20 subgradient
        steps.
    time_limit : float, optional
        Seconds for the whole selection, bound included (a bound cut short by
        time depends on the machine; without a limit the answer depends only on
        ``rng``).
    evaluation : {"rr", "mc"}, n_evaluation : int, optional
        Estimator of the final spread, on fresh randomness.
    progress : callable(done, total), optional

    Returns
    -------
    SeedSet
        With ``upper_bound`` (on the optimal spread) and ``approx_ratio``
        (certified ``lower bound / upper bound``).

    References
    ----------
    J. Tang, X. Tang, X. Xiao, J. Yuan. Online processing algorithms for
    influence maximization. SIGMOD 2018.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0, 1.0, 1.0, 1.0])
    >>> r = opim_c(g, 2, rng=0, min_samples=1000, n_evaluation=1000)
    >>> r.seeds, r.spread.mean
    ([0, 3], 5.0)
    """
    prob = Problem(graph, k, model=model, rng=rng, n_jobs=n_jobs, exclude=exclude, client=client)
    eps = check_eps(eps)
    n = prob.graph.n
    delta = check_delta(delta, n)
    sampler = prob.rr_sampler()
    weight = sampler.total_weight
    opt_floor = _opt_floor(prob)
    log_c = log_binomial(n, prob.k)
    log6 = math.log(6.0 / delta)
    root = ONE_MINUS_INV_E * math.sqrt(log6) + math.sqrt(ONE_MINUS_INV_E * (log_c + log6))
    theta_max = 2.0 * weight * root**2 / (eps**2 * opt_floor)
    theta0 = theta_max * eps**2 * opt_floor / weight
    i_max = max(1, math.ceil(math.log2(max(theta_max / theta0, 2.0))))
    # Up to i_max + 1 rounds (doubling from theta0 until theta_max) and GROWTH_ROUNDS more
    # towards target_ratio, with two bounds each for stopping and one on the pooled sample,
    # and the evaluation's lower bound.
    a = log_events(3 * (i_max + 1) + 3 * GROWTH_ROUNDS + 1, delta)
    target = ONE_MINUS_INV_E - eps
    if target_ratio is not None:
        target_ratio = check_ratio(target_ratio)
    time_limit = check_time_limit(time_limit)
    if n_evaluation is not None:
        n_evaluation = check_count(n_evaluation, "n_evaluation")

    seed1, seed2 = draw_run_seed(prob.gen), draw_run_seed(prob.gen)
    pilot = sampler.sample(1000, run_seed=seed1)
    cap = memory_cap(max_memory)
    # The floor is one of work: enough RR-set entries for a stable choice, not a number of
    # sets (on a dense graph one set can hold the whole graph).
    floor = sets_for_entries(min_samples * ENTRIES_PER_SET, pilot)
    size = int(min(max(math.ceil(theta0), floor), math.ceil(theta_max)))
    fits = int(sets_within(cap, pilot))
    stopped = fits < size
    size = max(1, min(size, fits))

    def doubled(sets: Any, run_seed: int, n_threads: int = prob.n_threads) -> Any:
        """``sets`` followed by as many more of the same stream."""
        return sampler.sample(sets.count, run_seed=run_seed, first=sets.count, n_threads=n_threads, after=sets)

    # Round 1 cannot stop on the settled rule (its seeds are only what round 2 is judged
    # against), so when nothing else can stop it either, both samples double after it. Then,
    # with a second thread, the second sample is drawn at twice the size on the helper while
    # the first is drawn and greedy picks round 1's seeds: the same sets, one core no longer idle.
    later = None
    if (prob.n_threads > 1 and not stopped and time_limit is None and 2 * size <= min(fits, theta_max)
            and isinstance(sampler, RRSampler)):
        later = alongside(lambda: sampler.sample(2 * size, run_seed=seed2, n_threads=1))
        r1 = sampler.sample(size, run_seed=seed1, n_threads=1)
    else:
        r1 = sampler.sample(size, run_seed=seed1, n_threads=prob.n_threads)
        r2 = sampler.sample(size, run_seed=seed2, n_threads=prob.n_threads)

    # From round 2 on, a round may be the last, and then the bound's instance is that of both samples
    # as they stand: with a second thread, it is built beside the round's greedy, and given up if the
    # round doubles after all (the helper would otherwise idle until the pooled greedy).
    cons = k_constraints(prob)
    ahead = prob.n_threads > 1 and target_ratio is None and isinstance(sampler, RRSampler)
    speculation: tuple[Any, Any, threading.Event] | None = None  # (pool, its instance when built, give up)
    rounds = 0
    seeds = None
    while True:
        rounds += 1
        earlier = seeds
        if ahead and earlier is not None and 2 * r1.count <= sets_within(cap, r1):
            pool = r1 + r2
            given_up = threading.Event()
            speculation = (pool, alongside(functools.partial(_shrink_for_bound, pool, cons, prob.n_threads,
                                                             given_up.is_set)), given_up)
        seeds, gains, bound = r1.greedy(prob.k, allowed=prob.allowed,
                                        n_threads=1 if later is not None or speculation is not None else prob.n_threads)
        if later is not None:  # round 1 of the pipeline: it doubles unless the memory cap leaves no room
            room = 2 * r1.count <= sets_within(cap, r1)
            if room:
                r1 = doubled(r1, seed1, n_threads=1)
            r2, later = later(), None
            if room:
                if progress:
                    progress(r1.count // 2, int(theta_max), phase="sampling")
                continue
            r2 = r2.head(r1.count)
        # The new seeds judged on R2, and the last round's (on this R2, twice the one that judged them).
        before, covered2 = (None, r2.covered(seeds)) if earlier is None else r2.covered_by_each(earlier, seeds)
        settled = before is not None and covered2 <= before * (1 + SETTLED_GAIN)
        lower = spread_lower(covered2, a, weight, r2.count)
        upper = spread_upper(bound, a, weight, r1.count)
        ratio = certified_ratio(lower, upper)
        if progress:
            progress(min(r1.count, int(theta_max)), int(theta_max), phase="sampling")
        if (ratio >= target and settled) or r1.count >= theta_max:
            break
        if stopped or 2 * r1.count > sets_within(cap, r1):
            stopped = stopped or ratio < target  # short of the target for want of memory
            break
        if time_limit is not None and prob.elapsed() > time_limit:
            break
        if speculation is not None:  # not the last round: its instance is not wanted
            speculation[2].set()
            speculation = None
        r1, r2 = doubled(r1, seed1), doubled(r2, seed2)
    fraction = covered2 / r2.count  # the seeds' judged coverage, before any growth
    need = r2.count  # sets each bound rests on: the pooled sample has twice as many
    grown = 0
    if target_ratio is not None and ratio < target_ratio and isinstance(r1, RRSets):
        # Grow both samples by doublings until the pooled sample and the evaluation hold as many sets
        # as sampling alone needs to leave room for the target (assuming the bound on the sample
        # comes within 1% of the seeds' coverage), estimated again after each doubling: from a
        # small sample the estimate is pessimistic (its seeds judge worse, its greedy coverage is
        # inflated), and the sizes stay on the grid the union bound counts.
        room = int(min(sets_within(cap, r1), MAX_GROWTH * r1.count))
        while True:
            need = count_for_ratio(min(0.999, target_ratio / 0.99), gains.sum() / r1.count, fraction, a,
                                   r1.count, 2 * room)
            if need <= 2 * r1.count or 2 * r1.count > room:
                break
            if time_limit is not None and prob.elapsed() > time_limit:
                break
            r1, r2 = doubled(r1, seed1), doubled(r2, seed2)
            grown += 1
            seeds, gains, _ = r1.greedy(prob.k, allowed=prob.allowed, n_threads=prob.n_threads)
            fraction = r2.covered(seeds) / r2.count
    # The evaluation gives the lower bound: by default sized for its precision, towards a target
    # at least as large as the bounds need.
    if n_evaluation is None and evaluation == "rr":
        n_evaluation = evaluation_size(None, fraction)
        if target_ratio is not None:
            n_evaluation = max(n_evaluation, need)
    judged = n_evaluation if n_evaluation is not None else DEFAULT_EVALUATION
    expected_lower = spread_lower(round(fraction * judged), a, weight, judged)
    # The final choice is greedy on both samples together: twice the sample behind the seeds
    # (R2 has done its work: judging when to stop). The upper bound then comes from the pooled
    # sample and the lower bound from the evaluation's fresh RR sets, independent of both.
    roomy = 2 * r1.count <= sets_within(cap, r1)  # memory for a doubling: greedy's index and the bound's rows at once
    pool, building = (r1 + r2, None) if speculation is None else speculation[:2]
    del r1, r2
    local = isinstance(pool, RRSets)  # a local sample: the Lagrangian tightens the bound on the optimum
    if local and building is None and prob.n_threads > 1 and roomy:
        # Its instance does not depend on the seeds: with a second thread (and the memory), built while
        # greedy picks them, greedy then keeping to one thread.
        building = alongside(functools.partial(_shrink_for_bound, pool, cons, prob.n_threads))
    seeds, gains, bound = pool.greedy(prob.k, allowed=prob.allowed,
                                      n_threads=1 if building is not None else prob.n_threads)
    upper = spread_upper(bound, a, weight, pool.count)
    details: dict[str, Any] = {"greedy_upper_bound": upper, "growth_rounds": grown}
    tight = None
    if local:
        spent = prob.elapsed()
        if progress:
            progress(0, 1, phase="bounding")
        shrunk = building() if building is not None else shrink(pool, cons, prob.n_threads)
        budget_s = None if time_limit is None else max(0.0, time_limit - prob.elapsed())
        # By default a fixed number of steps (the same answer on any machine); towards a
        # target, as many as it takes (with the lower bound the evaluation should give).
        steps = DEFAULT_BOUND_STEPS if target_ratio is None else 1000
        tight = tighten_k(shrunk, cons, pool, seeds, lower=expected_lower, a=a, target_ratio=target_ratio,
                          time_limit=budget_s, max_iterations=steps)
        upper = min(upper, spread_upper(tight.bound, a, weight, pool.count))
        if progress:
            progress(1, 1, phase="bounding")
        details.update(lagrangian_iterations=tight.iterations, lagrangian_bound_coverage=tight.bound,
                       bound_s=prob.elapsed() - spent)
    result = prob.result(
        "opim-c", seeds, gains * (weight / pool.count),
        params={"eps": eps, "delta": delta, "min_samples": min_samples, "max_memory": cap,
                "target_ratio": target_ratio, "time_limit": time_limit},
        evaluation=evaluation, n_evaluation=n_evaluation,
        upper_bound=upper, certify_a=a,
        details={
            "rr_sets": pool.count, "rounds": rounds, "theta_max": int(math.ceil(theta_max)),
            "target_ratio": target_ratio or target, "stopped_by_memory": stopped,
            "rr_bytes": pool.nbytes, **details,
        },
    )
    if tight is None:
        return result
    parts = slack(result.approx_ratio, float(gains.sum()), min(tight.bound, float(bound)),
                  lower=result.lower_bound, judged=result.spread.mean, upper=upper, chosen_count=pool.count,
                  weight=weight)
    return dataclasses.replace(result, details={**result.details, "slack": parts})


def _shrink_for_bound(sets: RRSets, cons: Constraints, n_threads: int,
                      stop: Callable[[], bool] | None = None) -> ShrunkInstance | None:
    """The shrunk instance with its rows by variable, which the Lagrangian bound reads; None when ``stop``
    says it is not wanted after all."""
    try:
        instance = shrink(sets, cons, n_threads, stop=stop)
    except Abandoned:
        return None
    if stop is not None and stop():
        return None
    instance.var_rows  # noqa: B018 (computed here, on the thread beside greedy)
    return instance


def k_constraints(prob: Problem) -> Constraints:
    """The constraints of a k-seed problem: any ``k`` of the allowed nodes."""
    never = np.zeros(0, np.int32) if prob.allowed is None else np.flatnonzero(prob.allowed == 0).astype(np.int32)
    return Constraints(costs=np.ones(prob.graph.n), budget=float(prob.k), must=np.zeros(0, np.int32), never=never)


def tighten_k(instance: ShrunkInstance, cons: Constraints, sets: RRSets, seeds: np.ndarray, *, lower: float,
              a: float, target_ratio: float | None, time_limit: float | None, max_iterations: int) -> Any:
    """The Lagrangian bound on the best k-set's coverage of ``sets`` (shrunk to ``instance``; see
    :mod:`seeding.relax`)."""
    tolerance = 1e-3
    if target_ratio is not None:  # stop as soon as the bound certifies the target
        enough = covered_for_upper(lower / target_ratio, a, sets.total_weight, sets.count)
        tolerance = max(tolerance, enough / max(instance.coverage(instance.variables_of(seeds)), 1.0) - 1.0)
    return sample_bound(instance, cons, seeds, time_limit=time_limit, tolerance=tolerance,
                        max_iterations=max_iterations)


def imm(
    graph: Any,
    k: int,
    *,
    model: str = "ic",
    eps: float = 0.1,
    ell: float = 1.0,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    exclude: Any = (),
    max_memory: int | str | None = None,
    client: Any = None,
    evaluation: str = "rr",
    n_evaluation: int | None = None,
    progress: Progress | None = None,
) -> SeedSet:
    """IMM (Tang, Shi, Xiao 2015): a (1 - 1/e - eps) approximation w.p. 1 - 1/n^ell.

    A sampling phase finds a lower bound ``LB`` on the optimum by trying
    ``x = n/2, n/4, ...``; the final phase samples ``theta = lambda* / LB`` RR sets
    and runs greedy on them. Following Chen (2018), the final sets are sampled
    afresh rather than reusing those of the sampling phase, which the original
    martingale argument does not cover.

    Parameters
    ----------
    eps : float, default 0.1
    ell : float, default 1
        Failure probability ``1 / n**ell`` (``ell`` is raised by ``1 + ln 2 / ln n``
        so both phases together keep it).
    max_memory : int or str, optional
        Cap on the memory of the RR sets (default: half of the memory available);
        past it, fewer sets are sampled and ``details["stopped_by_memory"]`` says
        so (the guarantee is then weaker; the certificate stays valid).
    Other parameters are as for :func:`opim_c`.

    Returns
    -------
    SeedSet
        ``upper_bound`` bounds the optimum from the greedy run on the final
        sample (Tang et al. 2018); ``lower_bound`` bounds the seeds' spread from
        the independent evaluation sample; both hold together with probability
        ``1 - 1/n**ell``, and ``approx_ratio`` is their ratio.

    References
    ----------
    Y. Tang, Y. Shi, X. Xiao. Influence maximization in near-linear time: a
    martingale approach. SIGMOD 2015. W. Chen. An issue in the martingale
    analysis of the influence maximization algorithm IMM. arXiv:1808.09363.

    Examples
    --------
    >>> from seeding import Graph
    >>> g = Graph.from_edges([0, 0, 1, 3], [1, 2, 2, 4], [1.0, 1.0, 1.0, 1.0])
    >>> imm(g, 2, rng=0, n_evaluation=1000).seeds
    [0, 3]
    """
    prob = Problem(graph, k, model=model, rng=rng, n_jobs=n_jobs, exclude=exclude, client=client)
    eps = check_eps(eps)
    n = prob.graph.n
    sampler = prob.rr_sampler()
    weight = sampler.total_weight
    log_n = math.log(max(n, 2))
    delta = float(max(n, 2)) ** -float(ell)
    ell = float(ell) * (1.0 + math.log(2.0) / log_n)
    log_c = log_binomial(n, prob.k)
    # The search for LB halves x from W/2 down to the floor on the optimum, so the
    # number of steps (and the sample sizes) depend on W / floor, not on the unit
    # of node weights.
    opt_floor = _opt_floor(prob)
    steps = max(1, math.ceil(math.log2(max(weight / opt_floor, 2.0))) - 1)
    eps_p = math.sqrt(2.0) * eps
    lam_p = (2.0 + 2.0 * eps_p / 3.0) * (log_c + ell * log_n + math.log(max(steps, 1)))
    lam_p *= weight / eps_p**2
    alpha = math.sqrt(ell * log_n + math.log(2.0))
    beta = math.sqrt(ONE_MINUS_INV_E * (log_c + ell * log_n + math.log(2.0)))
    lam_star = 2.0 * weight * (ONE_MINUS_INV_E * alpha + beta) ** 2 / eps**2

    seed_lb = draw_run_seed(prob.gen)
    lb = opt_floor
    cap = memory_cap(max_memory)
    stopped = False
    sets: RRSets | None = None
    for i in range(1, steps + 1):
        x = weight / 2.0**i
        theta_i = math.ceil(lam_p / x)
        if sets is not None and theta_i > sets_within(cap, sets, collections=1):
            stopped = True  # the search stops at the memory cap; LB stays a valid (smaller) bound
            break
        have = 0 if sets is None else sets.count
        if theta_i > have:
            more = sampler.sample(theta_i - have, run_seed=seed_lb, first=have, n_threads=prob.n_threads)
            sets = more if sets is None else sets + more
        seeds, gains, _ = sets.greedy(prob.k, allowed=prob.allowed, n_threads=prob.n_threads)
        estimate = weight * gains.sum() / sets.count
        if estimate >= (1.0 + eps_p) * x:
            lb = max(lb, estimate / (1.0 + eps_p))
            break
    theta = math.ceil(lam_star / lb)
    if cap is not None and sets is not None and theta > sets_within(cap, sets, collections=1):
        theta, stopped = max(1, int(sets_within(cap, sets, collections=1))), True
    if progress:
        progress(0, theta)
    final = sampler.sample(theta, run_seed=draw_run_seed(prob.gen), n_threads=prob.n_threads)
    seeds, gains, bound = final.greedy(prob.k, allowed=prob.allowed, n_threads=prob.n_threads)
    if progress:
        progress(theta, theta)
    # The certificate, as OPIM-C's: the greedy bound on the optimum's coverage of the
    # final sample, and a lower bound on the seeds' spread from the evaluation's
    # fresh RR sets; two events, together failing with probability <= delta.
    a = log_events(2, delta)
    return prob.result(
        "imm", seeds, gains * (weight / final.count),
        params={"eps": eps, "ell": ell, "delta": delta},
        evaluation=evaluation, n_evaluation=n_evaluation,
        upper_bound=spread_upper(bound, a, weight, final.count), certify_a=a,
        details={"rr_sets": int(final.count + (sets.count if sets is not None else 0)),
                 "lower_bound_opt": float(lb), "theta": theta, "lb_search_steps": steps,
                 "stopped_by_memory": stopped},
    )
