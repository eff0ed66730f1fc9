from __future__ import annotations

import dataclasses
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import seeding
from seeding.cli import main
from seeding.compare import compare, run_instance
from seeding.errors import GraphFormatError, SeedingError
from seeding.instance import load_instance

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_instances(tmp_path):
    (tmp_path / "a.txt").write_text("0 1 0.5\n0 2 0.5\n1 3 0.4\n2 3 0.3\n3 4 0.9\n5 6 0.6\n")
    (tmp_path / "b.txt").write_text("0 1 0.3\n1 2 0.6\n2 0 0.4\n1 3 0.2\n4 3 0.8\n4 5 0.5\n")
    (tmp_path / "a.toml").write_text('graph = "a.txt"\nk = 2\ncosts = "uniform"\nbudget = 2.0\n')
    (tmp_path / "b.toml").write_text('graph = "b.txt"\nk = 1\n')
    return [tmp_path / "a.toml", tmp_path / "b.toml"]


def test_comparison_rows_common_evaluation_png_and_markdown(tiny_instances, tmp_path):
    out = tmp_path / "out"
    result = compare(tiny_instances, "degree,opim-c,cost-celf", n_simulations=2000, rng=4, output_dir=out,
                     method_options={"cost-celf": {"min_samples": 5000, "time_limit": 5}})
    runs, notes = result.rows, result.notes
    assert [(r["instance"], r["method"], r["budget"] is None) for r in runs] == [
        ("a", "degree", True), ("a", "degree", False), ("a", "opim-c", True), ("a", "cost-celf", False),
        ("b", "degree", True), ("b", "opim-c", True)]  # degree runs for k and, with costs, under the budget
    assert notes == ["cost-celf skipped on b: it needs costs and a budget"]
    # one common evaluation per instance: the same worlds for every method
    for inst in ("a", "b"):
        sub = [r for r in runs if r["instance"] == inst]
        assert len({r["eval_rng"] for r in sub}) == 1
        graph = load_instance(tiny_instances[0 if inst == "a" else 1]).load_graph()
        for r in sub:
            samples = seeding.simulate(graph, r["seeds"], n_simulations=2000, rng=r["eval_rng"])
            assert samples.mean() == pytest.approx(r["spread"]["mean"])
            assert r["spread"]["samples"] == 2000 and r["spread"]["estimator"] == "mc"
            assert set(r["timings_s"]) == {"choose", "evaluate", "total"}
        same = [r for r in sub if r["seeds"] == sub[0]["seeds"]]
        assert len({r["spread"]["mean"] for r in same}) == 1  # same seeds, same worlds, same number
    csv = (out / "results.csv").read_text().splitlines()
    assert csv[0].startswith("instance,method,k,budget,spread,ci_low,ci_high,stderr,samples,choose_s,evaluate_s,"
                             "total_s,") and len(csv) == 7
    assert len(json.loads((out / "results.json").read_text())["rows"]) == 6
    report = (out / "report.md").read_text()
    assert "| k | degree | opim-c |" in report and "**" in report and "cost-celf skipped" in report
    assert "What the seeds cost, a" in report and "Spent, a" in report and "What the seeds cost, b" not in report
    import matplotlib.image

    for name in ("plot-a-k-spread.png", "plot-a-k-runtime.png", "plot-a-budget-spread.png", "plot-b-k-spread.png",
                 "plot-a-spend.png"):
        path = out / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = matplotlib.image.imread(path)
        assert image.shape[0] >= 400 and image.shape[1] >= 600
    assert not (out / "plot-b-spend.png").exists()  # b has no costs: nothing to spend
    # every run of a has its cost: under the budget what it spent, for k what its seeds cost (uniform: 1 each)
    assert all(r["cost"] == (r["n_seeds"] if r["k"] is not None else r["cost"]) and r["cost"] <= 2.0
               for r in runs if r["instance"] == "a")
    assert all(r["cost"] is None for r in runs if r["instance"] == "b" and r["k"] is not None)


