from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from exact import exact_spread_table, tiny_graphs
from hypothesis import given, settings
from hypothesis import strategies as st

import seeding
from seeding import Graph, InfeasibleError, SeedingError, _kernels, select_seeds
from seeding.algorithms.budgeted import _ordered_gains
from seeding.cli import main
from seeding.costs import cost_model, resolve_costs
from seeding.coverage_model import Constraints, build_model, enumerate_core, shrink, solve_model

FAST = {"min_samples": 20_000, "n_evaluation": 20_000, "time_limit": 20}
COSTS = {0: 2.0, 1: 1.5, 2: 1.0, 3: 1.0, 4: 1.2, 5: 0.8, 6: 1.0, 7: 0.7}


def two_hubs():
    return tiny_graphs()["two_hubs"]


def affordable_sets(costs, budget, n, max_size=3):
    for r in range(1, max_size + 1):
        for s in itertools.combinations(range(n), r):
            if sum(costs[v] for v in s) <= budget + 1e-12:
                yield s


def test_model_finds_the_optimum_of_its_sample():
    g = two_hubs()
    costs = np.array([COSTS[v] for v in range(g.n)])
    sets = seeding.RRSampler(g, "ic").sample(3000, run_seed=7)
    cons = Constraints.build(g, costs, 2.5)
    instance = shrink(sets, cons)
    assert instance.stats["rows"] < instance.stats["rr_sets"]  # merged and folded
    best = max(sets.covered(np.array(s)) for s in affordable_sets(costs, 2.5, g.n))
    for backend in ("mip", "cp-sat"):
        out = solve_model(build_model(instance, cons, backend), instance, time_limit=20)
        assert out.status == "optimal"
        assert out.objective == pytest.approx(best)
        assert sets.covered(instance.candidates[out.chosen]) == best
    lp = solve_model(build_model(instance, cons, "lp"), instance, time_limit=20)
    assert lp.bound >= best - 1e-6


@pytest.mark.parametrize("budget", [1.5, 2.5, 3.2])
def test_exact_brute_force_mip_at_least_greedy(budget):
    g = two_hubs()
    table = exact_spread_table(g)
    costs = np.array([COSTS[v] for v in range(g.n)])
    opt = max(table[s] for s in affordable_sets(costs, budget, g.n))
    exact = {}
    for method in ("mip", "cp-sat", "cost-celf"):
        r = select_seeds(g, budget, COSTS, method=method, rng=3, **FAST)
        chosen = tuple(sorted(g.index_of(r.seeds).tolist()))
        assert r.cost <= budget + 1e-9 and len(chosen) <= 3
        exact[method] = table[chosen]
        assert exact[method] >= (1 - 1 / math.e) / 2 * opt
        assert r.upper_bound >= opt  # certified bound on the optimum
        assert r.lower_bound <= exact[method] + 1e-9
        # status and gap describe the selection returned, whichever run found it
        assert r.status in ("optimal", "feasible")
        assert (r.status == "optimal") == (r.gap <= 1e-6)
        if r.details.get("chosen_by") == "solver" and r.details["solver"]["status"] == "optimal":
            assert r.status == "optimal" and r.gap <= 1e-6
    assert exact["mip"] >= exact["cost-celf"] - 1e-9
    assert exact["mip"] >= opt - 0.05 * opt  # optimal on its sample; the sample is finite
    mc = select_seeds(g, budget, COSTS, method="cost-celf-mc", rng=3, n_simulations=2000, n_evaluation=2000)
    assert table[tuple(sorted(g.index_of(mc.seeds).tolist()))] >= (1 - 1 / math.e) / 2 * opt


def test_every_constraint_is_honoured():
    g = two_hubs()
    groups = {0: "a", 1: "a", 2: "b", 3: "b", 4: "b", 5: "c", 6: "c", 7: "c"}
    for method in ("mip", "cp-sat", "cost-celf"):
        r = select_seeds(
            g, 4.0, COSTS, method=method, rng=1, must=[5], never=[0], groups=groups,
            quotas={"b": (1, 1), "a": (1, None)}, extra_budgets=[("uniform", 3)], **FAST,
        )
        chosen = set(r.seeds)
        assert 5 in chosen and 0 not in chosen
        assert len(chosen) <= 3 and sum(COSTS[v] for v in chosen) <= 4.0 + 1e-9
        assert sum(groups[v] == "b" for v in chosen) == 1
        assert sum(groups[v] == "a" for v in chosen) >= 1
        assert r.cost == pytest.approx(sum(COSTS[v] for v in chosen))


