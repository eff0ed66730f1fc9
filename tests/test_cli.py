from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from seeding import __version__
from seeding.cli import main


@pytest.fixture
def graph_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# tiny\n1 2 1.0\n2 3 1.0\n3 4 0.0\n")
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_help_and_version():
    assert run("--version").output.strip().endswith(__version__)
    result = run("-h")
    assert result.exit_code == 0 and "spread" in result.output


def test_distribution_name_license_and_install_lines():
    """The distribution is not the unrelated `seeding` of the package index; README installs from a checkout."""
    import re
    import sys
    from importlib.metadata import version
    from pathlib import Path

    import seeding

    root = Path(__file__).resolve().parents[1]
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["name"] == seeding.DISTRIBUTION == "seeding-im"
    assert project["scripts"] == {"seeding": "seeding.cli:main"}
    assert version(seeding.DISTRIBUTION) == __version__ != "0+unknown"
    license_text = (root / "LICENSE").read_text()
    assert project["license"] == "MIT" and "MIT License" in license_text and "seeding developers" in license_text
    readme = (root / "README.md").read_text()
    installs = re.findall(r"pip install[^`\n]*", readme)
    assert installs
    for line in installs:  # '.', '-e .', '.[dask]': never a name that would fetch the other project
        assert re.search(r"""(^|\s)['"]?\.(\[|['"]|\s|$)""", line.split("pip install", 1)[1] + " "), line
    assert not (root / "seeding" / "_kernels.pyx.orig").exists()


def test_spread_human_and_json(graph_file, tmp_path):
    result = run("spread", graph_file, "--seeds", "1", "--rng", 1, "--simulations", 100)
    assert result.exit_code == 0, result.output
    assert "3.00" in result.output
    out = tmp_path / "out.json"
    result = run("spread", graph_file, "--seeds", "1,2", "--json", "--rng", 1, "--output", out)
    data = json.loads(result.output)
    for key in ("spread", "seeds", "n_nodes", "n_arcs", "runtime_s", "rng"):
        assert key in data
    assert set(data["spread"]) == {"mean", "stderr", "ci95", "samples", "model", "estimator"}
    assert data["spread"]["mean"] == 3.0 and data["n_nodes"] == 4 and data["seeds"] == [1, 2]
    assert json.loads(out.read_text())["spread"]["mean"] == 3.0


