from __future__ import annotations

import importlib
import math
import warnings

import networkx as nx
import numpy as np
import pytest
from exact import exact_ic_spread, exact_spread_table, tiny_graphs
from hypothesis import given, settings
from hypothesis import strategies as st

import seeding
from seeding import Graph, SeedingError, SeedingWarning, _kernels, maximize_influence
from seeding.algorithms import METHODS

GREEDY_MODULE = importlib.import_module("seeding.algorithms.greedy")

ALL = list(METHODS)
GUARANTEED = ["greedy", "celf", "celf++", "imm", "opim-c"]


@pytest.fixture(scope="module")
def tables():
    graphs = tiny_graphs()
    return {name: (g, exact_spread_table(g)) for name, g in graphs.items()}


def options(method):
    if method in ("greedy", "celf", "celf++"):
        return {"n_simulations": 4000, "n_evaluation": 4000}
    return {"n_evaluation": 20_000}


@pytest.mark.parametrize("method", GUARANTEED)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_reaches_guarantee_against_exact_optimum(tables, method, k):
    matched = 0
    for g, table in tables.values():
        opt = max(v for s, v in table.items() if len(s) == k)
        result = maximize_influence(g, k, method=method, rng=5, **options(method))
        chosen = tuple(sorted(g.index_of(result.seeds).tolist()))
        value = table[chosen]
        assert value >= (1 - 1 / math.e - 0.1) * opt
        matched += value >= opt - 1e-9
        assert result.k == k and len(set(result.seeds)) == k
    assert matched >= 2  # in practice the optimum on most tiny graphs


@pytest.mark.parametrize("method", ["imm", "opim-c"])
def test_upper_bound_never_below_exact_optimum(tables, method):
    for g, table in tables.values():
        for k in (1, 2, 3):
            opt = max(v for s, v in table.items() if len(s) == k)
            result = maximize_influence(g, k, method=method, rng=k, n_evaluation=1000)
            value = table[tuple(sorted(g.index_of(result.seeds).tolist()))]
            assert result.upper_bound >= opt
            assert result.lower_bound <= value  # a certificate, not an estimate
            assert result.approx_ratio == pytest.approx(result.lower_bound / result.upper_bound)


@pytest.mark.parametrize("method", ["imm", "opim-c"])
def test_node_weights_scaled_give_the_same_seeds_and_sample_sizes(method):
    # The unit of node weights must not matter: weights summing to ~1 once left IMM's
    # lower-bound search at its floor, with 19x more RR sets.
    g = random_graph(80, 0.05, seed=2)
    w = np.random.default_rng(3).integers(1, 5, g.n).astype(float)
    runs = [maximize_influence(g.with_node_weights(w * scale), 5, method=method, rng=4, n_evaluation=50_000)
            for scale in (1.0, 1 / 256, 1 / 300)]
    for r in runs[1:]:
        assert r.seeds == runs[0].seeds
        assert r.details["rr_sets"] == runs[0].details["rr_sets"]
    scale = runs[0].spread.mean / runs[2].spread.mean
    assert scale == pytest.approx(300, rel=1e-9)
    assert runs[2].upper_bound * 300 == pytest.approx(runs[0].upper_bound, rel=1e-9)


def test_max_cover_bound_dominates_every_k_set_on_the_sample():
    g = tiny_graphs()["two_hubs"]
    sets = seeding.RRSampler(g, "ic").sample(300, run_seed=3)
    seeds, gains, bound = sets.greedy(2)
    assert gains.sum() == sets.covered(seeds)
    best = max(sets.covered(np.array(s)) for s in __import__("itertools").combinations(range(g.n), 2))
    assert bound >= best >= gains.sum()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.lists(st.lists(st.integers(0, 39), max_size=6), max_size=300), st.integers(1, 8),
       st.integers(0, 2**32 - 1))