def test_minimum_quota_greedy_cannot_meet_needs_the_model():
    # Group "far" holds only node 7; greedy fills it first, the MIP honours it by construction.
    g = two_hubs()
    groups = {v: ("far" if v == 7 else "near") for v in range(8)}
    r = select_seeds(g, 2.8, COSTS, rng=2, groups=groups, quotas=["far=1:"], **FAST)
    assert 7 in r.seeds


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": 0.5}, "budget 0.5 is below the cheapest node's cost 0.7"),
        ({"must": [0, 1], "budget": 3.0}, "must-seed nodes cost 3.5 in total, over the budget of 3"),
        ({"must": [2], "never": [2]}, "node 2 is both must-seed and never-seed"),
        ({"groups": {0: "a", 1: "a"}, "quotas": {"a": (3, 3)}}, "group 'a' needs 3 seeds but only 2"),
        ({"groups": {0: "a", 1: "a"}, "quotas": {"a": (2, 2)}, "budget": 3.0},
         "the minimum group quotas cost at least 3.5, over the budget of 3"),
        ({"groups": {0: "a", 1: "a"}, "quotas": {"a": (0, 1)}, "must": [0, 1], "budget": 9.0},
         "2 must-seed nodes are in group 'a', over its maximum of 1"),
        ({"extra_budgets": [("uniform", 1)], "must": [0, 1], "budget": 9.0},
         "must-seed nodes cost 2 in total, over the seed count of 1"),
    ],
)
def test_infeasible_inputs_say_which_constraint(kwargs, message):
    args = {"budget": 4.0, **kwargs}
    budget = args.pop("budget")
    with pytest.raises(InfeasibleError) as info:
        select_seeds(two_hubs(), budget, COSTS, rng=0, **args, **FAST)
    assert message in str(info.value)


def four_hubs():
    """Four hubs costing 1/3, each with two leaves (p = 1), leaves costing 1: budget 1 buys 3 hubs."""
    src = [h for h in range(4) for _ in range(2)]
    dst = list(range(4, 12))
    g = Graph.from_edges(src, dst, [1.0] * 8, labels=np.arange(12))
    costs = np.array([1 / 3] * 4 + [1.0] * 8)
    return g, costs


@pytest.mark.parametrize("backend", ["cp-sat", "mip", "lp"])
def test_solver_bound_is_a_relaxation_with_fractional_costs(backend):
    g, costs = four_hubs()
    sets = seeding.RRSampler(g, "ic").sample(2000, run_seed=1)
    cons = Constraints.build(g, costs, 1.0)
    instance = shrink(sets, cons)
    best = max(sets.covered(np.array(s)) for s in affordable_sets(costs, 1.0, g.n, max_size=3))
    out = solve_model(build_model(instance, cons, backend), instance, time_limit=20)
    assert out.bound >= best  # CP-SAT once rounded 1/3 up and saw only two hubs
    if backend != "lp":
        assert out.objective == pytest.approx(best)


@pytest.mark.parametrize("method", ["cp-sat", "mip", "cost-celf"])
def test_four_hubs_reach_the_exact_optimum_with_an_honest_certificate(method):
    g, costs = four_hubs()
    r = select_seeds(g, 1.0, costs, method=method, rng=1, min_samples=5000, n_evaluation=20_000)
    assert len(set(r.seeds) & {0, 1, 2, 3}) == 3
    assert r.cost <= 1.0 + 1e-9
    assert r.upper_bound >= 9.0  # the exact optimum: three hubs and their six leaves
    assert r.lower_bound <= 9.0
    assert r.spread.ci_low <= 9.0 <= r.spread.ci_high


