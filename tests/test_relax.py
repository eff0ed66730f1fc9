"""The Lagrangian bound engine, reduced-cost fixing and the core model against brute force on samples."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bounds import COST_VALUES, tiny_problems

import seeding
from seeding import _cover, _kernels, relax
from seeding.coverage_model import Constraints, ShrunkInstance, build_model, shrink, solve_model
from seeding.relax import NodeBudgets, core_instance, fix_out, heuristic_core, lagrangian_bound

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def brute_force(sets, cons):
    """(optimal coverage of the sample, every optimal selection) over all feasible selections."""
    n = sets.n
    best, winners = -1, []
    for size in range(n + 1):
        for chosen in itertools.combinations(range(n), size):
            nodes = np.array(chosen, dtype=np.int64)
            if not cons.is_feasible(nodes):
                continue
            value = sets.covered(nodes) if size else 0
            if value > best:
                best, winners = value, [set(chosen)]
            elif value == best:
                winners.append(set(chosen))
    return best, winners


@st.composite
def sampled_problems(draw):
    g, model = draw(tiny_problems(max_arcs=12))
    n = g.n
    costs = np.array(draw(st.lists(st.sampled_from(COST_VALUES), min_size=n, max_size=n)))
    budget = draw(st.sampled_from([1.0, 4 / 3, 2.0]))
    never = draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
    extra = [("seeds", np.ones(n), 2.0)] if draw(st.booleans()) else []
    count = draw(st.sampled_from([50, 400]))
    sets = seeding.RRSampler(g, model).sample(count, run_seed=draw(st.integers(0, 2**32)))
    cons = Constraints(costs=costs, budget=budget, must=np.zeros(0, np.int32),
                       never=np.array(never, np.int32), extra=extra)
    return sets, cons


def greedy_incumbent(instance, cons):
    """A feasible selection (variable indices) by coverage per cost, for the Polyak target."""
    chosen, spent = [], np.zeros(len(cons.budgets()))
    order = np.argsort(-(instance.singleton + 1e-9) / cons.costs[instance.candidates], kind="stable")
    for v in order.tolist():
        node = instance.candidates[v]
        add = np.array([c[node] for _, c, _ in cons.budgets()])
        if all(spent + add <= np.array([lim for _, _, lim in cons.budgets()]) + 1e-12):
            chosen.append(v)
            spent += add
    return np.array(chosen, dtype=np.int64)


def relaxed(problem, iterations):
    """(sets, cons, instance, budgets, relaxation, brute-force optimum, optimal selections) of a sampled problem."""
    sets, cons = problem
    instance = shrink(sets, cons)
    budgets = NodeBudgets.of(instance, cons)
    relaxation = lagrangian_bound(instance, budgets, incumbent=greedy_incumbent(instance, cons),
                                  max_iterations=iterations, tolerance=0.0)
    return sets, cons, instance, budgets, relaxation, *brute_force(sets, cons)


@PROPERTY
@given(problem=sampled_problems())
def test_every_lagrangian_iterate_bounds_the_sample_optimum(problem):
    *_, relaxation, best, _ = relaxed(problem, 60)
    assert min(relaxation.history) >= best - 1e-9
    # the bound reported is recomputed afresh from the best multipliers: the same value as
    # that iterate's, up to the rounding of the scores' incremental updates
    assert relaxation.bound >= best - 1e-9
    assert relaxation.bound == pytest.approx(min(relaxation.history), rel=1e-12, abs=1e-12)
    assert relaxation.incumbent <= best + 1e-9


@PROPERTY
@given(problem=sampled_problems())
def test_fixing_never_removes_a_node_of_an_optimal_selection(problem):
    _, cons, instance, budgets, relaxation, best, winners = relaxed(problem, 80)
    out_mask = fix_out(relaxation, budgets)
    fixed = set(instance.candidates[out_mask].tolist())
    if relaxation.incumbent < best:  # a strictly better selection exists: it avoids every fixed node
        assert all(not (w & fixed) for w in winners)
    # and the exact model on the core finds the optimum of the sample
    core, _ = core_instance(instance, out_mask)
    out = solve_model(build_model(core, cons, "mip"), core, time_limit=20)
    assert max(out.objective, relaxation.incumbent) == pytest.approx(best)
    assert out.bound >= min(best, out.objective) - 1e-6


def karate_sample(count: int, k: int, run_seed: int):
    """Karate club (weighted cascade): ``count`` RR sets, the k-seed constraints and the shrunk instance."""
    g = seeding.read_graph(Path(__file__).resolve().parents[1] / "instances" / "karate-club.txt", probability="wc")
    sets = seeding.RRSampler(g, "ic").sample(count, run_seed=run_seed)
    cons = Constraints(costs=np.ones(g.n), budget=float(k), must=np.zeros(0, np.int32), never=np.zeros(0, np.int32))
    return g, sets, cons, shrink(sets, cons)


def test_lagrangian_bound_for_k_seeds_is_tight_where_greedy_is_optimal():
    g, sets, cons, instance = karate_sample(20_000, 3, run_seed=3)
    seeds, gains, greedy_bound = sets.greedy(3)
    relaxation = lagrangian_bound(instance, NodeBudgets.of(instance, cons),
                                  incumbent=np.flatnonzero(np.isin(instance.candidates, seeds)), max_iterations=300)
    best = max(sets.covered(np.array(s)) for s in itertools.combinations(range(g.n), 3))
    assert best <= relaxation.bound < greedy_bound  # valid, and tighter than OPIM-C's
    assert relaxation.bound <= 1.01 * best


@pytest.mark.parametrize("run_seed", [1, 2])
def test_halving_the_step_after_an_overshoot_tightens_a_short_run(monkeypatch, run_seed):
    # Polyak steps whose factor is never halved while every other step improves zigzag on these
    # samples; halving it after a step that raised the bound reaches a tighter bound in as many steps.
    g, sets, cons, instance = karate_sample(50_000, 5, run_seed=run_seed)
    budgets = NodeBudgets.of(instance, cons)
    incumbent = instance.variables_of(sets.greedy(5)[0])
    damped = lagrangian_bound(instance, budgets, incumbent=incumbent, max_iterations=16)
    monkeypatch.setattr(relax, "OVERSHOT_FLOOR", math.inf)  # the same steps, never halved after a rise
    plain = lagrangian_bound(instance, budgets, incumbent=incumbent, max_iterations=16)
    assert np.count_nonzero(np.diff(plain.history) > 0) >= 2  # it zigzags
    assert damped.incumbent == plain.incumbent
    assert damped.incumbent <= damped.bound < plain.bound - 2e-3 * plain.incumbent


def test_heuristic_core_keeps_the_incumbent_and_the_best_forced_nodes():
    _, _, cons, instance = karate_sample(5000, 2, run_seed=1)
    budgets = NodeBudgets.of(instance, cons)
    relaxation = lagrangian_bound(instance, budgets, incumbent=np.array([0, 1]), max_iterations=20)
    keep = heuristic_core(relaxation, budgets, 5)
    assert keep[relaxation.selection].all() and keep.sum() <= 5 + relaxation.selection.size
    forced = budgets.forced(relaxation.scores)
    assert keep[np.argsort(-forced, kind="stable")[:5]].all()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 3.5]), max_size=40), st.integers(-1, 45))
def test_top_k_picks_the_largest_positive_scores(values, count):
    scores = np.array(values, dtype=np.float64)
    total, chosen = _cover.top_k(scores, count)
    best = np.sort(scores[scores > 0])[::-1][:max(count, 0)]
    assert total == pytest.approx(best.sum()) and len(chosen) == len(set(chosen.tolist())) == len(best)
    assert np.array_equal(np.sort(scores[chosen])[::-1], best)
    # Ties at the boundary go to the lower index.
    if len(best):
        left_out = np.setdiff1d(np.flatnonzero(scores == best[-1]), chosen)
        assert (left_out > chosen[scores[chosen] == best[-1]].max()).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 12), st.integers(1, 40))
def test_steps_that_keep_counts_match_steps_that_recount(key, n_vars, n_rows):
    """Over a run of 0/1 selections and steps, the subgradient kept up to date from the last selection's
    counts equals the one summed afresh: the same squared norm and, step by step, the same multipliers (and a
    copy synced with the rows that changed holds them too)."""
    gen = np.random.default_rng(key)
    rows = [np.sort(gen.choice(n_vars, size=int(gen.integers(2, n_vars + 1)), replace=False)) for _ in range(n_rows)]
    members = np.concatenate(rows).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum([r.shape[0] for r in rows])]).astype(np.int64)
    w = gen.integers(1, 5, n_rows).astype(np.float64)
    var_offsets, var_rows = _kernels.inverted_index(members, offsets, n_vars)
    recount = _cover.SparseSteps(members, offsets, var_offsets, var_rows, w, w.copy())
    kept = _cover.SparseSteps(members, offsets, var_offsets, var_rows, w, w.copy())
    scores_a, scores_b = np.zeros(n_vars), np.zeros(n_vars)
    lam_a, lam_b, synced = np.empty(n_rows), np.empty(n_rows), w.copy()
    x = np.zeros(n_vars)
    for _ in range(12):
        # A fresh selection (most variables change: the counts start over) or one variable in or out (kept).
        if gen.random() < 0.5:
            x = (gen.random(n_vars) < 0.5).astype(np.float64)
        else:
            v = int(gen.integers(n_vars))
            x[v] = 1.0 - x[v]
        chosen = np.flatnonzero(x).astype(np.int64)
        norm_a, norm_b = recount.subgradient(chosen, x), kept.subgradient_chosen(chosen)
        assert norm_a == norm_b
        size = float(gen.uniform(0.05, 2.0))
        if norm_a > 0:
            assert recount.step(size, scores_a) == pytest.approx(kept.step(size, scores_b))
        recount.multipliers(lam_a)
        kept.multipliers(lam_b)
        assert np.array_equal(lam_a, lam_b)
        assert np.allclose(scores_a, scores_b)
        if gen.random() < 0.5:  # a copy kept in sync with the rows changed since its last sync
            kept.sync(synced)
            assert np.array_equal(synced, lam_b)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(0, 40))
def test_reads_through_the_rows_of_each_variable_match_reads_row_by_row(key, n_vars, n_rows):
    """Scores gathered per variable equal the row-by-row sums bit for bit (the same order of additions) on
    1 and 2 threads; the rows hit by chosen variables and the coverage agree with a pass over all rows; and
    variables_of finds the candidates among any nodes."""
    gen = np.random.default_rng(key)
    rows = [np.sort(gen.choice(n_vars, size=int(gen.integers(1, n_vars + 1)), replace=False)) for _ in range(n_rows)]
    members = np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32)
    offsets = np.concatenate([[0], np.cumsum([r.shape[0] for r in rows])]).astype(np.int64)
    values = gen.choice([0.0, 0.1, 1.0 / 3.0, 2.5, 1e-9, 7.0], n_rows)
    base = gen.random(n_vars)
    expected = base.copy()
    for r in range(n_rows):  # in row order, as the bound once added them
        for v in members[offsets[r]:offsets[r + 1]]:
            expected[v] += values[r]
    var_offsets, var_rows = _kernels.inverted_index(members, offsets, n_vars)
    for threads in (1, 2):
        assert np.array_equal(_cover.gather_rows(var_offsets, var_rows, values, base, threads), expected)
    chosen = np.flatnonzero(gen.random(n_vars) < 0.4).astype(np.int64)
    mask = np.zeros(n_vars, np.uint8)
    mask[chosen] = 1
    hit = _cover.rows_hit_by(var_offsets, var_rows, chosen, n_rows)
    assert np.array_equal(hit, _cover.rows_hit(members, offsets, mask))
    candidates = np.sort(gen.choice(3 * n_vars, size=n_vars, replace=False)).astype(np.int32)
    instance = ShrunkInstance(candidates, members, offsets, gen.random(n_rows), gen.random(n_vars), 0.5, {})
    plain = instance.coverage(chosen)
    instance.var_rows  # noqa: B018 (built: coverage now reads the chosen variables' rows)
    assert instance.coverage(chosen) == plain
    nodes = gen.integers(-2, 3 * n_vars + 2, 8)
    assert np.array_equal(instance.variables_of(nodes), np.flatnonzero(np.isin(candidates, nodes)))


@pytest.mark.parametrize("costs", [[1.0] * 6, [0.5, 1, 1, 1, 1, 1], [2.0] * 6])
@pytest.mark.parametrize("budget", [0.0, 3.0, 3.9999999999999, 4.0000000000001, 6.0, 8.0])
def test_budgets_count_as_many_nodes_as_their_cheapest_fill(costs, budget):
    # The count a budget allows is how many of its sorted costs fit (k seeds: the whole part of k).
    instance = ShrunkInstance(np.arange(6, dtype=np.int32), np.zeros(0, np.int32), np.zeros(1, np.int64),
                              np.zeros(0), np.ones(6), 0.0, {})
    costs = np.array(costs)
    none = np.zeros(0, np.int32)
    budgets = NodeBudgets.of(instance, Constraints(costs=costs, budget=budget, must=none, never=none)).budgets
    most = int(np.searchsorted(np.cumsum(np.sort(costs)), budget * (1 + 1e-12), side="right"))
    expected = [(costs, budget)]
    if most < 6 and not ((costs == 1.0).all() and budget == most):
        expected.append((np.ones(6), float(most)))
    assert len(budgets) == len(expected)
    assert all(np.array_equal(c, ec) and cap == ecap for (c, cap), (ec, ecap) in zip(budgets, expected, strict=True))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 5), st.integers(1, 6))
def test_kept_rows_in_two_halves_match_a_plain_reading(key, n_sets, n):
    """Each set reduced to its members with a variable: one member adds to that variable's singleton
    weight, none drops it, the rest are rows; the same on one and two threads, down to zero or one set."""
    gen = np.random.default_rng(key)
    sets = [gen.choice(n, size=int(gen.integers(0, n + 1)), replace=False) for _ in range(n_sets)]
    nodes = np.concatenate(sets + [np.zeros(0, np.int64)]).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(x) for x in sets])]).astype(np.int64)
    var_of = np.where(gen.random(n) < 0.7, 0, -1).astype(np.int32)
    var_of[var_of >= 0] = np.arange(int((var_of >= 0).sum()), dtype=np.int32)
    n_vars = int((var_of >= 0).sum())
    dropped = (gen.random(n_sets) < 0.2).astype(np.uint8)
    singleton, rows = np.zeros(n_vars), []
    for i, x in enumerate(sets):
        kept = [int(var_of[v]) for v in x if var_of[v] >= 0]
        if dropped[i] or not kept:
            continue
        if len(kept) == 1:
            singleton[kept[0]] += 1
        else:
            rows.append(kept)
    for threads in (1, 2):
        single, members, row_offsets, h1, h2 = _cover.kept_rows(nodes, offsets, var_of, dropped, n_vars, threads)
        assert np.array_equal(single, singleton)
        assert [members[row_offsets[r]:row_offsets[r + 1]].tolist() for r in range(row_offsets.shape[0] - 1)] == rows
        assert all(np.array_equal(a, b) for a, b in zip((h1, h2), _cover.row_hashes(members, row_offsets),
                                                        strict=True))


def test_shrink_gives_up_between_its_stages_when_asked():
    from seeding._interrupt import Abandoned

    g, sets, cons, instance = karate_sample(2000, 3, run_seed=1)
    asked = []

    def stop_after(n):
        def stop():
            asked.append(1)
            return len(asked) > n
        return stop

    for n in (0, 1):
        asked.clear()
        with pytest.raises(Abandoned):
            shrink(sets, cons, stop=stop_after(n))
    asked.clear()
    again = shrink(sets, cons, stop=stop_after(10))
    assert len(asked) == 2 and np.array_equal(again.row_members, instance.row_members)
