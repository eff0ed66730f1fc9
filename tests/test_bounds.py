"""Every reported bound, certificate and interval against exact answers on random tiny graphs.

Exact spreads come from enumerating live-edge worlds (``exact.all_subset_spreads``),
exact optima from enumerating seed sets. Bounds that hold with probability
``1 - delta`` are run with ``delta`` of about 1e-6, so a failure means a bug, and
hypothesis is derandomized so a run is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from exact import all_subset_spreads, bitmask, exact_ic_spread, exact_lt_spread, tiny_graphs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seeding
from seeding import Graph, InfeasibleError, SeedingError, select_seeds
from seeding.algorithms.ris import GROWTH_ROUNDS
from seeding.bounds import log_events, spread_lower, spread_upper

DELTA = 1e-6
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COST_VALUES = [1 / 3, 1 / 2, 2 / 3, 1.0, 3 / 2]


@st.composite
def tiny_problems(draw, max_arcs: int = 12):
    """A random graph of 5-8 nodes and up to ``max_arcs`` arcs, a model, maybe node weights."""
    n = draw(st.integers(5, 8))
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    arcs = draw(st.lists(st.sampled_from(pairs), min_size=3, max_size=max_arcs, unique=True))
    p = draw(st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.8, 1.0]), min_size=len(arcs), max_size=len(arcs)))
    weights = None
    if draw(st.booleans()):
        weights = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=n, max_size=n)))
        if weights.sum() == 0:
            weights[0] = 1.0
    src, dst = zip(*arcs, strict=True)
    g = Graph.from_edges(list(src), list(dst), p, labels=np.arange(n), node_weights=weights)
    model = draw(st.sampled_from(["ic", "lt"]))
    return (lt_ready(g) if model == "lt" else g), model


def lt_ready(g: Graph) -> Graph:
    """LT weights from ``p``, scaled so that each node's in-weights sum to at most 1."""
    sums = np.bincount(g.indices, weights=g.p, minlength=g.n)
    return g.with_lt_weights(g.p / np.maximum(sums, 1.0)[g.indices])


def optimum(spreads: np.ndarray, n: int, k: int) -> float:
    sizes = np.array([bin(s).count("1") for s in range(1 << n)])
    return float(spreads[sizes == k].max())


# ------------------------------------------------------------------ k-seed methods
@PROPERTY
@given(problem=tiny_problems(), k=st.integers(1, 3), rng=st.integers(0, 2**16))
def test_opim_c_bounds_hold_against_exact_answers(problem, k, rng):
    g, model = problem
    spreads = all_subset_spreads(g, model)
    r = seeding.maximize_influence(g, k, method="opim-c", model=model, rng=rng, delta=DELTA,
                                   min_samples=2000, n_evaluation=20_000)
    chosen = spreads[bitmask(g.index_of(r.seeds))]
    assert r.upper_bound >= optimum(spreads, g.n, k) - 1e-9
    assert r.lower_bound <= chosen + 1e-9
    assert 0.0 <= r.approx_ratio <= 1.0
    assert r.approx_ratio == pytest.approx(min(1.0, r.lower_bound / r.upper_bound))


@PROPERTY
@given(problem=tiny_problems(), k=st.integers(1, 3), rng=st.integers(0, 2**16))
def test_opim_c_towards_a_target_ratio_keeps_its_bounds(problem, k, rng):
    """Growing the samples towards a target (doublings, each re-estimated) keeps both bounds true."""
    g, model = problem
    spreads = all_subset_spreads(g, model)
    r = seeding.maximize_influence(g, k, method="opim-c", model=model, rng=rng, delta=DELTA, min_samples=500,
                                   target_ratio=0.99)
    chosen = spreads[bitmask(g.index_of(r.seeds))]
    assert r.upper_bound >= optimum(spreads, g.n, k) - 1e-9
    assert r.lower_bound <= chosen + 1e-9
    assert 0 <= r.details["growth_rounds"] <= GROWTH_ROUNDS


@PROPERTY
@given(problem=tiny_problems(), k=st.integers(1, 3), rng=st.integers(0, 2**16))
def test_imm_certificate_is_a_real_certificate(problem, k, rng):
    g, model = problem
    spreads = all_subset_spreads(g, model)
    ell = math.log(1 / DELTA) / math.log(g.n)  # failure probability n**-ell = DELTA
    r = seeding.maximize_influence(g, k, method="imm", model=model, rng=rng, ell=ell, n_evaluation=20_000)
    chosen = spreads[bitmask(g.index_of(r.seeds))]
    assert r.upper_bound >= optimum(spreads, g.n, k) - 1e-9
    assert r.lower_bound <= chosen + 1e-9
    assert r.approx_ratio * r.upper_bound <= chosen + 1e-9  # the implied lower bound


