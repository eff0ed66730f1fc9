"""The kernel against a plain-Python oracle that re-derives every random draw."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from seeding import Graph, with_probability
from seeding._kernels import live_worlds, simulate
from seeding.models import live_edge_arrays

MASK = 2**64 - 1
GAMMA = 0x9E3779B97F4A7C15
SALT = 0xD1B54A32D192ED03


def mix64(z: int) -> int:
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def batch_key(run_seed: int, batch: int) -> int:
    return mix64(run_seed + mix64(batch * GAMMA + SALT))


def uniform(run_seed: int, world: int, slot: int) -> int:
    """World's 53-bit uniform for a slot: digit t is bit (world % 64) of word t."""
    base = mix64(batch_key(run_seed, world // 64) + (slot + 1) * GAMMA)
    bit = world % 64
    value = 0
    for t in range(1, 54):
        value = (value << 1) | ((mix64(base + t * GAMMA) >> bit) & 1)
    return value


def oracle_spreads(graph: Graph, model: str, seeds, run_seed: int, n_worlds: int) -> list[float]:
    lo, width, by_target = live_edge_arrays(graph, model)
    out = []
    for world in range(n_worlds):
        live = []
        for u in range(graph.n):
            for e in range(graph.indptr[u], graph.indptr[u + 1]):
                v = int(graph.indices[e])
                slot = v if by_target else e
                low = int(lo[e]) if by_target else 0
                x = uniform(run_seed, world, slot)
                live.append(low <= x < low + int(width[e]))
        seen, stack = set(seeds), list(seeds)
        while stack:
            u = stack.pop()
            for e in range(graph.indptr[u], graph.indptr[u + 1]):
                v = int(graph.indices[e])
                if live[e] and v not in seen:
                    seen.add(v)
                    stack.append(v)
        out.append(float(len(seen)))
    return out


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_kernel_matches_python_oracle_world_by_world(model):
    G = nx.gnp_random_graph(12, 0.3, seed=3, directed=True)
    g = with_probability(Graph.from_networkx(G), "wc")
    g = g.with_p(np.minimum(1.0, g.p * 1.7)) if model == "ic" else g
    lo, width, by_target = live_edge_arrays(g, model)
    seeds = np.array([0, 5], dtype=np.int32)
    n_worlds = 70  # two batches, the second partial
    got = simulate(
        g.indptr, g.indices, lo, width, by_target, seeds, np.zeros(0), 12345, 0, n_worlds, 1
    )
    assert got.tolist() == oracle_spreads(g, model, [0, 5], 12345, n_worlds)


def test_bit_sliced_coin_equals_full_comparison():
    rng = np.random.default_rng(0)
    for _ in range(20):
        seed, batch, slot = (int(x) for x in rng.integers(0, 2**40, size=3))
        a, b = sorted(int(x) for x in rng.integers(0, 2**53, size=2))
        mask = live_worlds(seed, batch, slot, a, b)
        expect = 0
        for j in range(64):
            if a <= uniform(seed, batch * 64 + j, slot) < b:
                expect |= 1 << j
        assert mask == expect


def test_coin_frequencies_are_unbiased():
    # 64 worlds x 4000 slots: fraction of live draws matches p within 4 sigma.
    for p in (0.001, 0.05, 0.37, 0.999):
        hi = int(p * 2**53)
        hits = sum(bin(live_worlds(7, 0, s, 0, hi)).count("1") for s in range(4000))
        n = 64 * 4000
        assert abs(hits / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-12


def test_worlds_in_one_batch_are_independent():
    # Correlation between two world bits across many slots is ~0.
    hi = int(0.5 * 2**53)
    masks = [live_worlds(99, 3, s, 0, hi) for s in range(5000)]
    x = np.array([(m >> 0) & 1 for m in masks], dtype=float)
    y = np.array([(m >> 1) & 1 for m in masks], dtype=float)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.06
