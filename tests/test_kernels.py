"""The kernel against a plain-Python oracle that re-derives every random draw."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from exact import exact_ic_spread
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from seeding import Graph, RRSampler, _edges, with_probability
from seeding._kernels import ic_live_worlds, live_worlds, simulate
from seeding.models import live_edge_arrays
from seeding.rrsets import _geometric_tables

MASK = 2**64 - 1
GAMMA = 0x9E3779B97F4A7C15
SALT = 0xD1B54A32D192ED03
P0 = 0xA0761D6478BD642F  # wyrand's constants
P1 = 0xE7037ED1A0B428DB


def mix64(z: int) -> int:
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def mum(x: int) -> int:
    """wyrand's output function: the two halves of the 128-bit x * (x ^ P1), xor-ed."""
    x &= MASK
    t = x * (x ^ P1)
    return ((t >> 64) ^ t) & MASK


def batch_key(run_seed: int, batch: int) -> int:
    return mix64(run_seed + mix64(batch * GAMMA + SALT))


def ic_uniform(run_seed: int, world: int, arc: int) -> int:
    """World's 53-bit uniform for an IC arc: digit t is bit (world % 64) of mum(k + (64 arc + t) P0)."""
    x = batch_key(run_seed, world // 64) + (64 * arc + 1) * P0
    bit = world % 64
    value = 0
    for t in range(53):
        value = (value << 1) | ((mum(x + t * P0) >> bit) & 1)
    return value


def uniform(run_seed: int, world: int, slot: int) -> int:
    """World's 53-bit uniform for an LT slot: digit t is bit (world % 64) of word t."""
    base = mix64(batch_key(run_seed, world // 64) + (slot + 1) * GAMMA)
    bit = world % 64
    value = 0
    for t in range(1, 54):
        value = (value << 1) | ((mix64(base + t * GAMMA) >> bit) & 1)
    return value


def ic_oracle_mask(run_seed: int, batch: int, arc: int, width: int) -> int:
    """The 64 worlds of a batch where an IC arc is live, each world's 53-bit uniform compared whole."""
    x = batch_key(run_seed, batch) + (64 * arc + 1) * P0
    words = [mum(x + t * P0) for t in range(53)]
    mask = 0
    for j in range(64):
        value = 0
        for w in words:
            value = (value << 1) | ((w >> j) & 1)
        if value < width:
            mask |= 1 << j
    return mask


def oracle_spreads(
    graph: Graph, model: str, seeds, run_seed: int, n_worlds: int, first_world: int = 0, weights=None
) -> list[float]:
    lo, width, by_target = live_edge_arrays(graph, model)
    masks: dict[tuple[int, int], int] = {}
    out = []
    for world in range(first_world, first_world + n_worlds):
        live = []
        for u in range(graph.n):
            for e in range(graph.indptr[u], graph.indptr[u + 1]):
                v = int(graph.indices[e])
                if by_target:
                    low = int(lo[e])
                    live.append(low <= uniform(run_seed, world, v) < low + int(width[e]))
                else:
                    key = (world // 64, e)
                    if key not in masks:
                        masks[key] = ic_oracle_mask(run_seed, world // 64, e, int(width[e]))
                    live.append(bool((masks[key] >> (world % 64)) & 1))
        seen, stack = set(seeds), list(seeds)
        while stack:
            u = stack.pop()
            for e in range(graph.indptr[u], graph.indptr[u + 1]):
                v = int(graph.indices[e])
                if live[e] and v not in seen:
                    seen.add(v)
                    stack.append(v)
        out.append(float(len(seen)) if weights is None else float(sum(weights[v] for v in seen)))
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


def test_ic_kernel_matches_oracle_with_hubs_weights_offsets_and_threads():
    # A hub with more out-arcs than the kernel defers before applying them, a
    # cycle back into it, node weights (dyadic, so any summation order is exact),
    # worlds starting at 128 with a partial last batch, and 1-3 threads.
    rng = np.random.default_rng(5)
    n = 90
    src = [0] * 80 + list(rng.integers(1, n, 120)) + [7, 8]
    dst = list(range(1, 81)) + list(rng.integers(0, n, 120)) + [0, 0]
    probs = np.concatenate([rng.choice([0.02, 0.3, 0.5, 1.0], 80), rng.uniform(0.0, 0.6, 120), [0.9, 0.4]])
    g = Graph.from_edges(src, dst, probs, labels=list(range(n)))
    weights = rng.choice([0.5, 1.0, 1.25, 3.0], n)
    lo, width, by_target = live_edge_arrays(g, "ic")
    seeds = np.array([3, 0], dtype=np.int32)
    expect = oracle_spreads(g, "ic", [3, 0], 77, 150, first_world=128, weights=weights)
    for threads in (1, 2, 3):
        got = simulate(g.indptr, g.indices, lo, width, by_target, seeds, weights, 77, 128, 150, threads)
        assert got.tolist() == expect


def test_ic_masks_equal_full_comparison():
    rng = np.random.default_rng(1)
    probs = [0.0, 2.0**-53, 0.25, 0.5, 1 / 3, 0.999, 1.0]
    for i in range(28):
        seed, batch, arc = (int(x) for x in rng.integers(0, 2**40, size=3))
        width = int(probs[i % len(probs)] * 2**53) if i < len(probs) else int(rng.integers(0, 2**53))
        mask = ic_live_worlds(seed, batch, arc, width)
        expect = 0
        for j in range(64):
            if ic_uniform(seed, batch * 64 + j, arc) < width:
                expect |= 1 << j
        assert mask == expect


def test_ic_coin_frequencies_are_unbiased():
    # 64 worlds x 4000 arcs: fraction of live draws matches p within 4 sigma.
    for p in (0.001, 0.05, 0.25, 0.37, 0.999):
        width = int(p * 2**53)
        hits = sum(bin(ic_live_worlds(7, 0, e, width)).count("1") for e in range(4000))
        n = 64 * 4000
        assert abs(hits / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-12


def test_ic_worlds_and_arcs_are_independent():
    # Correlation between two world bits across many arcs, and between neighbouring arcs, is ~0.
    width = int(0.3 * 2**53)
    masks = [ic_live_worlds(99, 3, e, width) for e in range(5001)]
    bits = np.array([[(m >> j) & 1 for j in (0, 1, 63)] for m in masks], dtype=float)
    assert abs(np.corrcoef(bits[:, 0], bits[:, 1])[0, 1]) < 0.06
    assert abs(np.corrcoef(bits[:, 0], bits[:, 2])[0, 1]) < 0.06
    assert abs(np.corrcoef(bits[:-1, 0], bits[1:, 0])[0, 1]) < 0.06
    other = [ic_live_worlds(99, 4, e, width) for e in range(5001)]  # the next batch
    assert abs(np.corrcoef(bits[:, 0], [m & 1 for m in other])[0, 1]) < 0.06


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


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_repeated_seeds_are_harmless_at_the_kernel_boundary(model):
    # More repeats than nodes once overflowed the kernel's activation list.
    G = nx.gnp_random_graph(12, 0.3, seed=3, directed=True)
    g = with_probability(Graph.from_networkx(G), "wc")
    lo, width, by_target = live_edge_arrays(g, model)
    once = simulate(g.indptr, g.indices, lo, width, by_target, np.array([0, 5], np.int32), np.zeros(0), 9, 0, 130, 1)
    many = np.array([0, 5] * 40 + [5, 0, 0], dtype=np.int32)
    again = simulate(g.indptr, g.indices, lo, width, by_target, many, np.zeros(0), 9, 0, 130, 2)
    assert again.tolist() == once.tolist()
    with pytest.raises(ValueError, match="seed indices must be in"):
        simulate(g.indptr, g.indices, lo, width, by_target, np.array([12], np.int32), np.zeros(0), 9, 0, 64, 1)


# --------------------------------------------------------------------------
# RR sets: the in-arcs of a reached node are independent coins, whatever the
# kernel's path (geometric table, geometric with log(), all live, one coin each)
# --------------------------------------------------------------------------


def _rooted_at_zero(d: int, probs) -> Graph:
    """Node 0 with in-arcs from 1..d; all root weight on node 0."""
    g = Graph.from_edges(list(range(1, d + 1)), [0] * d, probs, labels=list(range(d + 1)))
    return g.with_node_weights(np.eye(1, d + 1)[0])


@pytest.mark.parametrize(
    "d, p",
    [(1, 0.5), (2, 0.5), (3, 1 / 3), (7, 0.9), (64, 1 / 64), (64, 0.2), (65, 1 / 65), (300, 0.01), (300, 0.5),
     (5, [0.2, 0.5, 1.0, 0.1, 0.7]), (4, 1.0), (3, 0.0)],
)
def test_rr_in_arcs_are_independent_coins(d, p):
    probs = np.broadcast_to(np.asarray(p, dtype=float), (d,))
    g = _rooted_at_zero(d, probs)
    n_sets = 40_000
    sets = RRSampler(g, "ic").sample(n_sets, run_seed=11)
    assert (sets.nodes[sets.offsets[:-1]] == 0).all()
    # Each in-arc's marginal (by position in the in-list, where the kernel jumps).
    freq = np.bincount(sets.nodes, minlength=d + 1)[1:] / n_sets
    sd = np.sqrt(probs * (1 - probs) / n_sets)
    assert (np.abs(freq - probs) <= 5 * sd + 1e-12).all()
    # Equal probabilities: the number of live in-arcs is binomial.
    if np.ptp(probs) == 0 and 0 < probs[0] < 1:
        live = np.diff(sets.offsets) - 1
        expected = stats.binom.pmf(np.arange(d + 1), d, probs[0]) * n_sets
        observed = np.bincount(live, minlength=d + 1).astype(float)
        keep = expected >= 5  # pool the thin tails into one bin
        obs = np.append(observed[keep], observed[~keep].sum())
        exp = np.append(expected[keep], expected[~keep].sum())
        obs, exp = (obs, exp) if exp[-1] >= 5 else (obs[:-1], exp[:-1] + exp[-1] * exp[:-1] / exp[:-1].sum())
        chi2 = ((obs - exp) ** 2 / exp).sum()
        assert stats.chi2.sf(chi2, max(len(obs) - 1, 1)) > 1e-5


def test_rr_arcs_of_a_node_are_pairwise_independent():
    # Joint frequencies of two in-arcs, near each other and far apart (geometric gaps).
    d, p, n_sets = 40, 1 / 40, 200_000
    sets = RRSampler(_rooted_at_zero(d, [p] * d), "ic").sample(n_sets, run_seed=3)
    member = np.zeros((n_sets, d + 1), dtype=bool)
    rows = np.repeat(np.arange(n_sets), np.diff(sets.offsets))
    member[rows, sets.nodes] = True
    for i, j in [(1, 2), (1, 40), (20, 21), (39, 40)]:
        both = (member[:, i] & member[:, j]).mean()
        assert abs(both - p * p) < 5 * np.sqrt(p * p / n_sets)


def test_rr_table_guesses_are_the_exact_gaps():
    # A table's guess for bucket b is the gap J = max{j: P[j] > r} at the bucket's top draw r,
    # checked by brute force over the thresholds, for probabilities from 1e-7 to 0.999.
    rng = np.random.default_rng(5)
    p = np.unique(np.concatenate([1 / np.arange(2, 258), rng.uniform(1e-7, 0.999, 40), 10.0 ** -rng.uniform(0, 7, 40)]))
    longest = rng.integers(0, 257, p.shape[0])
    pool, starts = _geometric_tables(np.log1p(-p), longest)
    top = (np.arange(1, 257, dtype=np.uint64) << np.uint64(45)) - np.uint64(1)
    for t in range(p.shape[0]):
        entry = pool[starts[t]:starts[t + 1]]
        thr = entry[64:-1]
        assert entry[-1] == 0 and thr.shape[0] == longest[t] + 1 and thr[0] == 2**53
        assert (thr[1:] <= thr[:-1]).all()
        assert np.allclose(thr / 2.0**53, (1 - p[t]) ** np.arange(longest[t] + 1), rtol=1e-12, atol=2.0**-53)
        brute = (thr[None, :] > top[:, None]).sum(axis=1) - 1
        guess = entry[:64].view(np.uint16)
        assert np.array_equal(guess & 0x7FFF, brute)
        # Bit 15: the gap at the bucket's bottom draw is larger than at its top (a threshold splits it).
        bottom = (np.arange(256, dtype=np.uint64) << np.uint64(45))
        assert np.array_equal(guess >> 15, (thr[None, :] > bottom[:, None]).sum(axis=1) - 1 > brute)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29), st.sampled_from(
    [0.0, 0.1, 0.25, 0.5, 1.0, 1.5])), max_size=120), st.integers(0, 6))
def test_rr_kinds_match_a_plain_reading_of_each_nodes_in_arcs(n, arcs, table_max):
    # Per node: table (one p < 1, in-degree at most table_max), log (one p < 1, more in-arcs), all
    # (every p >= 1) or coin (mixed p, or no in-arcs); one table per distinct p, as long as its longest node.
    arcs = [(u % n, v % n, p) for u, v, p in arcs]
    indices = np.array([v for _, v, _ in arcs], dtype=np.int32)
    p = np.array([x for _, _, x in arcs], dtype=np.float64)
    deg = np.bincount(indices, minlength=n).astype(np.int64)
    kind, table, table_p, longest, pmin = _edges.rr_kinds(indices, p, deg, table_max)
    assert len(set(table_p.tolist())) == table_p.shape[0]
    for v in range(n):
        mine = p[indices == v]
        if mine.size == 0:
            assert kind[v] == 3 and table[v] == -1
            continue
        assert pmin[v] == mine.min()
        if mine.min() >= 1.0:
            expected = 2
        elif (mine == mine[0]).all():
            expected = 0 if mine.size <= table_max else 1
        else:
            expected = 3
        assert kind[v] == expected
        assert (table[v] >= 0) == (expected == 0)
        if expected == 0:
            assert table_p[table[v]] == mine[0] and longest[table[v]] >= mine.size
    for t in range(table_p.shape[0]):
        assert longest[t] == deg[(table == t)].max()


@pytest.mark.parametrize("seeds", [[0], [3], [1, 4], [6]])
def test_rr_estimate_is_exact_on_equal_probability_graphs(seeds):
    # Weighted cascade on a tiny graph with merges and a cycle: nodes take the
    # geometric path; RIS estimates match enumeration of the live-edge worlds.
    g = with_probability(
        Graph.from_edges([0, 1, 2, 0, 3, 1, 4, 2, 5, 6, 3, 4], [1, 2, 3, 3, 4, 4, 5, 5, 6, 0, 6, 6]), "wc"
    ).with_node_weights(np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 0.25]))
    est = RRSampler(g, "ic").sample(200_000, run_seed=21).estimate(g.index_of(seeds))
    assert abs(est.mean - exact_ic_spread(g, g.index_of(seeds))) < 4.5 * est.stderr