def test_spend_plot_puts_every_method_at_its_cost(tmp_path, monkeypatch):
    """One spend plot: runs under each budget at what they spent, k-runs at what their seeds cost."""
    import matplotlib.axes

    from seeding.compare import plot_spend

    drawn = []
    real = matplotlib.axes.Axes.errorbar

    def spy(self, x, y, *args, **kwargs):
        drawn.append((kwargs["label"], list(x), list(y), kwargs["markerfacecolor"] == "white"))
        return real(self, x, y, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "errorbar", spy)
    result = compare([ROOT / "instances" / "florentine-families.toml"], "degree,opim-c,cost-celf", ks=[1, 2],
                     budgets=[4, 8], n_simulations=300, rng=1, options={"time_limit": 5})
    path = plot_spend(result.rows, tmp_path / "spend.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = {label: hollow for label, _, _, hollow in drawn}
    assert labels == {"degree per cost": False, "cost-celf": False, "degree, k = 1, 2": True, "opim-c, k = 1, 2": True}
    for label, xs, ys, _ in drawn:
        rows = [r for r in result.rows if label.startswith(r["method"]) and (r["k"] is None) == ("k =" not in label)]
        span = max(r["cost"] for r in result.rows) - min(r["cost"] for r in result.rows)
        assert sorted(r["cost"] for r in rows) == pytest.approx(sorted(xs), abs=0.05 * span)  # offsets are small
        assert sorted(r["spread"]["mean"] for r in rows) == pytest.approx(sorted(ys))
    assert plot_spend([{**r, "cost": None} for r in result.rows], tmp_path / "none.png") is None


def test_interrupt_keeps_finished_rows(tiny_instances, tmp_path):
    out = tmp_path / "int"

    calls = []

    def stop_after_two(done, total, phase=None):
        calls.append((done, total, phase))
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compare(tiny_instances, "degree,opim-c", n_simulations=200, rng=1, output_dir=out, progress=stop_after_two)
    data = json.loads((out / "results.json").read_text())
    assert len(data["rows"]) == 2 and "interrupted after 2 of 5 runs" in data["notes"]
    # each run is named as it starts and as it ends: instance, method, k or budget
    assert calls == [(0, 5, "a: degree, k = 2"), (1, 5, "a: degree, k = 2"), (1, 5, "a: degree, budget 2"),
                     (2, 5, "a: degree, budget 2")]
    shown = CliRunner().invoke(main, ["compare", str(tiny_instances[1]), "--methods", "degree,celf",
                                      "--simulations", "50", "--output-dir", str(tmp_path / "shown")])
    assert shown.exit_code == 0 and "run 1/2: b: degree, k = 1\nrun 2/2: b: celf, k = 1\n" in shown.stderr


def test_bad_comparisons_fail_before_work(tiny_instances, tmp_path):
    with pytest.raises(SeedingError, match="unknown method 'celfx'"):
        compare(tiny_instances, "degree,celfx")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SeedingError, match="is a file"):
        compare(tiny_instances, "degree", output_dir=blocker)
    with pytest.raises(SeedingError, match="no method fits"):
        compare([tiny_instances[1]], "cp-sat")
    result = CliRunner().invoke(main, ["compare", str(tiny_instances[0]), "--methods", "degree",
                                       "--output-dir", str(blocker)])
    assert result.exit_code == 2 and "is a file" in result.stderr


def test_instance_file_errors(tmp_path):
    (tmp_path / "g.txt").write_text("1 2\n")
    cases = {
        'graph = "g.txt"\nk = 2\nbugdet = 3\n': "unknown key 'bugdet'",
        'graph = "missing.txt"\n': "graph = 'missing.txt': no such file",
        'graph = "g.txt"\ncosts = "nocosts.csv"\n': "costs = 'nocosts.csv': no such file",
        'graph = "g.txt"\nk = "two"\n': "k must be a int",
        'k = 2\n': "missing key 'graph'",
        'graph = "g.txt"\nk = \n': "not valid TOML",
        'graph = "g.txt"\nmodel = "sir"\n': "model must be one of",
    }
    for text, message in cases.items():
        path = tmp_path / "bad.toml"
        path.write_text(text)
        with pytest.raises(GraphFormatError) as info:
            load_instance(path)
        assert message in str(info.value) and "bad.toml" in str(info.value)


