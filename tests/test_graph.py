from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seeding.graph as graph_module
from seeding import Graph, SeedingError, as_graph


def test_csr_forward_and_reverse_agree():
    g = Graph.from_edges([3, 1, 1, 2], [1, 2, 3, 3], [0.1, 0.2, 0.3, 0.4])
    assert g.labels.tolist() == [1, 2, 3]
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    arcs = {(int(g.sources[e]), int(g.indices[e])): g.p[e] for e in range(g.m)}
    rev = {
        (int(g.in_indices[k]), v): g.p[g.in_arcs[k]]
        for v in range(g.n)
        for k in range(g.in_indptr[v], g.in_indptr[v + 1])
    }
    assert arcs == rev
    assert g.out_degree.tolist() == [2, 1, 1] and g.in_degree.tolist() == [1, 1, 2]


def test_self_loops_dropped_and_parallel_arcs_merged():
    g = Graph.from_edges([0, 0, 0, 1], [0, 1, 1, 0], [0.9, 0.5, 0.2, 0.3], lt_weights=[0.1, 0.3, 0.2, 0.4])
    assert g.info == {"self_loops": 1, "merged": 1}
    assert g.m == 2
    assert g.p.tolist() == pytest.approx([1 - 0.5 * 0.8, 0.3])
    assert g.lt_weights.tolist() == pytest.approx([0.5, 0.4])


def test_parallel_arcs_add_up_under_lt_and_combine_under_ic(tmp_path):
    from exact import exact_ic_spread, exact_lt_spread

    import seeding

    path = tmp_path / "twice.txt"
    path.write_text("1 2 0.3\n1 2 0.3\n")
    g = seeding.read_graph(path)
    assert g.p.tolist() == pytest.approx([0.51]) and g.lt_weights.tolist() == pytest.approx([0.6])
    assert exact_lt_spread(g, [0]) == pytest.approx(1.6)  # node 2 picks one of two arcs of 0.3
    assert exact_ic_spread(g, [0]) == pytest.approx(1.51)
    lt = seeding.estimate_spread(g, [1], model="lt", n_simulations=20_000, rng=1)
    assert abs(lt.mean - 1.6) < 4 * lt.stderr
    path.write_text("1 2 0.6\n1 2 0.6\n3 2 0.1\n")
    g = seeding.read_graph(path)
    with pytest.raises(SeedingError, match="LT weights entering node 2 sum to 1.3 > 1"):
        seeding.estimate_spread(g, [1], model="lt")
    ic = seeding.estimate_spread(g, [1], model="ic", n_simulations=1000, rng=1)  # IC is fine: 1 - 0.4**2
    assert 1.7 < ic.mean < 1.98


def test_undirected_adds_both_directions():
    g = Graph.from_edges(["a"], ["b"], [0.4], directed=False)
    assert g.m == 2 and g.p.tolist() == [0.4, 0.4]


def test_labels_keep_isolated_nodes_and_order():
    g = Graph.from_edges([30], [10], labels=[30, 20, 10])
    assert g.n == 3 and g.label_of([0, 1, 2]) == [30, 20, 10]
    assert g.index_of([10, "20"]).tolist() == [2, 1]
    with pytest.raises(SeedingError, match="not in labels"):
        Graph.from_edges([5], [10], labels=[10, 20])
    with pytest.raises(SeedingError, match="distinct"):
        Graph.from_edges([1], [2], labels=[1, 2, 2])


def test_from_networkx_roundtrip_and_string_labels():
    G = nx.Graph()
    G.add_edge("ann", "bob", p=0.2)
    G.add_node("cid")
    g = Graph.from_networkx(G)
    assert g.n == 3 and g.m == 2 and g.labels.tolist() == ["ann", "bob", "cid"]
    back = g.to_networkx()
    assert back["bob"]["ann"]["p"] == 0.2 and "cid" in back
    assert as_graph(G).m == 2


