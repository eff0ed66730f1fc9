"""Learning probabilities from action logs: reader, compiled join (against a Python oracle), estimators, CLI."""

from __future__ import annotations

import gzip
import itertools
import json
import math
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import seeding
from seeding import _learn
from seeding.cli import main
from seeding.errors import GraphFormatError, SeedingError
from seeding.io import ActionLog, read_actions, write_edge_list
from seeding.learn import _auc, _episodes, _xlogy, learn_probabilities, parse_window, simulate_actions


def random_truth(n=300, m=1200, low=0.0, high=0.3, seed=5):
    """A random directed graph with known probabilities."""
    G = nx.gnm_random_graph(n, m, seed=seed, directed=True)
    g = seeding.Graph.from_networkx(G)
    return g.with_p(np.random.default_rng(seed).uniform(low, high, g.m))


def write_log(path, log: ActionLog, *, header=True):
    rows = zip(log.users.tolist(), log.item_names[log.items].tolist(), log.times.tolist(), strict=True)
    text = ("user,item,time\n" if header else "") + "".join(f"{u},{i},{t:.17g}\n" for u, i, t in rows)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def truth():
    return random_truth()


@pytest.fixture(scope="module")
def discrete_log(truth):
    return simulate_actions(truth, 20_000, time="discrete", rng=1)


@pytest.fixture(scope="module")
def continuous_log(truth):
    return simulate_actions(truth, 20_000, time="continuous", rng=2)


