from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from exact import exact_ic_spread, exact_lt_spread, tiny_graphs

import seeding
from seeding import Graph, SeedingError, estimate_spread, simulate


@pytest.mark.parametrize("name", sorted(tiny_graphs()))
@pytest.mark.parametrize("seeds", [[0], [0, 3], [1]])
def test_ic_mean_matches_live_edge_enumeration(name, seeds):
    g = tiny_graphs()[name]
    exact = exact_ic_spread(g, seeds)
    est = estimate_spread(g, seeds, n_simulations=40_000, rng=11)
    assert abs(est.mean - exact) < 4 * est.stderr + 1e-9, (est, exact)


@pytest.mark.parametrize("name", ["diamond", "two_hubs"])
def test_lt_mean_matches_enumeration(name):
    g = tiny_graphs()[name]
    g = g.with_lt_weights(seeding.with_probability(g, "wc").p * 0.9)
    exact = exact_lt_spread(g, [0])
    est = estimate_spread(g, [0], model="lt", n_simulations=40_000, rng=3)
    assert abs(est.mean - exact) < 4 * est.stderr, (est, exact)


def test_closed_forms_path_and_star():
    p = 0.6
    path = Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 4], [p] * 4)
    expected = sum(p**i for i in range(5))
    for model in ("ic", "lt"):  # a path has one in-arc per node: LT behaves as IC
        est = estimate_spread(path, [0], model=model, n_simulations=50_000, rng=5)
        assert abs(est.mean - expected) < 4 * est.stderr
    star = Graph.from_edges([0] * 6, [1, 2, 3, 4, 5, 6], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    est = estimate_spread(star, [0], n_simulations=50_000, rng=5)
    assert abs(est.mean - (1 + 2.1)) < 4 * est.stderr
    # LT star into one hub: reached iff the hub picks a seeded leaf.
    into = Graph.from_edges([1, 2, 3], [0, 0, 0], [0.2, 0.3, 0.4])
    est = estimate_spread(into, [1, 2], model="lt", n_simulations=50_000, rng=5)
    assert abs(est.mean - (2 + 0.5)) < 4 * est.stderr


def test_deterministic_cases():
    g = Graph.from_edges([0, 1, 2], [1, 2, 3], [1.0, 1.0, 0.0])
    assert simulate(g, [0], n_simulations=130, rng=1).tolist() == [3.0] * 130
    assert estimate_spread(g, [3], rng=1).mean == 1.0


def test_confidence_interval_covers_exact_value_about_95_percent():
    g = tiny_graphs()["two_hubs"]
    exact = exact_ic_spread(g, [0, 1])
    rng = np.random.default_rng(2024)
    hits = 0
    trials = 400
    for _ in range(trials):
        est = estimate_spread(g, [0, 1], n_simulations=300, rng=rng)
        hits += est.ci_low <= exact <= est.ci_high
    assert 0.91 <= hits / trials <= 0.985, hits / trials


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_same_rng_same_result_for_any_thread_count(model):
    g = seeding.with_probability(
        Graph.from_networkx(nx.gnp_random_graph(300, 0.03, seed=1, directed=True)), "wc"
    )
    a = simulate(g, [0, 1, 2], model=model, n_simulations=1000, rng=9, n_jobs=1)
    b = simulate(g, [0, 1, 2], model=model, n_simulations=1000, rng=9, n_jobs=2)
    c = simulate(g, [0, 1, 2], model=model, n_simulations=1000, rng=9, n_jobs=2, progress=lambda d, t: None)
    assert np.array_equal(a, b) and np.array_equal(a, c)
    d = simulate(g, [0, 1, 2], model=model, n_simulations=1000, rng=10, n_jobs=1)
    assert not np.array_equal(a, d)


def test_rng_generator_and_int_agree():
    g = tiny_graphs()["cycle"]
    a = estimate_spread(g, [0], n_simulations=500, rng=np.random.default_rng(4))
    b = estimate_spread(g, [0], n_simulations=500, rng=4)
    assert a == b


def test_node_weights_count_only_target_audience():
    g = Graph.from_edges([0, 0], [1, 2], [1.0, 1.0], labels=[0, 1, 2], node_weights=[0.0, 2.0, 0.5])
    assert estimate_spread(g, [0], n_simulations=100, rng=0).mean == 2.5
    g2 = tiny_graphs()["diamond"].with_node_weights({4: 1.0, 3: 0.5})
    est = estimate_spread(g2, [0], n_simulations=40_000, rng=1)
    assert abs(est.mean - exact_ic_spread(g2, [0])) < 4 * est.stderr


def test_networkx_graph_accepted():
    G = nx.DiGraph()
    G.add_edge("a", "b", p=1.0)
    G.add_edge("b", "c", p=1.0)
    assert estimate_spread(G, ["a"], n_simulations=10, rng=0).mean == 3.0


def test_bad_inputs():
    g = tiny_graphs()["diamond"]
    with pytest.raises(SeedingError, match="n_simulations"):
        estimate_spread(g, [0], n_simulations=0)
    with pytest.raises(SeedingError, match="not in the graph"):
        estimate_spread(g, [42])
    with pytest.raises(SeedingError, match="model"):
        estimate_spread(g, [0], model="sir")
    with pytest.raises(SeedingError, match="rng"):
        estimate_spread(g, [0], rng="x")
    with pytest.raises(SeedingError, match="no arc probabilities"):
        estimate_spread(Graph.from_edges([0], [1]), [0])
    heavy = Graph.from_edges([0, 1], [2, 2], [0.7, 0.7])
    with pytest.raises(SeedingError, match="LT weights entering node 2 sum to 1.4"):
        estimate_spread(heavy, [0], model="lt")


def test_real_graph_reference_spread(shared_data):
    g = seeding.read_graph(shared_data / "nethept-wc.txt")
    top = g.label_of(np.argsort(-g.out_degree, kind="stable")[:50])
    est = estimate_spread(g, top, n_simulations=2000, rng=1)
    # Published reference: about 849 for the 50 highest out-degree nodes.
    assert abs(est.mean - 849) < 4 * est.stderr + 3