def test_imm_certifies_far_above_one_minus_inv_e_on_a_deterministic_graph():
    # p = 1: every RR set is exact, greedy is optimal, so the certificate must say so
    # (the in-sample coverage/(1 - 1/e) of old said about 0.632 by construction).
    g = Graph.from_edges([0, 0, 0, 1, 1, 2], [3, 4, 5, 6, 7, 8], [1.0] * 6)
    for method in ("imm", "opim-c"):
        r = seeding.maximize_influence(g, 2, method=method, rng=1, n_evaluation=200_000)
        assert sorted(r.seeds) == [0, 1]
        assert r.approx_ratio > 0.9, method


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_selection_under_both_models_against_the_exact_optimum(model):
    for name, g in tiny_graphs().items():
        g = lt_ready(g) if model == "lt" else g
        spreads = all_subset_spreads(g, model)
        for k in (1, 2):
            opt = optimum(spreads, g.n, k)
            for method in ("opim-c", "imm", "celf"):
                extra = {"n_simulations": 4000} if method == "celf" else {}
                r = seeding.maximize_influence(g, k, method=method, model=model, rng=3, n_evaluation=20_000, **extra)
                value = spreads[bitmask(g.index_of(r.seeds))]
                assert value >= (1 - 1 / math.e - 0.05) * opt, (name, k, method)
                if r.upper_bound is not None:
                    assert r.upper_bound >= opt and r.lower_bound <= value + 1e-9


def test_certificate_with_too_few_sets_is_zero_not_negative():
    g = seeding.with_probability(Graph.from_edges(*np.random.default_rng(1).integers(0, 300, (2, 3000))), "wc")
    # OPIM-C's lower bound comes from the evaluation's fresh sets: five cannot certify anything.
    r = seeding.maximize_influence(g, 5, method="opim-c", rng=1, max_memory=2000, n_evaluation=5)
    assert r.details["stopped_by_memory"]
    assert r.lower_bound == 0.0 and r.approx_ratio == 0.0
    assert "none reached" in r.details["guarantee"]


# ------------------------------------------------------------------ budgeted methods
@st.composite
def budgeted_problems(draw):
    g, model = draw(tiny_problems(max_arcs=10))
    n = g.n
    costs = np.array(draw(st.lists(st.sampled_from(COST_VALUES), min_size=n, max_size=n)))
    budget = draw(st.sampled_from([1.0, 4 / 3, 2.0, 2.5]))
    nodes = st.integers(0, n - 1)
    must = draw(st.lists(nodes, max_size=1))
    never = draw(st.lists(nodes, max_size=2, unique=True))
    groups = quotas = None
    if draw(st.booleans()):
        groups = {v: draw(st.sampled_from(["a", "b"])) for v in range(n)}
        lo = draw(st.integers(0, 1))
        quotas = {"a": (lo, draw(st.integers(max(lo, 1), 2)))}
    max_seeds = draw(st.sampled_from([None, 2, 3]))
    return g, model, costs, budget, must, never, groups, quotas, max_seeds


def exact_budgeted(spreads, g, costs, budget, must, never, groups, quotas, max_seeds):
    """(best exact spread, feasibility of every bitmask), checked here independently of the library."""
    n = g.n
    feasible = np.zeros(1 << n, dtype=bool)
    for s in range(1 << n):
        chosen = [v for v in range(n) if s >> v & 1]
        if not set(must) <= set(chosen) or set(never) & set(chosen):
            continue
        if costs[chosen].sum() > budget * (1 + 1e-9) or (max_seeds is not None and len(chosen) > max_seeds):
            continue
        if quotas:
            count = sum(groups[v] == "a" for v in chosen)
            if not quotas["a"][0] <= count <= quotas["a"][1]:
                continue
        feasible[s] = True
    best = float(spreads[feasible].max()) if feasible.any() else None
    return best, feasible


@PROPERTY
@given(problem=budgeted_problems(), method=st.sampled_from(["mip", "cp-sat", "cost-celf"]),
       rng=st.integers(0, 2**16))
def test_budgeted_bounds_and_feasibility_against_exact_answers(problem, method, rng):
    g, model, costs, budget, must, never, groups, quotas, max_seeds = problem
    spreads = all_subset_spreads(g, model)
    best, feasible = exact_budgeted(spreads, g, costs, budget, must, never, groups, quotas, max_seeds)
    kwargs = dict(method=method, model=model, must=must, never=never, groups=groups, quotas=quotas,
                  extra_budgets=[("uniform", max_seeds)] if max_seeds else None, rng=rng, delta=DELTA,
                  min_samples=2000, max_samples=32_000, n_evaluation=20_000, time_limit=10)
    if best is None:
        with pytest.raises(SeedingError):
            select_seeds(g, budget, costs, **kwargs)
        return
    try:
        r = select_seeds(g, budget, costs, **kwargs)
    except InfeasibleError:
        raise AssertionError("a feasible problem was called infeasible") from None
    except SeedingError as exc:  # greedy alone may miss a minimum quota; it must say so
        assert method == "cost-celf" and "minimum quotas" in str(exc)
        return
    mask = bitmask(g.index_of(r.seeds))
    assert feasible[mask], "the selection breaks a constraint on the exact costs"
    assert r.cost == pytest.approx(costs[g.index_of(r.seeds)].sum())
    assert r.upper_bound >= best - 1e-9
    assert r.lower_bound <= spreads[mask] + 1e-9
    assert 0.0 <= r.approx_ratio <= 1.0
    assert r.status in ("optimal", "feasible")
    assert (r.status == "optimal") == (r.gap is not None and r.gap <= 1e-6)