def test_batch_optimize_continues_past_failures(tiny_instances, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('graph = "a.txt"\nk = 99\n')
    outdir = tmp_path / "res"
    result = CliRunner().invoke(main, ["optimize", str(tiny_instances[1]), str(broken), str(tiny_instances[0]),
                                       "--output-dir", str(outdir), "--rng", "1", "--time-limit", "5"])
    assert result.exit_code == 1
    assert "broken.toml: k must be an integer in [1, 7]; got 99" in result.stderr
    assert "1 of 3 inputs failed" in result.stderr
    assert sorted(p.name for p in outdir.iterdir()) == ["a.json", "b.json"]
    a = json.loads((outdir / "a.json").read_text())
    assert a["budget"] == 2.0 and a["cost"] <= 2.0  # the instance's budget and costs were used
    override = CliRunner().invoke(main, ["optimize", str(tiny_instances[0]), "-k", "1", "--json", "--rng", "1"])
    assert override.exit_code == 0 and json.loads(override.output)["k"] == 1  # -k overrides the budget


def test_readme_main_command_runs():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"pip install \. && (seeding [^\n]+)", readme).group(1)
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output + result.stderr
    assert "spread" in result.output


def test_bundled_instances_load():
    names = sorted(p.name for p in (ROOT / "instances").glob("*.toml"))
    assert len(names) >= 5
    for name in names:
        inst = load_instance(ROOT / "instances" / name)
        graph = inst.load_graph()
        assert graph.n > 10 and graph.p is not None
        if inst.costs is not None:
            assert seeding.costs.resolve_costs(graph, inst.costs, default_cost=inst.default_cost).min() > 0
    assert np.isfinite(graph.p).all()