def test_status_and_gap_describe_the_selection_returned(monkeypatch):
    # A solver that returns a poor selection: greedy is kept, and status/gap must be greedy's.
    import seeding.algorithms.budgeted as pipeline

    real = pipeline.solve_model

    def poor_solver(model, instance, **kwargs):
        out = real(model, instance, **kwargs)
        if model.backend == "lp":
            return out
        worst = np.array([int(np.argmin(instance.singleton))])
        return dataclasses.replace(out, status="feasible", objective=instance.coverage(worst), chosen=worst)

    monkeypatch.setattr(pipeline, "solve_model", poor_solver)
    monkeypatch.setattr(pipeline, "enumerate_core", lambda *args, **kwargs: None)  # the solver's path
    g = two_hubs()
    r = select_seeds(g, 2.5, COSTS, rng=3, target_ratio=None, **FAST)
    assert r.details["chosen_by"].startswith("greedy")
    assert r.details["solver"]["status"] == "feasible" and r.details["solver"]["gap"] > 0
    assert r.gap is not None and (r.status == "optimal") == (r.gap <= 1e-6)
    assert r.gap < r.details["solver"]["gap"]


def test_bad_costs():
    g = two_hubs()
    with pytest.raises(SeedingError, match="cost of node 0 is -1.0"):
        select_seeds(g, 3.0, {**COSTS, 0: -1.0})
    with pytest.raises(SeedingError, match="nan"):
        select_seeds(g, 3.0, {**COSTS, 0: float("nan")})
    with pytest.raises(SeedingError, match=r"1 nodes have no cost \(e.g. 7\)"):
        select_seeds(g, 3.0, {v: 1.0 for v in range(7)})
    r = select_seeds(g, 3.0, {v: 1.0 for v in range(7)}, default_cost=1.0, method="cost-celf", rng=0, **FAST)
    assert r.cost <= 3.0
    with pytest.raises(SeedingError, match="cost model must be one of"):
        select_seeds(g, 3.0, "degree:1")
    with pytest.raises(SeedingError, match="budget must be a positive number"):
        select_seeds(g, 0, COSTS)
    with pytest.raises(SeedingError, match="unknown budgeted method"):
        select_seeds(g, 3.0, COSTS, method="simplex")
    with pytest.raises(SeedingError, match="quota must look like"):
        select_seeds(g, 3.0, COSTS, groups={0: "a"}, quotas=["a:1"])


def test_cost_models_and_files(tmp_path):
    g = Graph.from_edges([0, 0, 0, 0, 1], [1, 2, 3, 4, 2])
    assert cost_model(g, "degree:1,2").tolist() == [9.0, 3.0, 1.0, 1.0, 1.0]
    assert cost_model(g, "uniform:3").tolist() == [3.0] * 5
    path = tmp_path / "costs.csv"
    path.write_text("node,cost\n# comment\n0,5\n1, 2.5\n2 1\n3,1\n4,1\n")
    assert resolve_costs(g, str(path)).tolist() == [5.0, 2.5, 1.0, 1.0, 1.0]
    path.write_text("0,5\n1,abc\n")
    with pytest.raises(SeedingError, match=r"costs.csv:2: cost 'abc' is not a number"):
        resolve_costs(g, str(path))
    path.write_text("0,5\n0,4\n")
    with pytest.raises(SeedingError, match=r"costs.csv:2: node '0' is listed twice"):
        resolve_costs(g, str(path))


def test_cli_budgeted_json_and_errors(tmp_path):
    graph = tmp_path / "g.txt"
    graph.write_text("0 2 0.2\n0 3 0.5\n0 4 0.3\n1 4 0.35\n1 5 0.45\n1 6 0.25\n5 6 0.5\n2 7 0.15\n6 7 0.25\n")
    costs = tmp_path / "c.csv"
    costs.write_text("".join(f"{k},{v}\n" for k, v in COSTS.items()))
    groups = tmp_path / "groups.csv"
    groups.write_text("node,group\n0,a\n1,a\n2,b\n3,b\n4,b\n5,c\n6,c\n7,c\n")
    runner = CliRunner()
    result = runner.invoke(main, [
        "optimize", str(graph), "--costs", str(costs), "--budget", "3", "--groups", str(groups),
        "--quota", "b=1:1", "--never", "0", "--max-seeds", "3", "--time-limit", "10", "--rng", "1", "--json",
    ])
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.output)
    for key in ("cost", "budget", "status", "gap", "seeds", "spread", "upper_bound"):
        assert key in data
    assert data["budget"] == 3.0 and data["cost"] <= 3.0 and 0 not in data["seeds"]
    bad = runner.invoke(main, ["optimize", str(graph), "--costs", str(costs), "--budget", "0.1"])
    assert bad.exit_code == 2 and "below the cheapest node" in bad.stderr
    bad = runner.invoke(main, ["optimize", str(graph), "--costs", str(costs)])
    assert bad.exit_code == 2 and "a budgeted run needs both costs and a budget" in bad.stderr