def test_max_cover_is_the_same_on_any_number_of_threads(n, sets, k, salt):
    """The coverage index built by several threads lists each node's sets in the same order as one thread."""
    sizes = [len(s) for s in sets]
    nodes = np.array([v % n for s in sets for v in s], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    k = min(k, n)
    allowed = np.zeros(0, np.uint8) if salt % 2 else (np.random.default_rng(salt).random(n) < 0.7).astype(np.uint8)
    if allowed.size and allowed.sum() == 0:
        allowed[0] = 1
    one = _kernels.max_cover(nodes, offsets, n, k, allowed, 1)
    for threads in (2, 3):
        many = _kernels.max_cover(nodes, offsets, n, k, allowed, threads)
        assert np.array_equal(one[0], many[0]) and np.array_equal(one[1], many[1]) and one[2] == many[2]


def random_graph(n=60, p=0.06, seed=4):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    return seeding.with_probability(Graph.from_networkx(G), "wc")


def test_greedy_celf_celfpp_choose_identical_seeds():
    g = random_graph()
    runs = [
        maximize_influence(g, 5, method=m, rng=7, n_simulations=300, n_evaluation=64)
        for m in ("greedy", "celf", "celf++")
    ]
    assert runs[0].seeds == runs[1].seeds == runs[2].seeds
    assert runs[0].gains == runs[1].gains == runs[2].gains
    evals = [r.details["spread_evaluations"] for r in runs]
    assert evals[1] < evals[0] and evals[2] < evals[0]


@pytest.mark.parametrize("method", ["opim-c", "imm", "celf"])
def test_same_rng_same_seeds_on_one_and_two_threads(method):
    g = random_graph()
    extra = {"n_simulations": 200} if method == "celf" else {}
    a = maximize_influence(g, 4, method=method, rng=3, n_jobs=1, n_evaluation=5000, **extra)
    b = maximize_influence(g, 4, method=method, rng=3, n_jobs=2, n_evaluation=5000, **extra)
    assert a.seeds == b.seeds and a.spread == b.spread
    assert a.upper_bound == b.upper_bound and a.approx_ratio == b.approx_ratio  # the bound, on its own thread or not
    if method == "opim-c":  # on two threads round 1's second sample is drawn beside the first: the same rounds
        assert (a.details["rounds"], a.details["rr_sets"]) == (b.details["rounds"], b.details["rr_sets"])


def test_bound_instance_built_ahead_is_given_up_when_the_round_doubles(monkeypatch):
    # From round 2 on, two threads build the bound's instance beside each round's greedy in case the round
    # is the last; a round that doubles gives it up. Over four rounds the answer is the one thread's.
    from seeding.algorithms import ris
    from seeding.generate import rmat_edges

    built = []

    def recording(*args, **kwargs):
        out = shrink_for_bound(*args, **kwargs)
        built.append(out is not None)
        return out

    shrink_for_bound = ris._shrink_for_bound
    monkeypatch.setattr(ris, "_shrink_for_bound", recording)
    g = seeding.with_probability(Graph.from_edges(*rmat_edges(10, 8, rng=5)), "trivalency", rng=1)
    runs = [maximize_influence(g, 20, method="opim-c", rng=7, n_jobs=jobs, n_evaluation=30_000, min_samples=2000)
            for jobs in (1, 2)]
    one, two = runs
    assert one.details["rounds"] == two.details["rounds"] >= 3
    assert (one.seeds, one.spread, one.upper_bound, one.approx_ratio) == (two.seeds, two.spread, two.upper_bound,
                                                                            two.approx_ratio)
    assert one.details["rr_sets"] == two.details["rr_sets"]
    # Two threads: one instance per round from round 2 on, all but the last given up (the first may
    # finish before the give-up reaches it, and is then dropped).
    assert len(built) == two.details["rounds"] - 1 and built[-1]


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_rr_estimate_agrees_with_monte_carlo(model):
    g = random_graph(120, 0.04, seed=8)
    seeds = [0, 5, 9]
    rr = seeding.RRSampler(g, model).sample(200_000, run_seed=1).estimate(g.index_of(seeds))
    mc = seeding.estimate_spread(g, seeds, model=model, n_simulations=20_000, rng=2)
    assert abs(rr.mean - mc.mean) < 4 * math.hypot(rr.stderr, mc.stderr)


def test_rr_estimate_matches_exact_with_node_weights():
    g = tiny_graphs()["two_hubs"].with_node_weights(np.array([0, 0, 1, 1, 2, 0.5, 0, 3.0]))
    est = seeding.RRSampler(g, "ic").sample(200_000, run_seed=4).estimate(np.array([0]))
    assert abs(est.mean - exact_ic_spread(g, [0])) < 4 * est.stderr


def test_exclude_is_honoured():
    g = tiny_graphs()["two_hubs"]
    for method in ALL:
        extra = {"n_simulations": 200} if method in ("greedy", "celf", "celf++") else {}
        result = maximize_influence(g, 2, method=method, rng=1, exclude=[0, 1], n_evaluation=500, **extra)
        assert not {0, 1} & set(result.seeds)


def test_heuristics_rank_as_documented():
    star = Graph.from_edges([0, 0, 0, 5, 5], [1, 2, 3, 6, 7], [0.5] * 5)
    assert maximize_influence(star, 2, method="degree", rng=0, n_evaluation=100).seeds == [0, 5]
    assert maximize_influence(star, 1, method="pagerank", rng=0, n_evaluation=100).seeds == [0]


def test_bad_inputs():
    g = tiny_graphs()["diamond"]
    with pytest.raises(SeedingError, match=r"k must be an integer in \[1, 5\]; got 0"):
        maximize_influence(g, 0)
    with pytest.raises(SeedingError, match=r"\[1, 5\]; got 6"):
        maximize_influence(g, 6)
    with pytest.raises(SeedingError, match="eps must be a number in"):
        maximize_influence(g, 1, eps=1.5)
    with pytest.raises(SeedingError, match="unknown method 'magic'; choose one of opim-c, imm"):
        maximize_influence(g, 1, method="magic")
    with pytest.raises(SeedingError, match="takes no option 'eps'"):
        maximize_influence(g, 1, method="degree", eps=0.1)


def test_celf_on_a_large_graph_warns_with_cost(monkeypatch):
    monkeypatch.setattr(GREEDY_MODULE, "WARN_AFTER_S", 0.0)
    g = random_graph()
    with pytest.warns(SeedingWarning, match=r"spread evaluations.*RIS method"):
        maximize_influence(g, 1, method="celf", n_simulations=64, rng=0, n_evaluation=64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monkeypatch.setattr(GREEDY_MODULE, "WARN_AFTER_S", 1e9)
        maximize_influence(g, 1, method="celf", n_simulations=64, rng=0, n_evaluation=64)


def test_default_reaches_reference_quality_on_nethept(shared_data):
    g = seeding.read_graph(shared_data / "nethept-wc.txt")
    result = maximize_influence(g, 50, rng=1)
    mc = seeding.estimate_spread(g, result.seeds, n_simulations=3000, rng=2)
    assert mc.mean >= 945  # peers: 910-955 depending on eps
    assert result.upper_bound >= mc.mean and result.approx_ratio >= 1 - 1 / math.e - 0.05


def test_default_reaches_reference_quality_on_epinions(shared_data):
    g = seeding.read_graph(shared_data / "soc-Epinions1.txt.gz", probability="wc")
    result = maximize_influence(g, 50, rng=1)
    assert result.spread.mean >= 11_680
    mc = seeding.estimate_spread(g, result.seeds, n_simulations=500, rng=2)
    assert abs(mc.mean - result.spread.mean) < 4 * math.hypot(mc.stderr, result.spread.stderr)


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_streaming_rr_estimate_equals_stored_sets(model):
    g = random_graph(150, 0.05, seed=2).with_node_weights(np.linspace(0.0, 2.0, 150))
    sampler = seeding.RRSampler(g, model)
    seeds = np.array([3, 40, 77])
    streamed = sampler.estimate(seeds, 20_000, run_seed=9, n_threads=2)
    stored = sampler.sample(20_000, run_seed=9, n_threads=1).estimate(seeds)
    assert streamed == stored