# --------------------------------------------------------------------------- reading logs
def test_read_actions_csv_whitespace_timestamps_and_gzip(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("# exported\nuser,item,time\n1, post ,3\n2,post,4.5\n\n1,song,1e1\n")
    log = read_actions(csv)
    assert log.users.tolist() == ["1", "2", "1"]
    assert log.item_names[log.items].tolist() == ["post", "post", "song"]
    assert log.times.tolist() == [3.0, 4.5, 10.0] and not log.timestamps
    assert log.lines.tolist() == [3, 4, 6]

    ws = tmp_path / "a.txt.gz"
    with gzip.open(ws, "wt") as fh:
        fh.write("ann\tpost 2024-03-01 12:00:00\nbob post 2024-03-01T13:30:00+01:00\ncid post 2024-03-01T12:00:30Z\n")
    log = read_actions(ws)
    assert log.timestamps and log.users.tolist() == ["ann", "bob", "cid"]
    assert (log.times - log.times[0]).tolist() == [0.0, 1800.0, 30.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,a,3\n2,a,soon\n", "a.csv:2: time 'soon' is not a number or an ISO 8601 timestamp"),
        ("1,a,3\n2,a,2024-03-01\n", "a.csv:2: time '2024-03-01' is a timestamp, but the times above it are numbers"),
        ("1,a,2024-03-01\n2,a,5\n", "a.csv:2: time '5' is a number, but the times above it are timestamps"),
        ("1,a,2024-03-01\n2,a,03/01/2024\n", "a.csv:2: time '03/01/2024' is not a number or an ISO 8601"),
        ("1,a,3\n2,a,nan\n", "a.csv:2: time 'nan' is not a finite number"),
        ("1,a,3\n2,a\n", "a.csv:2: expected 3 columns (user, item, time); got 2"),
        ("1,a,3\n2,,4\n", "a.csv:2: expected 3 columns"),
        ("# nothing\n", "a.csv: no actions found"),
        ("user,item,time\n", "a.csv: no actions found"),
    ],
)
def test_read_actions_errors_name_file_line_and_value(tmp_path, text, message):
    path = tmp_path / "a.csv"
    path.write_text(text)
    with pytest.raises(GraphFormatError) as info:
        read_actions(path)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_action_log_from_rows_and_missing_file(tmp_path):
    log = ActionLog.from_rows([("a", 1, 2), ("b", 1, "3")])
    assert log.times.tolist() == [2.0, 3.0] and log.path is None
    with pytest.raises(GraphFormatError, match="expected"):
        ActionLog.from_rows([("a", 1)])
    with pytest.raises(GraphFormatError, match="no such file"):
        read_actions(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- the compiled join against an oracle
def python_scan(graph, episodes, window):
    """Per-arc counts, candidate groups and exposures, straight from the definitions."""
    src, dst = graph.sources.tolist(), graph.indices.tolist()
    m = graph.m
    blocked, both, positive = [0] * m, [0] * m, [0] * m
    groups, exposures = [], []
    for ep in episodes:
        for v, tv in ep.items():
            cands = []
            for a in range(m):
                if dst[a] == v and src[a] in ep:
                    both[a] += 1
                    lag = tv - ep[src[a]]
                    if lag <= 0:
                        blocked[a] += 1
                    elif lag <= window:
                        positive[a] += 1
                        cands.append(a)
            if cands:
                groups.append(tuple(sorted(cands)))
        attempts = {}
        for a in range(m):
            if src[a] in ep:
                lag = ep.get(dst[a], math.inf) - ep[src[a]]
                if lag > 0:
                    attempts.setdefault(dst[a], []).append((a, lag <= window))
        exposures.extend(attempts.values())
    return blocked, both, positive, groups, exposures


@pytest.mark.parametrize("window", [1.0, 2.5, math.inf])
@pytest.mark.parametrize("case", range(4))
def test_compiled_join_matches_python_oracle(window, case):
    rng = np.random.default_rng(case)
    G = nx.gnm_random_graph(12, 40, seed=case, directed=True)
    g = seeding.Graph.from_networkx(G)
    rows = [(int(u), f"i{i}", int(rng.integers(0, 5))) for i in range(15) for u in rng.choice(12, 6, replace=False)]
    episodes, _ = _episodes(g, ActionLog.from_rows(rows), strict=True)
    py_eps = [dict(zip(episodes.node[s:e].tolist(), episodes.time[s:e].tolist(), strict=True))
              for s, e in itertools.pairwise(episodes.ptr.tolist())]
    blocked, both, positive, groups, exposures = python_scan(g, py_eps, window)
    k_blocked, k_both, k_positive, ptr, cand, gnode = _learn.scan_pairs(
        episodes.ptr, episodes.node, episodes.time, g.in_indptr, g.in_indices, g.in_arcs, g.n, g.m, window
    )
    assert k_blocked.tolist() == blocked and k_both.tolist() == both and k_positive.tolist() == positive
    k_groups = [tuple(sorted(cand[s:e].tolist())) for s, e in itertools.pairwise(ptr.tolist())]
    assert k_groups == groups
    assert (g.indices[cand[ptr[:-1]]] == gnode).all()

    p = rng.uniform(0.05, 0.9, g.m)
    succ = np.empty(g.m)
    gain = _learn.em_pass(p, ptr, cand, succ)
    expect_succ = np.zeros(g.m)
    expect_gain = 0.0
    for group in groups:
        P = 1 - np.prod([1 - p[a] for a in group])
        expect_gain += math.log(P)
        for a in group:
            expect_succ[a] += p[a] / P
    assert gain == pytest.approx(expect_gain) and np.allclose(succ, expect_succ)

    score, label, loglik = _learn.exposures(p, episodes.ptr, episodes.node, episodes.time, g.indptr, g.indices,
                                            g.n, window)
    expect = []
    expect_ll = 0.0
    for attempts in exposures:
        q_all = np.prod([1 - p[a] for a, _ in attempts])
        q_cand = np.prod([1 - p[a] for a, ok in attempts if ok])
        ok = any(flag for _, flag in attempts)
        expect.append((round(1 - q_all, 12), ok))
        expect_ll += math.log(1 - q_cand) + math.log(q_all / q_cand) if ok else math.log(q_all)
    assert sorted(zip(np.round(score, 12).tolist(), label.astype(bool).tolist(), strict=True)) == sorted(expect)
    assert loglik == pytest.approx(expect_ll)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80), st.integers(1, 6), st.floats(0.05, 0.95))
def test_auc_matches_pair_counting(seed, n, levels, share):
    # Few score levels: most scores tie, and a tie counts half.
    rng = np.random.default_rng(seed)
    score = rng.integers(0, levels, n) / 4.0
    label = rng.random(n) < share
    n1, n0 = int(label.sum()), int((~label).sum())
    if n1 == 0 or n0 == 0:
        assert math.isnan(_auc(score, label))
        return
    wins = sum((s1 > s0) + 0.5 * (s1 == s0) for s1 in score[label] for s0 in score[~label])
    assert _auc(score, label) == pytest.approx(wins / (n1 * n0), rel=1e-12)


def test_xlogy_is_zero_where_x_is_zero():
    x = np.array([0.0, 0.0, 0.5, 2.0, 1.0])
    y = np.array([0.0, 0.3, 0.0, 0.25, 1.0])
    assert _xlogy(x, y).tolist() == [0.0, 0.0, -math.inf, 2.0 * math.log(0.25), 0.0]


