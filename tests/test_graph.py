from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

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