@pytest.mark.parametrize("seeds", [[0], [1], [2], [0, 2], [3]])
def test_rr_estimate_is_exact_when_every_kind_of_node_meets(seeds):
    # One graph with every kind of RR node side by side: nodes 3 (p = 0.3 twice) and 0 (one arc) jump
    # by geometric tables, node 4 has only certain in-arcs, nodes 5 and 6 mixed probabilities (a coin
    # per arc, whose thresholds are laid out for such nodes alone), 1 and 2 none; a cycle back to 0.
    g = Graph.from_edges([0, 1, 0, 2, 1, 3, 4, 5, 6, 2], [3, 3, 4, 4, 5, 5, 5, 6, 0, 6],
                         [0.3, 0.3, 1.0, 1.0, 0.2, 0.6, 0.9, 0.5, 0.4, 0.7])
    sampler = RRSampler(g, "ic")
    assert (sampler.rr_nodes[:, 0] >> np.uint64(62)).tolist() == [0, 3, 3, 0, 2, 3, 3]  # the kinds above
    est = sampler.sample(200_000, run_seed=5).estimate(g.index_of(seeds))
    assert abs(est.mean - exact_ic_spread(g, g.index_of(seeds))) < 4.5 * est.stderr


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_coverage_of_several_seed_sets_in_one_pass(key, n_sets):
    gen = np.random.default_rng(key)
    g = Graph.from_edges(gen.integers(0, 12, 30), gen.integers(0, 12, 30), gen.uniform(0.1, 0.9, 30))
    sets = RRSampler(g, "ic").sample(int(gen.integers(0, 60)), run_seed=key)
    seed_sets = [gen.choice(g.n, size=int(gen.integers(0, 4)), replace=False) for _ in range(n_sets)]
    members = [set(sets.nodes[sets.offsets[i]:sets.offsets[i + 1]].tolist()) for i in range(sets.count)]
    expected = [sum(1 for m in members if m & set(s.tolist())) for s in seed_sets]
    assert sets.covered_by_each(*seed_sets) == expected
    assert [sets.covered(s) for s in seed_sets] == expected