def test_holdout_learning_leaves_scipy_unimported(tmp_path):
    # A fit with a holdout needs numpy only: scipy's import would cost more than the fit (issue 13).
    graph = tmp_path / "g.txt"
    graph.write_text("0 1 0.5\n1 2 0.5\n0 2 0.2\n")
    log = tmp_path / "log.csv"
    log.write_text("".join(f"0,i{i},0\n1,i{i},1\n" + (f"2,i{i},2\n" if i % 3 else "") for i in range(30)))
    code = ("import sys, seeding\n"
            f"g = seeding.read_graph({str(graph)!r})\n"
            f"fit = seeding.learn_probabilities(g, seeding.read_actions({str(log)!r}), holdout=0.3, rng=1)\n"
            "assert fit.validation, 'no validation rows'\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- estimators on hand-made logs
def test_goyal_partial_credit_bernoulli_jaccard_and_lt_by_hand():
    # arcs 0->2, 1->2, 2->3; item a: 0@0, 1@1, 2@2 (2 credits 0 and 1 half each), 3@9 (too late for window 5);
    # item b: 0@0, 2@1 (full credit to 0), 3@2; item c: 1@0 only; item d: 2@0, 0@1 (0 acts after 2: no attempt).
    g = seeding.Graph.from_edges([0, 1, 2], [2, 2, 3])
    rows = [(0, "a", 0), (1, "a", 1), (2, "a", 2), (3, "a", 9), (0, "b", 0), (2, "b", 1), (3, "b", 2),
            (1, "c", 0), (2, "d", 0), (0, "d", 1)]
    fit = learn_probabilities(g, rows, method="bernoulli", window=5, prior_weight=0)
    # A_0 = 3 (a, b, d), A_1 = 2 (a, c), A_2 = 3 (a, b, d), A_3 = 2
    assert fit.successes.tolist() == [1.5, 0.5, 1.0]
    assert fit.attempts.tolist() == [2, 2, 3]  # 0's action on d came after 2's
    assert np.allclose(fit.p, [1.5 / 3, 0.5 / 2, 1.0 / 3])
    jac = learn_probabilities(g, rows, method="jaccard", window=5, prior_weight=0)
    # |A_0 or A_2| = 3 (a, b, d); |A_1 or A_2| = 4 (a, b, c, d); |A_2 or A_3| = 3
    assert np.allclose(jac.p, [1.5 / 3, 0.5 / 4, 1.0 / 3])
    full = learn_probabilities(g, rows, method="bernoulli", window=5, prior_weight=0, partial_credit=False)
    assert np.allclose(full.p, [2 / 3, 1 / 2, 1 / 3])
    # LT: credit among the target's actions; node 2 acted 3 times, node 3 twice.
    assert np.allclose(fit.lt_weights, [1.5 / 3, 0.5 / 3, 1.0 / 2])
    assert fit.window == 5.0 and not fit.window_learned


def test_lt_weights_sum_to_at_most_one_and_the_result_runs_lt(truth, discrete_log):
    fit = learn_probabilities(truth, discrete_log)
    sums = np.bincount(fit.graph.indices, weights=fit.lt_weights, minlength=fit.graph.n)
    assert sums.max() <= 1.0 + 1e-12 and sums[fit.graph.in_degree > 0].min() > 0
    est = seeding.estimate_spread(fit.graph, [0], model="lt", n_simulations=200, rng=0)
    assert est.mean >= 1.0


def test_prior_for_arcs_never_exercised_and_shrinkage():
    g = seeding.Graph.from_edges([0, 0, 5], [1, 2, 6])
    rows = [(0, f"i{i}", 0) for i in range(10)] + [(1, f"i{i}", 1) for i in range(4)]
    fit = learn_probabilities(g, rows, prior_weight=0)
    # 0 -> 1: 4 of 10; 0 -> 2: 0 of 10; 5 -> 6 never exercised: the pooled rate 4 / 20
    assert np.allclose(fit.p, [0.4, 0.0, 0.2]) and fit.prior == pytest.approx(0.2)
    assert fit.attempts.tolist() == [10, 10, 0]
    shrunk = learn_probabilities(g, rows, prior_weight=5, prior=0.1)
    assert np.allclose(shrunk.p, [(4 + 0.5) / 15, 0.5 / 15, 0.1])
    with pytest.raises(SeedingError, match="prior"):
        learn_probabilities(g, rows, prior=1.5)
    with pytest.raises(SeedingError, match="prior_weight"):
        learn_probabilities(g, rows, prior_weight=-1)


def test_users_skipped_or_strict_duplicates_and_string_labels(tmp_path):
    g = seeding.Graph.from_edges([1, 2], [2, 3])
    path = tmp_path / "log.csv"
    path.write_text("1,a,0\n2,a,1\n2,a,7\n9,a,1\nbob,b,0\n3,a,2\n")
    fit = learn_probabilities(g, path, prior_weight=0)
    assert fit.stats["skipped_rows"] == 2 and fit.stats["skipped_users"] == 2
    assert fit.stats["duplicates"] == 1 and fit.stats["actions"] == 3
    assert fit.p.tolist() == [1.0, 1.0]
    with pytest.raises(GraphFormatError, match=r"log.csv:4: user '9' is not a node"):
        learn_probabilities(g, path, strict=True)
    path.write_text("7,a,0\n8,a,1\n")
    with pytest.raises(GraphFormatError, match="no user of the log is a node"):
        learn_probabilities(g, path)

    named = seeding.Graph.from_networkx(nx.DiGraph([("ann", "bob"), ("bob", "cid")]))
    fit = learn_probabilities(named, [("ann", "x", 0), ("bob", "x", 1), ("cid", "x", 2)], prior_weight=0)
    assert fit.p.tolist() == [1.0, 1.0]
    with pytest.raises(SeedingError, match="graphml"):
        fit.write(tmp_path / "named.txt")
    fit.write(tmp_path / "named.graphml")
    assert seeding.read_graph(tmp_path / "named.graphml").p.tolist() == [1.0, 1.0]


def test_window_parsing_timestamps_and_a_log_without_influence(tmp_path):
    assert parse_window("90m", timestamps=True) == 5400.0 and parse_window(None) is None
    for bad in ["0", "-1", "soon", True]:
        with pytest.raises(SeedingError, match="window"):
            parse_window(bad)
    with pytest.raises(SeedingError, match="has a unit"):
        parse_window("2h")
    g = seeding.Graph.from_edges([0, 1], [1, 2])
    stamped = [(0, "a", "2024-03-01T10:00:00"), (1, "a", "2024-03-01T11:00:00"), (2, "a", "2024-03-01T15:00:00"),
               (0, "b", "2024-03-02T10:00:00")]
    fit = learn_probabilities(g, stamped, window="2h", prior_weight=0)
    assert fit.window == 7200.0 and fit.p.tolist() == [0.5, 0.0]
    assert learn_probabilities(g, stamped, prior_weight=0).window == 14400.0  # learned: the longest gap here
    with pytest.raises(SeedingError, match="says nothing about influence"):
        learn_probabilities(g, [(2, "a", 0), (1, "a", 1), (0, "a", 2)])


# --------------------------------------------------------------------------- EM
def test_em_log_likelihood_never_decreases(truth, discrete_log, continuous_log):
    for log, weight in [(discrete_log, 0.0), (continuous_log, 0.0), (discrete_log, 3.0)]:
        fit = learn_probabilities(truth, log, prior_weight=weight, tol=0, max_iter=40)
        steps = np.diff(fit.history)
        assert len(fit.history) >= 5
        assert (steps >= -1e-9 * abs(fit.history[-1])).all(), steps.min()
        assert fit.history[-1] > fit.history[0]


def exact_cascade_likelihood(p, arcs, n, seed, observed):
    """P(activation steps) under discrete IC: the live-edge worlds whose BFS distances equal them."""
    total = 0.0
    for live in itertools.product([0, 1], repeat=len(arcs)):
        prob = math.prod(pa if s else 1 - pa for pa, s in zip(p, live, strict=True))
        dist = {seed: 0}
        frontier = [seed]
        while frontier:
            nxt = []
            for u in frontier:
                for (a, b), s in zip(arcs, live, strict=True):
                    if s and a == u and b not in dist:
                        dist[b] = dist[u] + 1
                        nxt.append(b)
            frontier = nxt
        if dist == observed:
            total += prob
    return total


def test_em_recovers_exact_probabilities_on_a_tiny_graph():
    arcs = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]
    true_p = [0.6, 0.3, 0.5, 0.4, 0.7]
    g = seeding.Graph.from_edges([a for a, _ in arcs], [b for _, b in arcs])
    log = simulate_actions(g.with_p(true_p), 20_000, seeds=[0], rng=3)
    fit = learn_probabilities(g, log, prior_weight=0, tol=1e-14, max_iter=5000)
    assert fit.window == 1.0 and fit.converged
    # The maximum-likelihood estimate by brute force: group the cascades by pattern, maximise the exact
    # likelihood of discrete IC (summed over the 32 live-edge worlds) numerically.
    patterns: dict = {}
    for s, e in itertools.pairwise(np.searchsorted(log.items, np.arange(log.n_items + 1)).tolist()):
        key = tuple(sorted(zip(log.users[s:e].astype(int).tolist(), log.times[s:e].astype(int).tolist(),
                               strict=True)))
        patterns[key] = patterns.get(key, 0) + 1
    order = [g.indices[g.indptr[a] : g.indptr[a + 1]].tolist() for a in range(4)]
    graph_arcs = [(u, v) for u in range(4) for v in order[u]]

    def negative_loglik(x):
        return -sum(c * math.log(exact_cascade_likelihood(x, graph_arcs, 4, 0, dict(k))) for k, c in patterns.items())

    best = minimize(negative_loglik, x0=np.full(5, 0.5), bounds=[(1e-4, 1 - 1e-4)] * 5, method="L-BFGS-B",
                    options={"ftol": 1e-15, "gtol": 1e-10})
    assert np.allclose(fit.p, best.x, atol=2e-4), (fit.p, best.x)
    truth_in_graph_order = [dict(zip(arcs, true_p, strict=True))[a] for a in graph_arcs]
    assert np.allclose(fit.p, truth_in_graph_order, atol=0.02)
    assert fit.loglik == pytest.approx(-negative_loglik(fit.p), rel=1e-9)