def test_nethept_budgeted_beats_degree_and_certifies(shared_data):
    g = seeding.read_graph(shared_data / "nethept-wc.txt")
    r = select_seeds(g, 50.0, "sqrt-degree:1,1", method="cost-celf", rng=1, min_samples=200_000, time_limit=10)
    assert r.cost <= 50.0 and r.status in ("optimal", "feasible")
    assert r.upper_bound >= r.spread.mean and r.gap is not None and r.gap < 0.25
    costs = cost_model(g, "sqrt-degree:1,1")
    order = np.argsort(-g.out_degree, kind="stable")
    take = order[np.cumsum(costs[order]) <= 50.0]
    degree = seeding.estimate_spread(g, g.label_of(take), n_simulations=2000, rng=1)
    assert r.spread.mean > degree.mean


def test_progress_names_each_phase():
    g = two_hubs()
    calls = []
    select_seeds(g, 2.5, COSTS, rng=1, target_ratio=None, progress=lambda d, t, phase=None: calls.append(phase),
                 **FAST)
    assert calls[0] == "sampling" and "bounding" in calls and "solving" in calls and calls[-1] == "evaluating"
    calls.clear()
    seeding.maximize_influence(g, 2, rng=1, n_evaluation=1000, progress=lambda d, t, phase=None: calls.append(phase))
    assert calls[0] == "sampling" and calls[-1] == "bounding"


@pytest.mark.parametrize("method", ["degree", "pagerank"])
def test_heuristics_run_under_a_budget_by_score_per_cost(method):
    g = two_hubs()
    groups = {v: ("far" if v == 7 else "near") for v in range(8)}
    r = select_seeds(g, 3.0, COSTS, method=method, rng=1, never=[0], groups=groups, quotas=["far=1:"],
                     n_evaluation=20_000)
    chosen = [int(v) for v in r.seeds]
    assert 7 in chosen and 0 not in chosen and r.cost <= 3.0 + 1e-9
    assert r.cost == pytest.approx(sum(COSTS[v] for v in chosen)) and r.gains == []
    # nothing left out fits the budget: the heuristic spends it
    assert all(COSTS[v] > 3.0 - r.cost + 1e-9 for v in range(8) if v not in chosen and v != 0)
    if method == "degree":  # after the quota, by out-degree per cost
        rest = [v for v in chosen if v != 7]
        ratios = [g.out_degree[v] / COSTS[v] for v in rest]
        assert ratios == sorted(ratios, reverse=True)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 9), st.integers(0, 2), st.integers(0, 2))
def test_shrunk_instance_keeps_every_selections_coverage(key, n, n_must, n_never):
    """Shrinking (dropping must-covered sets, folding singletons, merging rows) changes no coverage."""
    gen = np.random.default_rng(key)
    m = int(gen.integers(n, 3 * n))
    g = Graph.from_edges(gen.integers(0, n, m), gen.integers(0, n, m), gen.uniform(0.2, 0.9, m),
                         labels=range(n))
    nodes = gen.permutation(n)
    must, never = nodes[:n_must].tolist(), nodes[n_must:n_must + n_never].tolist()
    cons = Constraints.build(g, np.ones(g.n), float(n), must=must, never=never)
    sets = seeding.RRSampler(g, "ic").sample(300, run_seed=key)
    instance = shrink(sets, cons)
    assert instance.stats["rows"] + instance.stats["singleton_sets"] + instance.constant <= sets.count
    # The candidates: exactly the allowed nodes of the sets that no must-seed covers.
    rows = [set(sets.nodes[sets.offsets[i]:sets.offsets[i + 1]].tolist()) for i in range(sets.count)]
    must_i = set(g.index_of(must).tolist())
    left = set().union(*[r for r in rows if not r & must_i]) - must_i - set(g.index_of(never).tolist())
    assert sorted(instance.candidates.tolist()) == sorted(left)
    for _ in range(10):
        chosen = np.flatnonzero(gen.random(instance.candidates.shape[0]) < 0.4)
        picked = np.concatenate([instance.candidates[chosen], g.index_of(must)]).astype(np.int64)
        assert instance.coverage(chosen) == pytest.approx(sets.covered(picked))
    # The rows of each variable, in order; and two threads (each half of the sets, then of the rows, on
    # its own) build the very same instance.
    members, offsets = instance.row_members, instance.row_offsets
    var_offsets, var_rows = instance.var_rows
    for v in range(instance.candidates.shape[0]):
        mine = [r for r in range(instance.n_rows) if v in members[offsets[r]:offsets[r + 1]]]
        assert var_rows[var_offsets[v]:var_offsets[v + 1]].tolist() == mine
    twin = shrink(sets, cons, n_threads=2)
    for name in ("candidates", "row_members", "row_offsets", "row_weights", "singleton"):
        assert np.array_equal(getattr(twin, name), getattr(instance, name))
    assert all(np.array_equal(a, b) for a, b in zip(twin.var_rows, instance.var_rows, strict=True))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 9), st.booleans())