def test_bad_values_rejected():
    with pytest.raises(SeedingError, match=r"probabilities\[1\] = 1.5"):
        Graph.from_edges([0, 1], [1, 2], [0.5, 1.5])
    with pytest.raises(SeedingError, match="nan"):
        Graph.from_edges([0], [1], [float("nan")])
    with pytest.raises(SeedingError, match="empty"):
        Graph.from_edges([], [])
    with pytest.raises(SeedingError, match="node_weights"):
        Graph.from_edges([0], [1], labels=[0, 1], node_weights=[1.0, -1.0])
    with pytest.raises(SeedingError, match="networkx"):
        as_graph([(0, 1)])
    with pytest.raises(SeedingError, match="empty"):
        Graph.from_networkx(nx.DiGraph())


# ----------------------------------------------------------------------------- networkx everywhere (issue 14)
def test_networkx_graphs_everywhere_with_probability_settings():
    import seeding

    G = nx.Graph([("ann", "bob"), ("bob", "cy"), ("cy", "dee"), ("ann", "cy")])
    wc = seeding.with_probability(G, "wc")  # a plain nx.Graph: AttributeError before
    assert wc.m == 8 and sorted(wc.labels.tolist()) == ["ann", "bob", "cy", "dee"]
    assert np.allclose(wc.p, 1.0 / wc.in_degree[wc.indices])
    D = nx.DiGraph([("a", "b", {"weight": 0.5}), ("b", "c", {"weight": 1.0})])
    assert seeding.with_probability(D, "uniform:0.2").p.tolist() == [0.2, 0.2]
    assert seeding.with_probability(D, "attr:weight").p.tolist() == [0.5, 1.0]
    with pytest.raises(SeedingError, match="no edge of the networkx graph has a 'cost' attribute"):
        seeding.with_probability(D, "attr:cost")
    with pytest.raises(SeedingError, match=r"'attr:NAME' reads the edge attribute NAME \(e.g. 'attr:weight'\) of a "
                       "networkx graph or a GraphML/GML file"):
        seeding.with_probability(wc, "attr:weight")
    # estimate_spread and maximize_influence take the graph and the setting directly
    est = seeding.estimate_spread(D, ["a"], probability="attr:weight", n_simulations=4000, rng=1)
    assert abs(est.mean - 2.0) < 4 * est.stderr  # a, then b and c together with probability 0.5
    same = seeding.estimate_spread(seeding.with_probability(D, "attr:weight"), ["a"], n_simulations=4000, rng=1)
    assert same.mean == est.mean
    exact = seeding.estimate_spread(G, ["bob"], probability="uniform:1", n_simulations=100, rng=1)
    assert exact.mean == 4.0
    result = seeding.maximize_influence(G, 1, probability="uniform:1", rng=1, n_evaluation=100)
    assert result.seeds[0] in {"ann", "bob", "cy", "dee"} and result.spread.mean == 4.0
    assert seeding.maximize_influence(D, 1, probability="attr:weight", method="degree", rng=1).seeds == ["a"]
    with pytest.raises(SeedingError, match="probability='wc'"):
        seeding.maximize_influence(G, 1, rng=1)


def test_networkx_round_trip_keeps_labels_and_probabilities():
    import seeding

    G = nx.DiGraph()
    G.add_edge("ann", "bob", p=0.25)
    G.add_edge("bob", "cy", p=0.5)
    G.add_edge(3, "ann", p=1.0)
    G.add_node("isolated")
    g = seeding.as_graph(G)
    back = g.to_networkx()
    assert set(back.nodes) == set(G.nodes)
    assert {(a, b): d["p"] for a, b, d in back.edges(data=True)} == {(a, b): d["p"] for a, b, d in G.edges(data=True)}
    again = seeding.as_graph(back)
    assert again.labels.tolist() == g.labels.tolist() and again.p.tolist() == g.p.tolist()
    chosen = seeding.maximize_influence(back, 1, method="degree", rng=1).seeds
    assert chosen[0] in set(G.nodes)


