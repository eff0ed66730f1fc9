from __future__ import annotations

import numpy as np
import pytest

from seeding import Graph, SeedingError, with_probability
from seeding.models import live_edge_arrays


def test_settings():
    g = Graph.from_edges([0, 1, 2, 0], [2, 2, 0, 1])
    assert with_probability(g, "wc").p.tolist() == [1.0, 0.5, 0.5, 1.0]
    assert with_probability(g, "uniform:0.2").p.tolist() == [0.2] * 4
    tri = with_probability(g, "trivalency", rng=1).p
    assert set(tri.tolist()) <= {0.1, 0.01, 0.001}
    assert np.array_equal(tri, with_probability(g, "trivalency", rng=1).p)
    assert with_probability(g, None).p.tolist() == [1.0, 0.5, 0.5, 1.0]
    given = g.with_p([0.3] * 4)
    assert with_probability(given, "given") is given


@pytest.mark.parametrize("bad", ["uniform:2", "uniform:x", "uniform", "bogus"])
def test_bad_settings(bad):
    with pytest.raises(SeedingError, match="uniform|probability setting"):
        with_probability(Graph.from_edges([0], [1]), bad)


def test_given_without_values():
    with pytest.raises(SeedingError, match="no arc probabilities"):
        with_probability(Graph.from_edges([0], [1]), "given")


def test_lt_intervals_tile_unit_interval():
    g = with_probability(Graph.from_edges([0, 1, 2, 3], [3, 3, 3, 0]), "wc")
    lo, width, by_target = live_edge_arrays(g, "lt")
    assert by_target
    into3 = np.flatnonzero(g.indices == 3)
    spans = sorted((int(lo[e]), int(lo[e] + width[e])) for e in into3)
    assert spans[0][0] == 0 and spans[-1][1] == 2**53
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_lt_weights_over_one_rejected_with_tolerance():
    ok = Graph.from_edges([0, 1], [2, 2], [0.5, 0.5000001])
    live_edge_arrays(ok, "lt")  # rounding in files is tolerated
    with pytest.raises(SeedingError, match="sum to 1.2"):
        live_edge_arrays(Graph.from_edges([0, 1], [2, 2], [0.6, 0.6]), "lt")