def test_seeds_file_and_lt(graph_file, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("1\n")
    result = run("spread", graph_file, "--seeds-file", seeds, "--model", "lt", "--json", "--rng", 2)
    assert result.exit_code == 0 and json.loads(result.output)["spread"]["model"] == "lt"


def test_missing_probabilities_defaults_to_wc_with_a_note(tmp_path):
    path = tmp_path / "np.txt"
    path.write_text("1 2\n3 2\n")
    result = run("spread", path, "--seeds", "1", "--json", "--rng", 0, "--simulations", 64)
    assert result.exit_code == 0
    assert "weighted cascade" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spread", "{missing}", "--seeds", "1"], "missing.txt: no such file"),
        (["spread", "{bad}", "--seeds", "1"], "bad.txt:2: cannot read 'zz'"),
        (["spread", "{range}", "--seeds", "1"], "range.txt:1: arc value 2.0"),
        (["spread", "{graph}", "--seeds", "99"], "node '99' is not in the graph"),
        (["spread", "{graph}", "--seeds", "1", "--simulations", "0"], "--simulations must be a positive"),
        (["spread", "{graph}"], "exactly one of --seeds"),
        (["spread", "{graph}", "--seeds", "1", "--probability", "magic"], "probability setting"),
        (["spread", "{heavy}", "--seeds", "1", "--model", "lt"], "LT weights entering node 3 sum to 1.6"),
        (["spread", "{empty}", "--seeds", "1"], "empty.txt: no edges found"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path, graph_file, args, message):
    files = {
        "missing": tmp_path / "missing.txt",
        "bad": tmp_path / "bad.txt",
        "range": tmp_path / "range.txt",
        "graph": graph_file,
        "heavy": tmp_path / "heavy.txt",
        "empty": tmp_path / "empty.txt",
    }
    files["bad"].write_text("1 2 0.5\n2 3 zz\n")
    files["range"].write_text("1 2 2.0\n")
    files["heavy"].write_text("1 3 0.8\n2 3 0.8\n")
    files["empty"].write_text("# nothing\n")
    result = run(*[a.format(**files) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_failed_run_keeps_earlier_output(graph_file, tmp_path):
    out = tmp_path / "keep.json"
    assert run("spread", graph_file, "--seeds", "1", "--output", out, "--rng", 0).exit_code == 0
    before = out.read_text()
    assert run("spread", graph_file, "--seeds", "404", "--output", out).exit_code == 2
    assert out.read_text() == before


def test_real_graph(shared_data):
    result = run("spread", shared_data / "nethept-lt.txt", "--model", "lt", "--seeds", "0,1,2",
                 "--simulations", 2000, "--rng", 3, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["spread"]["mean"] > 3


def test_methods_lists_every_method():
    result = run("methods")
    assert result.exit_code == 0
    for name in ("opim-c", "imm", "celf", "celf++", "greedy", "degree", "degree-discount", "pagerank"):
        assert name in result.output


def test_optimize_json_and_seeds_out(tmp_path):
    graph = tmp_path / "g.txt"
    graph.write_text("1 2 1.0\n1 3 1.0\n4 5 1.0\n6 7 0.1\n")
    seeds_out = tmp_path / "seeds.txt"
    result = run("optimize", graph, "-k", 2, "--rng", 1, "--json", "--seeds-out", seeds_out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("seeds", "gains", "spread", "upper_bound", "method", "k", "runtime_s"):
        assert key in data
    assert data["seeds"] == [1, 4] and data["k"] == 2 and data["method"] == "opim-c"
    assert set(data["spread"]) >= {"mean", "ci95"}
    assert seeds_out.read_text() == "1\n4\n"
    human = run("optimize", graph, "-k", 1, "--method", "degree", "--rng", 1)
    assert human.exit_code == 0 and "seeds      1" in human.output
    data = json.loads(run("optimize", graph, "-k", 1, "--method", "degree", "--json").output)
    assert data["upper_bound"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "0"], "k must be an integer in [1, 4]; got 0"),
        (["-k", "9"], "got 9"),
        (["-k", "1", "--eps", "0"], "eps must be a number in (0, 1)"),
        (["-k", "1", "--method", "nope"], "unknown method 'nope'; choose one of"),
    ],
)
def test_optimize_bad_input(graph_file, args, message):
    result = run("optimize", graph_file, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_progress_bar_names_the_phase_and_clears(monkeypatch):
    import io
    import sys

    from seeding.cli import progress_printer

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    report = progress_printer("mip")
    for done in (0, 500, 1000):
        report(done, 1000, phase="sampling")
    report(0, 1, phase="bounding")
    report(1, 1, phase="bounding")
    text = term.getvalue()
    assert "mip (sampling)" in text and "1.00k" in text and "mip (bounding)" in text
    assert text.endswith("\r")  # the last bar cleared its line
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: no bar at all
    assert progress_printer("mip") is None


def test_reproducible_by_default(graph_file, tmp_path):
    """A run without --rng draws one, shows it and records it; re-running with it repeats the answer."""
    g = tmp_path / "p.txt"
    g.write_text("1 2 0.5\n1 3 0.5\n2 4 0.5\n3 5 0.5\n4 6 0.5\n5 6 0.5\n")
    first = json.loads(run("spread", g, "--seeds", "1", "--simulations", 200, "--json").stdout)
    assert isinstance(first["rng"], int) and first["rng"] >= 0
    again = json.loads(run("spread", g, "--seeds", "1", "--simulations", 200, "--json", "--rng", first["rng"]).stdout)
    assert (again["spread"], again["rng"]) == (first["spread"], first["rng"])
    text = run("spread", g, "--seeds", "1", "--simulations", 10).output
    assert re.search(r"^rng +\d+$", text, re.MULTILINE)
    opt = json.loads(run("optimize", g, "-k", 2, "--method", "celf", "--simulations", 200, "--json").stdout)
    repeat = json.loads(run("optimize", g, "-k", 2, "--method", "celf", "--simulations", 200, "--json",
                            "--rng", opt["rng"]).stdout)
    assert isinstance(opt["rng"], int)
    assert (repeat["seeds"], repeat["spread"], repeat["gains"]) == (opt["seeds"], opt["spread"], opt["gains"])
    human = run("optimize", g, "-k", 1, "--rng", 5).output
    assert re.search(r"^rng +5$", human, re.MULTILINE)
    out1, out2 = tmp_path / "c1", tmp_path / "c2"
    cmp = run("compare", g, "--methods", "degree,celf", "-k", 1, "--simulations", 100, "--output-dir", out1)
    assert cmp.exit_code == 0 and re.search(r"runs \(rng \d+\)", cmp.output)
    drawn = json.loads((out1 / "results.json").read_text())
    assert isinstance(drawn["rng"], int)
    run("compare", g, "--methods", "degree,celf", "-k", 1, "--simulations", 100, "--output-dir", out2,
        "--rng", drawn["rng"])
    redo = json.loads((out2 / "results.json").read_text())

    def answers(data):
        return [(r["method"], r["seeds"], r["spread"], r["eval_rng"]) for r in data["rows"]]

    assert answers(redo) == answers(drawn) and redo["rng"] == drawn["rng"]


def test_generate_without_rng_shows_one_that_repeats_the_graph(tmp_path):
    first = run("generate", "rmat", tmp_path / "a.txt", "--scale", 6, "--edge-factor", 2)
    drawn = re.search(r"\(rng (\d+)\)", first.output)
    assert first.exit_code == 0 and drawn
    run("generate", "rmat", tmp_path / "b.txt", "--scale", 6, "--edge-factor", 2, "--rng", drawn.group(1))
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


def test_workers_with_a_budgeted_run_is_a_clear_error():
    pytest.importorskip("distributed")
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(main, ["optimize", str(root / "instances" / "karate-club.toml"), "--workers", "1",
                                       "--rng", "1"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --scheduler/--workers apply to k-runs of opim-c and imm, not to mip")


@pytest.mark.parametrize(("args", "message"), [
    (["--simulations", "100"], "error: --simulations does not apply to method opim-c"),
    (["--method", "degree", "--eps", "0.1"], "error: --eps does not apply to method degree"),
    (["--method", "celf", "--time-limit", "3"], "error: --time-limit does not apply to method celf"),
    (["--default-cost", "3"], "error: --default-cost applies to budgeted runs (--costs and --budget)"),
])
def test_cli_errors_name_options_not_api_parameters(args, message):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(main, ["optimize", str(root / "instances" / "karate-club.txt"), "-k", "2", *args])
    assert result.exit_code == 2 and result.stderr.strip().splitlines()[-1] == message


def test_text_output_lists_gains_and_budget_details():
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(main, ["optimize", str(root / "instances" / "campaign-5k.toml"), "--rng", "1",
                                       "--time-limit", "10"])
    assert result.exit_code == 0, result.stderr
    lines = {line[:10].strip(): line[11:] for line in result.output.splitlines() if line[:10].strip()}
    k = int(lines["method"].rsplit("k = ", 1)[1])
    assert lines["seeds"].endswith(f"... ({k} in all)") and lines["gains"].endswith(f"... ({k} in all)")
    assert "per seed" in result.output
    counts = dict(part.split() for part in lines["groups"].split(", "))
    assert sum(int(c) for c in counts.values()) == k and int(counts["north"]) >= 1 and int(counts["west"]) >= 1


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "celf", "--simulations", "0"], "error: --simulations must be a positive integer; got 0"),
    (["--eps", "2"], "error: --eps must be a number in (0, 1); got 2.0"),
    (["--max-memory", "2X"], "error: --max-memory must be a size such as 2G or 512M; got '2X'"),
    (["--delimiter", "ab"], "error: --delimiter must be one character (such as ',', ';', '|') or tab, comma, space; "
                            "got 'ab'"),
])
def test_cli_validation_errors_name_options(args, message):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(main, ["optimize", str(root / "instances" / "karate-club.txt"), "-k", "2", *args])
    assert result.exit_code == 2 and result.stderr.strip().splitlines()[-1] == message
    compared = CliRunner().invoke(main, ["compare", str(root / "instances" / "karate-club.txt"), "--methods", "celf",
                                         "-k", "2", "--simulations", "0"])
    assert compared.exit_code == 2
    assert compared.stderr.strip().endswith("--simulations must be a positive integer; got 0")