# ----------------------------------------------------------------------------- labels (issue 14)
def test_bundled_labels_name_the_seeds():
    inst = load_instance(ROOT / "instances" / "florentine-families.toml")
    names = inst.names()
    assert names["1"] == "Medici" and inst.labels.endswith("florentine-families-labels.csv")
    result = CliRunner().invoke(main, ["optimize", str(ROOT / "instances" / "florentine-families.toml"), "-k", "2",
                                       "--rng", "1", "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.stdout)
    assert all(isinstance(s, int) for s in data["seeds"])  # ids stay ids
    assert data["seed_names"] == [names[str(s)] for s in data["seeds"]] and "Medici" in data["seed_names"]
    human = CliRunner().invoke(main, ["optimize", str(ROOT / "instances" / "florentine-families.toml"), "-k", "2",
                                      "--rng", "1"])
    seeds_line = next(line for line in human.output.splitlines() if line.startswith("seeds"))
    assert seeds_line.split(None, 1)[1] == ", ".join(data["seed_names"])
    for name in ("davis-southern-women", "les-miserables"):
        assert load_instance(ROOT / "instances" / f"{name}.toml").names()


def test_labels_option_on_graphs_spread_must_and_compare(tmp_path):
    graph = tmp_path / "g.txt"
    graph.write_text("1 2 1.0\n2 3 1.0\n4 5 1.0\n")
    labels = tmp_path / "names.csv"
    labels.write_text("node,name\n1,Ann Lee\n2,Bob\n3,Cy\n4,Dee\n")  # 5 has no name: shown as its id
    runner = CliRunner()
    spread = runner.invoke(main, ["spread", str(graph), "--labels", str(labels), "--seeds", "Ann Lee,4",
                                  "--rng", "1", "--simulations", "10"])
    assert spread.exit_code == 0, spread.output + spread.stderr
    assert "seeds      2: Ann Lee, Dee" in spread.output
    data = json.loads(runner.invoke(main, ["spread", str(graph), "--labels", str(labels), "--seeds", "Ann Lee",
                                           "--json", "--rng", "1", "--simulations", "10"]).stdout)
    assert data["seeds"] == [1] and data["seed_names"] == ["Ann Lee"] and data["spread"]["mean"] == 3.0
    plain = json.loads(runner.invoke(main, ["spread", str(graph), "--seeds", "1", "--json", "--rng", "1",
                                            "--simulations", "10"]).stdout)
    assert "seed_names" not in plain
    opt = runner.invoke(main, ["optimize", str(graph), "--labels", str(labels), "--costs", "uniform", "--budget", "2",
                               "--never", "Ann Lee", "--json", "--rng", "1", "--time-limit", "5"])
    assert opt.exit_code == 0, opt.output + opt.stderr
    data = json.loads(opt.stdout)
    assert 1 not in data["seeds"] and data["seed_names"] == [
        {1: "Ann Lee", 2: "Bob", 3: "Cy", 4: "Dee"}.get(s, str(s)) for s in data["seeds"]]
    out = tmp_path / "cmp"
    cmp = runner.invoke(main, ["compare", str(graph), "--labels", str(labels), "--methods", "degree", "-k", "1",
                               "--rng", "1", "--simulations", "50", "--output-dir", str(out)])
    assert cmp.exit_code == 0, cmp.output + cmp.stderr
    row = json.loads((out / "results.json").read_text())
    rows = row["rows"] if isinstance(row, dict) else row
    assert rows[0]["seed_names"] == ["Ann Lee"]
    assert "Ann Lee" in (out / "results.csv").read_text()


def test_read_names_errors(tmp_path):
    bad = tmp_path / "names.csv"
    bad.write_text("node,name\n1,Ann\n2\n")
    with pytest.raises(GraphFormatError, match=r"names.csv:3: expected 'label,name'; got '2'"):
        seeding.read_names(bad)
    bad.write_text("1,Ann\n1,Bob\n")
    with pytest.raises(GraphFormatError, match=r"names.csv:2: label '1' is named twice"):
        seeding.read_names(bad)
    bad.write_text("1,Ann\n2,Ann\n")
    with pytest.raises(GraphFormatError, match=r"names.csv:2: name 'Ann' is given to two labels \(also line 1\)"):
        seeding.read_names(bad)
    inst = tmp_path / "c.toml"
    (tmp_path / "g.txt").write_text("1 2\n")
    inst.write_text('graph = "g.txt"\nlabels = "missing.csv"\n')
    with pytest.raises(GraphFormatError, match="labels = 'missing.csv': no such file"):
        load_instance(inst)


def test_k_run_on_an_instance_with_quotas_honours_them():
    inst = load_instance(ROOT / "instances" / "campaign-5k.toml")  # quotas north=1:, west=1:
    k_run = dataclasses.replace(inst, budget=None, costs=None, k=6)
    result = run_instance(k_run, rng=1, time_limit=10, n_evaluation=20_000)
    assert result.k == 6 and result.details["k_run"].startswith("k = 6 seeds with groups, quotas")
    counts = result.details["group_counts"]
    assert counts["north"] >= 1 and counts["west"] >= 1 and sum(counts.values()) == 6
    with pytest.warns(seeding.SeedingWarning, match="cannot honour groups, quotas"):
        other = run_instance(dataclasses.replace(k_run, k=3), method="degree-discount", rng=1, n_evaluation=1000)
    assert other.k == 3
    ranked = run_instance(dataclasses.replace(k_run, k=3), method="degree", rng=1, n_evaluation=1000)
    assert ranked.details["group_counts"]["north"] >= 1 and ranked.k <= 3  # degree honours them, per cost


def test_compare_takes_the_constraint_options_of_optimize(tmp_path):
    groups = tmp_path / "groups.csv"
    groups.write_text("".join(f"{v},{'a' if v < 17 else 'b'}\n" for v in range(34)))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "compare", str(ROOT / "instances" / "karate-club.txt"), "--methods", "degree-discount,degree,mip", "-k", "2,3",
        "--budgets", "12", "--costs", "sqrt-degree:1,1", "--must", "5", "--never", "0", "--groups", str(groups),
        "--quota", "b=1:", "--eps", "0.1", "--simulations", "300", "--rng", "1", "--time-limit", "5",
        "--target-ratio", "0.9", "--max-memory", "1G",
        "--output-dir", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("degree-discount cannot honour must, groups, quotas") == 1  # once, not per k
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert all("cannot honour" in r["note"] for r in rows if r["method"] == "degree-discount")
    honoured = [r for r in rows if r["method"] in ("mip", "degree")]
    assert len(honoured) == 4  # mip under the budget; degree for each k and under the budget
    assert all(5 in r["seeds"] and 0 not in r["seeds"] and any(s >= 17 for s in r["seeds"]) for r in honoured)


# ----------------------------------------------------------------------------- option routing (issue 14)
def test_shared_options_are_routed_to_the_methods_that_take_them(tiny_instances):
    from seeding.algorithms.registry import route_options

    shared = {"n_simulations": 300, "eps": 0.2, "time_limit": 5.0, "default_cost": 2.0}
    assert route_options("celf", shared, strict=False) == {"n_simulations": 300}
    assert route_options("imm", shared, strict=False) == {"eps": 0.2}
    assert route_options("opim-c", shared, strict=False) == {"eps": 0.2, "time_limit": 5.0}
    assert route_options("cost-celf", shared, budgeted=True, strict=False) == {
        "eps": 0.2, "time_limit": 5.0, "default_cost": 2.0}
    assert route_options("cost-celf-mc", shared, budgeted=True, strict=False) == {
        "n_simulations": 300, "default_cost": 2.0}
    assert route_options("degree", shared, budgeted=True, strict=False) == {"default_cost": 2.0}
    with pytest.raises(seeding.OptionError, match="method 'imm' takes no option 'n_simulations'") as info:
        route_options("imm", shared)
    assert (info.value.method, info.value.parameter) == ("imm", "n_simulations")
    # run_instance routes the same way: strict by default, lenient for batches and comparisons
    inst = load_instance(tiny_instances[1])
    with pytest.raises(seeding.OptionError, match="takes no option 'time_limit'"):
        run_instance(inst, method="celf", rng=1, n_simulations=50, time_limit=5)
    with pytest.raises(seeding.OptionError, match="applies to budgeted runs") as info:
        run_instance(inst, method="degree", rng=1, default_cost=3)
    assert info.value.budget_only
    lenient = run_instance(inst, method="celf", rng=1, strict=False, n_simulations=50, time_limit=5, eps=0.3)
    assert lenient.params["n_simulations"] == 50
    # compare: one set of options for every method, and options for one method over them
    result = compare(tiny_instances, "celf,opim-c,cost-celf", rng=2, n_simulations=200,
                     options={"n_simulations": 40, "eps": 0.3, "time_limit": 5},
                     method_options={"cost-celf": {"min_samples": 2000}})
    assert {r["method"] for r in result.rows} == {"celf", "opim-c", "cost-celf"}
    with pytest.raises(seeding.OptionError, match="method 'degree' takes no option 'eps'"):
        compare(tiny_instances, "degree", method_options={"degree": {"eps": 0.1}})


def test_instance_overrides_live_in_the_api(tmp_path):
    from seeding.instance import Instance

    (tmp_path / "never.txt").write_text("3\n4  # two labels\n")
    inst = Instance(path=None, graph=tmp_path / "g.txt", k=3, costs="uniform", budget=2.0, quotas=("a=1:",))
    changed = inst.override(never=f"@{tmp_path / 'never.txt'}", must="1, 2", quotas=(), model="LT")
    assert changed.never == ("3", "4") and changed.must == ("1", "2") and changed.quotas == ("a=1:",)
    assert changed.model == "lt" and changed.budgeted
    k_run = inst.override(k=5)
    assert k_run.k == 5 and not k_run.budgeted and k_run.costs is None
    with pytest.raises(SeedingError, match="either k .* or costs and a budget"):
        inst.override(k=2, budget=3.0)
    with pytest.raises(SeedingError, match="no field 'bugdet'"):
        inst.override(bugdet=3.0)


def test_seeding_compare_stays_the_function_once_the_module_is_imported():
    import importlib

    assert callable(seeding.compare) and seeding.compare is compare  # this file imports seeding.compare's names
    assert importlib.import_module("seeding.compare").compare is compare