# --------------------------------------------------------------------------- ground truth: simulated cascades
@pytest.mark.parametrize("kind", ["discrete", "continuous"])
def test_learned_probabilities_match_the_truth_on_well_observed_arcs(truth, discrete_log, continuous_log, kind):
    log = discrete_log if kind == "discrete" else continuous_log
    fit = learn_probabilities(truth, log)
    if kind == "discrete":
        assert fit.window == 1.0
    else:
        assert 1.0 < fit.window < 10.0
    well = fit.attempts >= 100
    assert well.sum() >= 300
    assert np.corrcoef(fit.p[well], truth.p[well])[0, 1] >= 0.9
    for method in ("bernoulli", "jaccard"):
        other = learn_probabilities(truth, log, method=method)
        assert np.corrcoef(other.p[well], truth.p[well])[0, 1] >= (0.85 if method == "bernoulli" else 0.7)


def test_seeds_chosen_on_the_learned_graph_reach_the_true_graphs_spread(truth, discrete_log):
    fit = learn_probabilities(truth, discrete_log)
    on_truth = seeding.maximize_influence(truth, 5, rng=1)
    on_learned = seeding.maximize_influence(fit.graph, 5, rng=1)
    reach_truth = seeding.estimate_spread(truth, on_truth.seeds, n_simulations=20_000, rng=2).mean
    reach_learned = seeding.estimate_spread(truth, on_learned.seeds, n_simulations=20_000, rng=2).mean
    assert reach_learned >= 0.95 * reach_truth