# ------------------------------------------------------------------ confidence intervals
@pytest.mark.parametrize("model", ["ic", "lt"])
def test_monte_carlo_ci_covers_the_exact_spread_95_percent_of_the_time(model):
    g = lt_ready(tiny_graphs()["two_hubs"])
    exact = exact_ic_spread(g, [0, 1]) if model == "ic" else exact_lt_spread(g, [0, 1])
    runs = 400
    hits = sum(
        (e := seeding.estimate_spread(g, [0, 1], model=model, n_simulations=200, rng=i)).ci_low <= exact <= e.ci_high
        for i in range(runs)
    )
    assert 0.92 <= hits / runs <= 0.98  # 95% +/- about 3 standard errors


@pytest.mark.parametrize("seeds", [[0, 1], [7]])
def test_rr_ci_covers_the_exact_spread_95_percent_of_the_time(seeds):
    g = tiny_graphs()["two_hubs"]
    exact = exact_ic_spread(g, seeds)
    sampler = seeding.RRSampler(g, "ic")
    runs = 400
    hits = sum(
        (e := sampler.estimate(g.index_of(seeds), 300, run_seed=i)).ci_low <= exact <= e.ci_high
        for i in range(runs)
    )
    assert 0.92 <= hits / runs <= 0.98


# ------------------------------------------------------------------ the formulas themselves
@settings(max_examples=200, deadline=None, derandomize=True)
@given(frac=st.floats(0.01, 1.0), count=st.integers(100, 5000), weight=st.floats(1.0, 1e6))
def test_lower_and_upper_formulas_bracket_the_observed_fraction(frac, count, weight):
    covered = round(frac * count)
    a = log_events(10, DELTA)
    lo, hi = spread_lower(covered, a, weight, count), spread_upper(covered, a, weight, count)
    assert 0.0 <= lo <= weight * covered / count <= hi <= weight


@settings(max_examples=200, deadline=None, derandomize=True)
@given(a=st.floats(0.01, 200.0), count=st.integers(1, 10**6))
def test_lower_formula_is_zero_exactly_up_to_two_thirds_of_a(a, count):
    # (sqrt(c + 2a/9) - sqrt(a/2))^2 - a/18 is 0 at c = 0 and at c = 2a/3, negative between,
    # increasing above: rounding must not turn "nothing certified" into a tiny positive bound.
    edge = 2.0 * a / 3.0
    for covered in (0, edge / 2, edge):
        assert spread_lower(covered, a, 1.0, count) == 0.0
    assert spread_lower(math.floor(edge) + 1, a, 1.0, count) > 0.0
    assert spread_lower(edge * 1.01 + 1e-9, a, 1.0, count) > 0.0


def test_bound_failure_rate_is_below_delta_by_simulation():
    # Binomial(count, q) coverage: the lower bound at a = ln(1/0.05) fails in at most 5% of
    # draws, the upper bound too (a loose delta here so failures are observable at all).
    rng = np.random.default_rng(0)
    q, count, a = 0.3, 400, math.log(1 / 0.05)
    covered = rng.binomial(count, q, size=20_000)
    lower_fail = np.mean([spread_lower(c, a, 1.0, count) > q for c in covered])
    upper_fail = np.mean([spread_upper(c, a, 1.0, count) < q for c in covered])
    assert lower_fail <= 0.05 and upper_fail <= 0.05
    widths = [spread_upper(c, a, 1.0, count) - spread_lower(c, a, 1.0, count) for c in covered[:100]]
    assert np.mean(widths) < 0.2  # and not vacuous: about +/- 2.5 standard errors


def test_slack_splits_the_certificate():
    g = tiny_graphs()["two_hubs"]
    for r in (seeding.maximize_influence(g, 2, rng=1, n_evaluation=10_000),
              select_seeds(g, 2.5, {v: 1.0 for v in range(g.n)}, rng=1, min_samples=5000, n_evaluation=10_000)):
        parts = r.details["slack"]
        for key in ("sampling", "optimization", "lower_sampling", "upper_sampling"):
            assert 0.0 <= parts[key] < 1.0
        # The three slacks are computed apart; together with the judging sample's coverage over the
        # choosing one's (close to 1 with thousands of sets) they make up the certified ratio.
        parts_product = (1 - parts["lower_sampling"]) * (1 - parts["upper_sampling"]) * (1 - parts["optimization"])
        assert parts_product == pytest.approx(r.approx_ratio, rel=0.06)
        assert parts["lower_sampling"] > 0 and parts["upper_sampling"] > 0  # a finite sample never certifies exactly
