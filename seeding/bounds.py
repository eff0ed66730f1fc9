"""Concentration bounds that turn RR-set counts into certified spreads.

The one home of the formulas behind every ``upper_bound`` and certified ratio
that ``seeding`` reports. For a seed set ``S`` fixed before a collection of
``theta`` RR sets is drawn, the number of sets it covers is a sum of
independent Bernoulli variables with mean ``theta * sigma(S) / W`` (``W``: the
number of nodes, or their total weight). Tang, Tang, Xiao and Yuan (2018,
Lemma 4.2 and 4.3, from martingale tail bounds) show that, with ``a = ln(1 /
delta)``,

* ``sigma(S) >= ((sqrt(cov + 2a/9) - sqrt(a/2))**2 - a/18) * W / theta`` and
* ``sigma(S) <= (sqrt(cov + a/2) + sqrt(a/2))**2 * W / theta``

each fail with probability at most ``delta``. A statement made of several such
bounds holds with probability ``1 - delta`` when ``a = ln(events / delta)``
(union bound): :func:`log_events` counts them.

The upper bound applies to the *optimal* seed set ``S*`` (fixed, though
unknown) through any number that is at least its coverage of the sample: the
greedy bound of :func:`seeding._kernels.max_cover`, a knapsack bound, or the
bound of an LP or MIP solved on that sample.

References
----------
J. Tang, X. Tang, X. Xiao, J. Yuan. Online processing algorithms for influence
maximization. SIGMOD 2018.
"""

from __future__ import annotations

import math

__all__ = [
    "ONE_MINUS_INV_E", "log_events", "spread_lower", "spread_upper", "certified_ratio", "sampling_ratio",
    "count_for_ratio", "slack", "covered_for_upper",
]

ONE_MINUS_INV_E = 1.0 - 1.0 / math.e


def log_events(events: int, delta: float) -> float:
    """``a = ln(events / delta)``: each of ``events`` bounds then fails w.p. ``delta / events``."""
    return math.log(max(int(events), 1) / delta)


def spread_lower(covered: float, a: float, weight: float, count: int) -> float:
    """A lower bound on ``sigma(S)`` from ``covered`` of ``count`` sets drawn independently of ``S``.

    The root is positive exactly when ``covered > 2a/3``; at or below that a sample
    certifies nothing and the bound is 0 (the formula there is 0 or negative
    analytically, and at ``covered = 0`` rounding alone would make it about 1e-14).

    Examples
    --------
    >>> spread_lower(0, 5.0, 100.0, 1000)
    0.0
    >>> 40.0 < spread_lower(500, 5.0, 100.0, 1000) < 50.0
    True
    """
    if count <= 0 or covered <= 2.0 * a / 3.0:
        return 0.0
    value = (math.sqrt(covered + 2.0 * a / 9.0) - math.sqrt(a / 2.0)) ** 2 - a / 18.0
    return max(0.0, value) * weight / count


def spread_upper(covered: float, a: float, weight: float, count: int) -> float:
    """An upper bound on ``sigma(S*)`` from an upper bound ``covered`` on its coverage of ``count`` sets.

    Never above ``weight`` (no seed set reaches more than everyone).

    Examples
    --------
    >>> 50.0 < spread_upper(500, 5.0, 100.0, 1000) < 60.0
    True
    """
    if count <= 0:
        return weight
    return min(weight, (math.sqrt(covered + a / 2.0) + math.sqrt(a / 2.0)) ** 2 * weight / count)


def certified_ratio(lower: float, upper: float) -> float:
    """``lower / upper`` in [0, 1]: the fraction of the optimum the seeds certainly reach."""
    if upper <= 0:
        return 1.0 if lower >= upper else 0.0
    return min(1.0, max(0.0, lower) / upper)


def sampling_ratio(chosen_frac: float, judged_frac: float, a: float, count: int) -> float:
    """The certified ratio ``count`` sets per collection would give if the bound on the sample were exact.

    ``chosen_frac`` is the fraction of the choosing sample the seeds cover (the best
    possible bound on the sample optimum), ``judged_frac`` the fraction of the
    independent sample; the node total ``W`` cancels.
    """
    return certified_ratio(spread_lower(judged_frac * count, a, 1.0, count),
                           spread_upper(chosen_frac * count, a, 1.0, count))


def count_for_ratio(target: float, chosen_frac: float, judged_frac: float, a: float, count: int,
                    max_count: int) -> int:
    """The smallest ``count * 2**j`` (at most ``max_count``) whose sampling ratio reaches ``target``."""
    size = max(int(count), 1)
    while size < max_count and sampling_ratio(chosen_frac, judged_frac, a, size) < target:
        size *= 2
    return min(size, int(max_count))


def slack(ratio: float, chosen_covered: float, bound_covered: float, *, lower: float | None = None,
          judged: float | None = None, upper: float | None = None,
          chosen_count: int | None = None, weight: float = 1.0) -> dict:
    """Split ``1 - ratio`` into its optimization part (on the choosing sample) and the rest (sampling).

    ``optimization`` is ``1 - chosen_covered / bound_covered``: how far the seeds may
    be from the optimum of the sample; ``sampling`` is what the concentration
    bounds and the second sample take on top. With the bounds and the counts,
    the two concentration slacks are reported apart: ``lower_sampling`` (the
    lower bound below ``judged``, the judging sample's spread estimate) and
    ``upper_sampling`` (the sample optimum's bound below the upper bound).
    """
    optimization = 0.0 if bound_covered <= 0 else max(0.0, 1.0 - chosen_covered / bound_covered)
    sampling = max(0.0, 1.0 - ratio / (1.0 - optimization)) if optimization < 1.0 else 0.0
    out = {"total": max(0.0, 1.0 - ratio), "sampling": sampling, "optimization": optimization}
    if lower is not None and judged is not None and judged > 0:
        out["lower_sampling"] = max(0.0, 1.0 - lower / judged)
    if upper is not None and chosen_count and upper > 0:
        out["upper_sampling"] = max(0.0, 1.0 - weight * bound_covered / chosen_count / upper)
    return out


def covered_for_upper(upper: float, a: float, weight: float, count: int) -> float:
    """The largest coverage bound whose :func:`spread_upper` is at most ``upper`` (its inverse)."""
    root = math.sqrt(max(upper, 0.0) * count / weight) - math.sqrt(a / 2.0)
    return max(0.0, root) ** 2 - a / 2.0