# ----------------------------------------------------------------------------- CSR construction (issue 13)
def reference_csr(u, v, p, w, n):
    """The CSR arrays as a plain numpy sort gives them (ties in input order, then merged)."""
    keep = u != v
    u, v = u[keep], v[keep]
    p = None if p is None else p[keep]
    w = None if w is None else w[keep]
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    p = None if p is None else p[order]
    w = None if w is None else w[order]
    starts = np.flatnonzero(np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]) if u.size else np.zeros(0, int)
    if starts.size < u.size:
        single = np.diff(np.r_[starts, u.size]) == 1
        derived = p is not None and w is None
        if derived:
            w = p
        if p is not None:
            p = np.where(single, p[starts], 1.0 - np.multiply.reduceat(1.0 - p, starts))
        if w is not None:
            w = np.where(single, w[starts], np.add.reduceat(w, starts))
            if not derived:
                if (w > 1.0 + 1e-9).any():
                    raise SeedingError("parallel arcs add up to an LT weight above 1")
                w = np.minimum(w, 1.0)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u[starts], minlength=n), out=indptr[1:])
    return indptr, v[starts].astype(np.int32), p, w, int((~keep).sum()), int(u.size - starts.size)


@st.composite
def arc_lists(draw):
    n = draw(st.integers(1, 40))
    m = draw(st.integers(0, 120))
    span = draw(st.integers(1, n))  # a small span: many parallel arcs
    u = np.array(draw(st.lists(st.integers(0, span - 1), min_size=m, max_size=m)), dtype=np.int32)
    v = np.array(draw(st.lists(st.integers(0, span - 1), min_size=m, max_size=m)), dtype=np.int32)
    values = st.lists(st.sampled_from([0.1, 0.3, 1 / 3, 0.5, 0.7, 1.0]), min_size=m, max_size=m)
    p = np.array(draw(values)) if draw(st.booleans()) else None
    w = np.array(draw(values)) / 16 if draw(st.booleans()) else None
    return n, u, v, p, w


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(arcs=arc_lists(), pieces=st.integers(1, 4), bucket=st.sampled_from([1, 3, 16, 1 << 17]),
       most=st.sampled_from([1, 2, 5, 64]), sub=st.sampled_from([1, 2, 7, 1 << 17]),
       step=st.sampled_from([1, 5, 1 << 22]), threads=st.integers(1, 3), direct=st.booleans())
