"""Issue 11: damaged caches, interrupted runs, hostile inputs and silent overwrites."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from seeding.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_red_line(result, message):
    """Exit status 2, one line on stderr that contains ``message``, no traceback."""
    assert result.exit_code == 2, (result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.fixture
def graph_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("1 2 0.5\n2 3 0.5\n3 4 0.5\n1 4 0.2\n")
    return path


# ------------------------------------------------------------------ 1. --default-cost
def test_optimize_default_cost_fills_unlisted_nodes(graph_file, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("1,3\n2,1\n")  # nodes 3 and 4 are not listed
    base = ["optimize", graph_file, "--costs", costs, "--budget", 2, "--rng", 1, "--json"]
    missing = run(*base)
    one_red_line(missing, "--default-cost")
    result = run(*base, "--default-cost", 1, "--method", "cost-celf")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cost"] <= 2 and 1 not in data["seeds"]