def test_holdout_validation_reports_every_method(truth, discrete_log):
    fit = learn_probabilities(truth, discrete_log, holdout=0.2, rng=4)
    rows = {row["method"]: row for row in fit.validation}
    assert set(rows) == {"em", "bernoulli", "jaccard"}
    for row in rows.values():
        assert row["test_items"] == 4000 and row["train_items"] == 16_000 and row["window"] == 1.0
        assert 0 < row["acted"] < row["exposures"] and row["loglik"] < 0
    assert rows["em"]["auc"] > 0.6
    assert rows["em"]["loglik"] > rows["jaccard"]["loglik"]  # Jaccard's denominators understate IC
    again = learn_probabilities(truth, discrete_log, holdout=0.2, rng=4)
    assert again.validation == fit.validation
    with pytest.raises(SeedingError, match="holdout"):
        learn_probabilities(truth, discrete_log, holdout=1.0)


def test_simulate_actions_follows_ic(truth):
    g = seeding.Graph.from_edges([0, 0, 1], [1, 2, 3], [1.0, 0.0, 0.5])
    log = simulate_actions(g, 4000, seeds=[0], time="continuous", mean_delay=2.0, rng=0)
    acted = {u: (log.users == u).sum() for u in "0123"}
    assert acted["0"] == acted["1"] == 4000 and acted["2"] == 0
    assert abs(acted["3"] / 4000 - 0.5) < 0.05
    delays = log.times[log.users == "1"]
    assert abs(delays.mean() - 2.0) < 0.15
    hub = int(np.argmax(truth.out_degree))
    sizes = np.bincount(simulate_actions(truth, 4000, seeds=[hub], rng=5).items)
    est = seeding.estimate_spread(truth, [hub], n_simulations=20_000, rng=6)
    assert abs(sizes.mean() - est.mean) < 4 * math.hypot(sizes.std() / math.sqrt(4000), est.stderr)
    with pytest.raises(SeedingError, match="time"):
        simulate_actions(g, 3, time="weekly")