def test_bucketed_csr_equals_a_plain_sort(arcs, pieces, bucket, most, sub, step, threads, direct):
    # Tiny buckets, sub-buckets and steps (every boundary case of the bucketed sort) give the arrays
    # a plain sort gives, p and LT weights merged bit for bit alike; and the reverse CSR, bucketed or
    # in one pass, is a stable argsort of the targets.
    n, u, v, p, w = arcs
    saved = (graph_module._BUCKET_ARCS, graph_module._MAX_BUCKETS, graph_module._SUB_ARCS, graph_module._STEP_ARCS,
             graph_module._DIRECT_REVERSE_ARCS)
    (graph_module._BUCKET_ARCS, graph_module._MAX_BUCKETS, graph_module._SUB_ARCS, graph_module._STEP_ARCS,
     graph_module._DIRECT_REVERSE_ARCS) = (bucket, most, sub, step, 1 << 21 if direct else -1)
    try:
        cuts = np.linspace(0, u.size, pieces + 1).astype(int)
        parts = [(u[a:b].copy(), v[a:b].copy(), None if p is None else p[a:b].copy(),
                  None if w is None else w[a:b].copy()) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        try:
            want = reference_csr(u, v, p, w, n)
        except SeedingError as exc:
            with pytest.raises(SeedingError, match=str(exc)):
                graph_module._arc_csr(parts, n, n_threads=threads)
            return
        got = graph_module._arc_csr(parts, n, n_threads=threads)
        assert parts == [None] * pieces  # consumed
        for a, b in zip(got, want, strict=True):
            if isinstance(b, np.ndarray) or isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
            else:
                assert a == b
        g = Graph(indptr=got[0], indices=got[1], p=None, labels=np.arange(n))
        order = np.argsort(g.indices, kind="stable")
        assert g.in_indices.tolist() == g.sources[order].tolist() and g.in_arcs.tolist() == order.tolist()
        assert g.in_indptr.tolist() == np.r_[0, np.cumsum(np.bincount(g.indices, minlength=n))].tolist()
    finally:
        (graph_module._BUCKET_ARCS, graph_module._MAX_BUCKETS, graph_module._SUB_ARCS, graph_module._STEP_ARCS,
         graph_module._DIRECT_REVERSE_ARCS) = saved


def test_every_entry_point_takes_a_networkx_graph_and_a_probability_setting(tmp_path):
    """select_seeds, maximize_influence, estimate_spread, run_instance and compare: probability= alike."""
    import seeding
    from seeding.instance import Instance

    K = nx.karate_club_graph()  # no probabilities: a setting is needed
    for u, v, data in K.edges(data=True):
        data["strength"] = 1.0 / (1 + (u + v) % 4)
    wc = seeding.with_probability(K, "wc")
    plan = seeding.select_seeds(K, 6.0, "sqrt-degree:1,1", probability="wc", rng=1, min_samples=2000,
                                n_evaluation=2000, time_limit=10)
    same = seeding.select_seeds(wc, 6.0, "sqrt-degree:1,1", rng=1, min_samples=2000, n_evaluation=2000,
                                time_limit=10)
    assert plan.seeds == same.seeds and plan.cost == same.cost and set(plan.seeds) <= set(K.nodes)
    best = seeding.maximize_influence(K, 2, probability="attr:strength", method="celf", n_simulations=200, rng=1)
    again = seeding.maximize_influence(seeding.with_probability(K, "attr:strength"), 2, method="celf",
                                       n_simulations=200, rng=1)
    assert best.seeds == again.seeds and best.spread == again.spread
    est = seeding.estimate_spread(K, best.seeds, probability="attr:strength", n_simulations=500, rng=2)
    assert est == seeding.estimate_spread(seeding.with_probability(K, "attr:strength"), best.seeds,
                                          n_simulations=500, rng=2)
    with pytest.raises(SeedingError, match="probability='wc'"):
        seeding.select_seeds(K, 6.0, "uniform", rng=1)
    # a campaign on a graph in memory: run_instance and compare
    inst = Instance(path=None, graph=K, k=2, costs="sqrt-degree:1,1", budget=6.0)
    assert inst.name == "graph"
    budgeted = seeding.run_instance(inst, probability="wc", rng=1, min_samples=2000, n_evaluation=2000,
                                    time_limit=10)
    assert budgeted.seeds == plan.seeds
    result = seeding.compare({"karate": inst}, "degree,cost-celf", probability="wc", n_simulations=300, rng=3,
                             method_options={"cost-celf": {"min_samples": 2000}}, output_dir=tmp_path / "cmp")
    assert {r["instance"] for r in result.rows} == {"karate"}
    assert all(set(r["seeds"]) <= set(K.nodes) for r in result.rows)
    plain = seeding.compare([K, wc], "degree", ks=[2], probability="wc", n_simulations=300, rng=3)
    assert [r["instance"] for r in plain.rows] == ["graph", "graph-2"]
    assert plain.rows[0]["seeds"] == plain.rows[1]["seeds"]  # each instance has its own evaluation worlds
    # and back to a file: GraphML keeps labels and values, read back as given or by attribute name
    path = tmp_path / "karate.graphml"
    nx.write_graphml(seeding.with_probability(K, "attr:strength").to_networkx(), path)
    read = seeding.read_graph(path)
    by_name = seeding.read_graph(path, probability="attr:p")
    assert sorted(read.labels.tolist()) == sorted(str(x) for x in K.nodes)  # GraphML ids are strings
    assert sorted(read.p.tolist()) == sorted(by_name.p.tolist()) == sorted(
        seeding.with_probability(K, "attr:strength").p.tolist())