def test_enumeration_finds_the_exact_optimum_of_its_sample(key, n, with_groups):
    """The exact enumeration of a small instance against brute force over every selection."""
    gen = np.random.default_rng(key)
    m = int(gen.integers(n, 3 * n))
    g = Graph.from_edges(gen.integers(0, n, m), gen.integers(0, n, m), gen.uniform(0.2, 0.9, m),
                         labels=range(n))
    costs = gen.choice([1 / 3, 1 / 2, 2 / 3, 1.0, 1.5], n)
    nodes = gen.permutation(n)
    must, never = nodes[:int(gen.integers(0, 2))].tolist(), nodes[2:2 + int(gen.integers(0, 2))].tolist()
    groups = quotas = None
    if with_groups:
        groups = {int(v): f"g{i % 2}" for i, v in enumerate(gen.permutation(n))}  # two groups, shuffled
        quotas = {"g0": (int(gen.integers(0, 2)), int(gen.integers(1, 3)))}
    budget = float(gen.uniform(0.5, 3.0))
    try:
        cons = Constraints.build(g, costs, budget, must=must, never=never, groups=groups, quotas=quotas)
    except InfeasibleError:
        return
    sets = seeding.RRSampler(g, "ic").sample(200, run_seed=key)
    instance = shrink(sets, cons)
    out = enumerate_core(instance, cons)
    must_idx = g.index_of(must).astype(np.int64)
    best = -1.0
    cand = instance.candidates
    for r in range(cand.shape[0] + 1):
        for sub in itertools.combinations(range(cand.shape[0]), r):
            picked = np.concatenate([cand[list(sub)], must_idx]).astype(np.int64)
            if cons.is_feasible(picked):
                best = max(best, float(sets.covered(picked)))
    if best < 0:
        assert out.status == "infeasible"
        return
    assert out.status == "optimal"
    assert out.objective == out.bound == pytest.approx(best)
    picked = np.concatenate([cand[out.chosen], must_idx]).astype(np.int64)
    assert cons.is_feasible(picked)
    assert sets.covered(picked) == pytest.approx(best)


def test_enumeration_declines_what_it_cannot_finish_quickly():
    g = two_hubs()
    cons = Constraints.build(g, np.ones(g.n), float(g.n))
    instance = shrink(seeding.RRSampler(g, "ic").sample(500, run_seed=1), cons)
    assert enumerate_core(instance, cons, max_work=10) is None
    assert enumerate_core(instance, cons).status == "optimal"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(0, 400), st.integers(1, 12), st.booleans())
def test_selection_order_and_gains_match_a_full_coverage_index(key, n, n_sets, k, repeat):
    # The selection is ordered on the sets it meets only; a coverage index of all the sets is the
    # reference: the same order (ties to the earlier-listed node) and the same gains, exactly.
    rng = np.random.default_rng(key)
    sizes = rng.integers(1, 6, n_sets)
    nodes = rng.integers(0, n, int(sizes.sum())).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    sets = seeding.RRSets(nodes, offsets, n, float(n), "ic")
    selection = rng.integers(0, n, k).tolist() + (rng.integers(0, n, 2).tolist() if repeat else [])
    cov = _kernels.Coverage(nodes, offsets, np.ones(n_sets), n)
    rest, order, gains = list(dict.fromkeys(selection)), [], []
    while rest:
        v = rest.pop(int(np.argmax(cov.gains[rest])))
        gains.append(cov.add(v) * 0.5)
        order.append(v)
    for threads in (1, 2):
        assert _ordered_gains(sets, selection, 0.5, threads) == (order, gains)
