"""The JSON outputs against the schema that documents them (seeding/schemas/result.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from seeding.cli import main

jsonschema = pytest.importorskip("jsonschema")
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "seeding" / "schemas" / "result.schema.json").read_text())


def validate(data):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(data, SCHEMA)


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result


def test_spread_and_optimize_outputs_follow_the_schema():
    karate = ROOT / "instances" / "karate-club.txt"
    spread = json.loads(invoke("spread", karate, "--seeds", "0,33", "--json", "--rng", 1).stdout)
    validate(spread)
    assert set(spread["timings_s"]) == {"read", "evaluate", "total"}
    assert spread["runtime_s"] == pytest.approx(spread["timings_s"]["evaluate"])
    for args in ([karate, "-k", 3], [karate, "-k", 2, "--method", "degree"], [ROOT / "instances" / "karate-club.toml"]):
        data = json.loads(invoke("optimize", *args, "--json", "--rng", 1).stdout)
        validate(data)
        assert data["spread"].keys() == spread["spread"].keys()  # one shape for every estimate
        assert set(data["timings_s"]) == {"read", "choose", "evaluate", "total"}
        assert data["runtime_s"] == data["timings_s"]["choose"]  # one runtime key, one meaning
        assert not [key for key in data if key.endswith("_s") and key not in ("runtime_s", "timings_s")]
        phases = data["timings_s"]
        assert abs(phases["read"] + phases["choose"] + phases["evaluate"] - phases["total"]) < 1e-6


def test_compare_results_follow_the_schema(tmp_path):
    invoke("compare", ROOT / "instances" / "karate-club.toml", "--methods", "degree,opim-c,cost-celf", "-k", "2",
           "--budgets", "10", "--simulations", 500, "--rng", 1, "--time-limit", 5, "--output-dir", tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    validate(data)
    spread = json.loads(invoke("spread", ROOT / "instances" / "karate-club.txt", "--seeds", "0", "--json").stdout)
    for row in data["rows"]:
        assert row["spread"].keys() == spread["spread"].keys()  # compare rows too
        assert set(row["timings_s"]) == {"choose", "evaluate", "total"}
        assert row["runtime_s"] == row["timings_s"]["choose"]
    from seeding import compare

    validate(compare([ROOT / "instances" / "karate-club.toml"], "degree", n_simulations=100, rng=1).to_dict())


def test_the_schema_rejects_what_it_should():
    spread = {"mean": 1.0, "stderr": 0.1, "ci95": [0.9, 1.1], "samples": 10, "model": "ic", "estimator": "mc"}
    good = {"graph": "g", "n_nodes": 3, "n_arcs": 1, "seeds": [1], "rng": 1, "spread": spread,
            "runtime_s": 0.2, "timings_s": {"read": 0.1, "evaluate": 0.2, "total": 0.3}}
    validate(good)
    bad = [
        {**good, "spread": {**spread, "n_simulations": 10}},  # the old key
        {**good, "runtime_s": {"total": 0.3}},  # the phases live under timings_s
        {**good, "total_runtime_s": 0.3},  # the old second key
        {**good, "timings_s": {"read": 0.1, "evaluate": 0.2, "total": 0.3, "solve": 1.0}},
        {"rows": [{"instance": "g", "method": "degree", "spread": 1.0}], "notes": [], "rng": 1},  # a flat row
    ]
    for data in bad:
        with pytest.raises(jsonschema.ValidationError):
            validate(data)