def test_real_graph_small_version(shared_data):
    graph = seeding.read_graph(shared_data / "email-Eu-core.txt", probability="wc")
    log = simulate_actions(graph, 10_000, rng=1)
    fit = learn_probabilities(graph.with_p(np.full(graph.m, 0.5)), log)
    well = fit.attempts >= 100
    assert well.sum() >= 1000
    assert np.corrcoef(fit.p[well], graph.p[well])[0, 1] >= 0.9


# --------------------------------------------------------------------------- command line
def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def files(tmp_path, truth):
    graph = tmp_path / "g.txt"
    write_edge_list(graph, truth)
    log = write_log(tmp_path / "log.csv", simulate_actions(truth, 3000, rng=7))
    return graph, log


def test_cli_learn_then_optimize(files, tmp_path):
    graph, log = files
    out, evidence, report = tmp_path / "learned.txt", tmp_path / "ev.csv", tmp_path / "r.json"
    result = run("learn", graph, log, "--output", out, "--evidence", evidence, "--report", report,
                 "--holdout", 0.2, "--rng", 1)
    assert result.exit_code == 0, result.output + result.stderr
    for word in ("window     1 (learned", "evidence", "bernoulli", "jaccard", "AUC", f"wrote      {out}"):
        assert word in result.output
    learned = seeding.read_graph(out)
    expected = learn_probabilities(seeding.read_graph(graph), log)
    assert learned.m == expected.graph.m and np.allclose(learned.p, expected.p, atol=1e-8)
    assert evidence.read_text().startswith("u,v,p,w,attempts,successes\n")
    data = json.loads(report.read_text())
    assert data["method"] == "em" and len(data["validation"]) == 3
    opt = run("optimize", out, "-k", 3, "--rng", 1, "--json")
    assert opt.exit_code == 0 and len(json.loads(opt.output)["seeds"]) == 3

    lt = tmp_path / "lt.txt"
    result = run("learn", graph, log, "--model", "lt", "--method", "bernoulli", "--output", lt, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["method"] == "bernoulli"
    assert run("spread", lt, "--model", "lt", "--seeds", 0, "--simulations", 100).exit_code == 0


@pytest.mark.parametrize(
    ("log_text", "extra", "message"),
    [
        ("0,a,1\n1,a,later\n", [], "log.csv:2: time 'later' is not a number"),
        ("0,a,1\n999,a,2\n", ["--strict"], "log.csv:2: user '999' is not a node of the graph"),
        ("# nothing yet\n", [], "log.csv: no actions found"),
        ("0,a,1\n1,a,2\n", ["--window", "2h"], "has a unit"),
        ("0,a,1\n1,a,2\n", ["--prior", "high"], "--prior must be"),
        ("0,a,1\n1,a,2\n", ["--holdout", "0.5"], "leaves no item"),
    ],
)
def test_cli_bad_input_is_one_red_line_and_exit_2(files, tmp_path, log_text, extra, message):
    graph, _ = files
    log = tmp_path / "log.csv"
    log.write_text(log_text)
    result = run("learn", graph, log, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_cli_skips_unknown_users_with_a_warning(files, tmp_path):
    graph, log = files
    text = log.read_text() + "999,extra,1\n"
    log.write_text(text)
    result = run("learn", graph, log)
    assert result.exit_code == 0
    assert "skipped 1 rows of 1 users" in result.stderr and "--strict" in result.stderr
