from __future__ import annotations

import bz2
import gzip
import json
import re
import tracemalloc

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seeding import GraphFormatError, SeedingError, io, read_graph, read_labels
from seeding.io import write_json


def write(tmp_path, name, text, opener=open):
    path = tmp_path / name
    with opener(path, "wt") as fh:
        fh.write(text)
    return path


def test_snap_comments_tabs_crlf_and_compression(tmp_path):
    text = "# Directed graph\r\n% other comment\r\n1\t2\r\n2\t3\r\n\r\n3\t1\r\n"
    for name, opener in [("a.txt", open), ("a.txt.gz", gzip.open), ("a.txt.bz2", bz2.open)]:
        g = read_graph(write(tmp_path, name, text, opener))
        assert (g.n, g.m, g.p) == (3, 3, None)


def test_commas_probabilities_and_undirected(tmp_path):
    g = read_graph(write(tmp_path, "g.csv", "1,2,0.5\n2,3,0.25\n"), undirected=True)
    assert g.m == 4 and sorted(g.p.tolist()) == [0.25, 0.25, 0.5, 0.5]


def test_header_line_n_m_detected(tmp_path):
    g = read_graph(write(tmp_path, "imm.txt", "4 3\n0 1 0.5\n1 2 0.5\n2 3 0.5\n"))
    assert (g.n, g.m) == (4, 3)
    g = read_graph(write(tmp_path, "imm2.txt", "4 3\n0 1\n1 2\n2 3\n"))
    assert (g.n, g.m) == (4, 3)
    g = read_graph(write(tmp_path, "plain.txt", "7 2\n2 3\n"))  # not a header: 2 != 1 line
    assert (g.n, g.m) == (3, 2)


def test_self_loops_reported(tmp_path):
    g = read_graph(write(tmp_path, "loops.txt", "1 1\n1 2\n2 2\n"))
    assert g.info["self_loops"] == 2 and g.m == 1


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("1 2 0.5\n2 3 x\n", r"bad.txt:2: cannot read 'x'"),
        ("1 2 0.5\n2 3 1.5\n", r"bad.txt:2: arc value 1.5 is not a number in \[0, 1\]"),
        ("1 2 0.5\n2 3 nan\n", r"bad.txt:2: arc value nan"),
        ("1 2 0.5\n2 3 -0.1\n", r"bad.txt:2: arc value -0.1"),
        ("# c\n1 2\n2 3 4\n", r"bad.txt:3: expected 2 columns like line 2; got 3"),
        ("1\n", r"bad.txt:1: expected 2 or 3 columns"),
        ("1.5 2\n", r"bad.txt:1: node ids must be integers"),
        ("# only comments\n", r"bad.txt: no edges found"),
        ("", r"bad.txt: no edges found"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, text, pattern):
    with pytest.raises(GraphFormatError, match=pattern):
        read_graph(write(tmp_path, "bad.txt", text))


def test_missing_file_and_bad_gzip(tmp_path):
    with pytest.raises(GraphFormatError, match="nope.txt: no such file"):
        read_graph(tmp_path / "nope.txt")
    bad = tmp_path / "x.gz"
    bad.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(GraphFormatError, match="cannot decompress"):
        read_graph(bad)


def test_graphml_and_gml(tmp_path):
    G = nx.DiGraph()
    G.add_edge("a", "b", p=0.3)
    G.add_edge("b", "c", p=0.6)
    nx.write_graphml(G, tmp_path / "g.graphml")
    nx.write_gml(G, tmp_path / "g.gml")
    for name in ("g.graphml", "g.gml"):
        g = read_graph(tmp_path / name)
        assert g.labels.tolist() == ["a", "b", "c"] and g.p.tolist() == [0.3, 0.6]
    (tmp_path / "broken.graphml").write_text("<graphml><oops")
    with pytest.raises(GraphFormatError, match="broken.graphml"):
        read_graph(tmp_path / "broken.graphml")


def test_an_edge_attribute_of_a_graphml_or_gml_file_as_the_probability(tmp_path):
    """`--probability attr:weight` on .graphml/.gml files; bad attributes name the file, the edge and the value."""
    from click.testing import CliRunner

    from seeding.cli import main

    G = nx.DiGraph()
    G.add_edge("ann", "bob", weight=0.5, p=0.1)
    G.add_edge("bob", "cid", weight=0.25, p=0.1)
    G.add_edge("ann", "cid", weight=1.0, p=0.1)
    for name in ("g.graphml", "g.gml"):
        (nx.write_graphml if name.endswith("graphml") else nx.write_gml)(G, tmp_path / name)
        g = read_graph(tmp_path / name, probability="attr:weight")
        assert {(a, b): d["p"] for a, b, d in g.to_networkx().edges(data=True)} == {
            ("ann", "bob"): 0.5, ("ann", "cid"): 1.0, ("bob", "cid"): 0.25}
        assert g.lt_weights is None  # LT takes the same values
        assert read_graph(tmp_path / name).p.tolist() == [0.1, 0.1, 0.1]  # p stays the given value
        result = CliRunner().invoke(main, ["spread", str(tmp_path / name), "--seeds", "bob", "--probability",
                                           "attr:weight", "--simulations", "2000", "--rng", "1", "--json"])
        assert result.exit_code == 0, result.stderr
        assert abs(json.loads(result.stdout)["spread"]["mean"] - 1.25) < 0.05
    cases = {
        "missing": (None, r"missing.graphml: edge \('bob', 'cid'\) has no 'weight' attribute while others do"),
        "text": ("heavy", r"text.graphml: edge \('bob', 'cid'\) has weight = 'heavy', not a number"),
        "range": (1.5, r"range.graphml: edge \('bob', 'cid'\) has weight = 1.5, not a probability in \[0, 1\]"),
        "negative": (-0.5, r"negative.gml: edge \('bob', 'cid'\) has weight = -0.5, not a probability"),
    }
    for stem, (value, message) in cases.items():
        H = G.copy()
        if value is None:
            del H["bob"]["cid"]["weight"]
        else:
            H["bob"]["cid"]["weight"] = value
        path = tmp_path / (f"{stem}.gml" if stem == "negative" else f"{stem}.graphml")
        (nx.write_gml if path.suffix == ".gml" else nx.write_graphml)(H, path)
        with pytest.raises(GraphFormatError, match=message):
            read_graph(path, probability="attr:weight")
        result = CliRunner().invoke(main, ["optimize", str(path), "-k", "1", "--probability", "attr:weight"])
        assert result.exit_code == 2 and re.search(message, result.stderr.strip().splitlines()[-1])
    with pytest.raises(GraphFormatError, match=r"g.graphml: probability 'attr:wieght': no edge has a 'wieght' "
                       r"attribute \(edge attributes: p, weight\)"):
        read_graph(tmp_path / "g.graphml", probability="attr:wieght")
    edges = write(tmp_path, "e.txt", "ann bob 0.5\n")
    with pytest.raises(GraphFormatError, match=r"e.txt: probability 'attr:weight' reads an edge attribute of a "
                       r"GraphML/GML file .* chosen by columns \(--columns from,to,weight\)"):
        read_graph(edges, probability="attr:weight")
    # an instance file names the setting too
    (tmp_path / "c.toml").write_text('graph = "g.graphml"\nprobability = "attr:weight"\nk = 1\n')
    from seeding import load_instance

    assert sorted(load_instance(tmp_path / "c.toml").load_graph().p.tolist()) == [0.25, 0.5, 1.0]


def test_probability_setting_on_read(tmp_path):
    g = read_graph(write(tmp_path, "g.txt", "1 2\n3 2\n"), probability="wc")
    assert g.p.tolist() == [0.5, 0.5]


def test_read_labels(tmp_path):
    assert read_labels(write(tmp_path, "s.txt", "# seeds\n3, 17\n42\n")) == ["3", "17", "42"]
    with pytest.raises(GraphFormatError, match="no node labels"):
        read_labels(write(tmp_path, "e.txt", "# none\n"))


def test_write_json_is_atomic(tmp_path):
    out = tmp_path / "r.json"
    write_json(out, {"a": 1, "b": float("nan")})
    assert out.read_text() == '{\n  "a": 1,\n  "b": null\n}\n'
    with pytest.raises(TypeError):
        write_json(out, {"a": object()})
    assert out.read_text().startswith('{\n  "a": 1')
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_epinions_loads(shared_data):
    g = read_graph(shared_data / "soc-Epinions1.txt.gz")  # speed: benchmarks/bench_scale.py
    assert (g.n, g.m) == (75_879, 508_837)
    assert g.labels.max() == 75_887


def test_email_self_loops(shared_data):
    g = read_graph(shared_data / "email-Eu-core.txt")
    assert g.info["self_loops"] == 642 and g.n == 1005


def test_header_taken_only_when_consistent_with_the_file(tmp_path):
    # "4 2" has m = 2 lines below it, but 4 is neither the node count (3) nor the largest id
    # (2): it may be an arc 4 -> 2, so the reader asks instead of dropping it silently.
    path = write(tmp_path, "ambiguous.txt", "4 2\n0 1\n1 2\n")
    with pytest.raises(GraphFormatError, match=r"ambiguous.txt:1: '4 2' may be an 'n m' header .* --header nm"):
        read_graph(path)
    g = read_graph(path, header="none")
    assert g.m == 3 and 4 in g.labels.tolist()
    g = read_graph(path, header="nm")
    assert g.m == 2 and g.info["header"] == {"n": 4, "m": 2, "line": 1}
    # consistent headers are read as headers, and the graph says so
    for text in ("3 2\n0 1\n1 2\n", "3 2\n1 2\n2 3\n", "# c\n3 2\n5 6\n6 7\n"):
        g = read_graph(write(tmp_path, "h.txt", text))
        assert g.m == 2 and g.info["header"]["n"] == 3
    # a first arc that cannot be a header stays an arc
    g = read_graph(write(tmp_path, "arc.txt", "2 5\n0 1\n1 2\n"))
    assert g.m == 3 and "header" not in g.info
    with pytest.raises(GraphFormatError, match="not two counts"):
        read_graph(write(tmp_path, "bad.txt", "0 1 0.5\n1 2 0.5\n"), header="nm")
    with pytest.raises(SeedingError, match="header must be one of"):
        read_graph(path, header="yes")


def test_cli_header_option_and_note(tmp_path):
    from click.testing import CliRunner

    from seeding.cli import main

    path = write(tmp_path, "g.txt", "4 2\n0 1\n1 2\n")
    runner = CliRunner()
    bad = runner.invoke(main, ["spread", str(path), "--seeds", "0"])
    assert bad.exit_code == 2 and "--header nm or --header none" in bad.stderr
    ok = runner.invoke(main, ["spread", str(path), "--seeds", "4", "--header", "none", "--json", "--rng", "1"])
    assert ok.exit_code == 0, ok.stderr
    assert '"n_arcs": 3' in ok.output
    path = write(tmp_path, "h.txt", "3 2\n0 1 1.0\n1 2 1.0\n")
    noted = runner.invoke(main, ["optimize", str(path), "-k", "1", "--rng", "1"])
    assert noted.exit_code == 0, noted.stderr
    assert "read '3 2' as an 'n m' header" in noted.stderr


# ----------------------------------------------------------------------------- inputs people have (issue 14)
@pytest.mark.parametrize(
    ("text", "labels", "p", "columns"),
    [
        ("source,target,p\nalice,bob,0.5\nbob,carol,0.25\n", ["alice", "bob", "carol"], [0.5, 0.25],
         ["source", "target", "p"]),
        ("from to weight\n1 2 0.5\n2 3 0.25\n", [1, 2, 3], [0.5, 0.25], ["from", "to", "weight"]),
        ("# comment\nsrc\tdst\n10\t20\n", [10, 20], None, ["src", "dst"]),
        ("alice bob\nbob carol\n", ["alice", "bob", "carol"], None, None),  # string ids, no header
        ("alice,bob,0.5\nbob,carol,0.25\n", ["alice", "bob", "carol"], [0.5, 0.25], None),
    ],
)
def test_string_ids_and_header_of_column_names(tmp_path, text, labels, p, columns):
    g = read_graph(write(tmp_path, "g.csv", text))
    assert g.labels.tolist() == labels
    assert (None if g.p is None else g.p.tolist()) == p
    assert g.info.get("columns") == columns


def test_columns_by_name_or_position_and_delimiter(tmp_path):
    path = write(tmp_path, "g.csv", "id;a;b;w\n7;ann lee;bob;0.5\n8;bob;cy;0.25\n")
    g = read_graph(path, delimiter=";", columns="a,b,w")
    assert g.labels.tolist() == ["ann lee", "bob", "cy"] and g.p.tolist() == [0.5, 0.25]
    assert read_graph(path, delimiter=";", columns=("a", "b")).p is None
    assert read_graph(path, delimiter="semicolon", columns=[1, 2, 3], header="names").p.tolist() == [0.5, 0.25]
    g = read_graph(write(tmp_path, "wide.txt", "1 2 9 0.5\n2 3 9 0.25\n"), columns="0,1,3")
    assert g.labels.tolist() == [1, 2, 3] and g.p.tolist() == [0.5, 0.25]
    g = read_graph(write(tmp_path, "rev.tsv", "2\t1\n3\t2\n4\t3\n"), columns=[1, 0], delimiter="tab")
    assert g.label_of(g.sources) == [1, 2, 3] and g.label_of(g.indices) == [2, 3, 4]


@pytest.mark.parametrize(
    ("text", "options", "pattern"),
    [
        ("s,t,p\na,b,x\n", {}, r"bad.csv:2: cannot read 'x' as a number"),
        ("s,t,p\na,b,2\n", {}, r"bad.csv:2: arc value 2.0 is not a number in \[0, 1\]: 'a,b,2'"),
        ("s,t\na,b\n", {"columns": "s,q"}, r"bad.csv:1: no column 'q'; the header line names s, t"),
        ("s t\na b c\n", {}, r"bad.csv:2: expected 2 columns like the header line; got 3"),
        ("a b c d\nx y z w\n", {}, r"bad.csv:1: expected 2 or 3 columns .* --columns"),
        ("1 2\n2 3\n", {"columns": "s,t"}, r"bad.csv:1: column 's' is a name, but the file has no header"),
        ("1 2\n2 3\n", {"columns": "0,5"}, r"bad.csv:1: column position 5 is past the last column"),
        ("s t\n1 2 3\n", {}, r"bad.csv:2: expected 2 columns like the header line; got 3"),
        ("s,t,p\n1,2,0.5\n2,3,2\n", {}, r"bad.csv:3: arc value 2.0 is not a number in \[0, 1\]: '2,3,2'"),
        ("s,t\n1,2\n", {"columns": "s,x"}, r"bad.csv:1: no column 'x'; the header line names s, t"),
        ("s t\n1 2\n", {"columns": "0,2"}, r"bad.csv:1: column position 2 is past the last column"),
    ],
)
def test_general_reader_errors_name_file_line_and_value(tmp_path, text, options, pattern):
    with pytest.raises(GraphFormatError, match=pattern):
        read_graph(write(tmp_path, "bad.csv", text), **options)


@pytest.mark.parametrize(
    ("options", "pattern"),
    [({"columns": "a"}, "columns must name 2 or 3"), ({"columns": "a,a"}, "2 or 3 distinct"),
     ({"columns": [0, -1]}, "positions from 0"), ({"delimiter": "ab"}, "delimiter must be one character"),
     ({"header": "maybe"}, "header must be one of auto, nm, names, none")],
)
def test_bad_reader_options(tmp_path, options, pattern):
    with pytest.raises(SeedingError, match=pattern):
        read_graph(write(tmp_path, "g.txt", "1 2\n"), **options)


def test_integer_files_stay_on_the_compiled_path(tmp_path, monkeypatch):
    import seeding.io as io

    def refuse(*args, **kwargs):
        raise AssertionError("the general reader was used for an integer edge list")

    monkeypatch.setattr(io, "_read_general", refuse)
    for text in ("# SNAP\n1\t2\n2\t3\n", "1,2,0.5\n2,3,0.25\n", "3 2\n0 1\n1 2\n",
                 "# header of names, integer ids below\nsource,target,p\n1,2,0.5\n2,3,0.25\n"):
        assert read_graph(write(tmp_path, "snap.txt", text)).m == 2
    assert read_graph(write(tmp_path, "snap.txt", "1\t2\n"), delimiter="tab").m == 1
    g = read_graph(write(tmp_path, "snap.txt", "from to w\n1 2 0.5\n2 3 0.25\n"), columns="to,from")
    assert g.info["columns"] == ["to", "from"] and g.p is None and g.label_of(g.sources) == [2, 3]
    g = read_graph(write(tmp_path, "snap.txt", "1 2 9\n2 3 9\n4 5 9\n"), columns=[0, 1])
    assert g.m == 3 and g.p is None


def test_instance_and_cli_reader_options(tmp_path):
    from click.testing import CliRunner

    from seeding import load_instance
    from seeding.cli import main

    write(tmp_path, "g.csv", "id;a;b\n1;ann;bob\n2;bob;cy\n3;cy;dee\n")
    write(tmp_path, "c.toml",
          'graph = "g.csv"\ncolumns = ["a", "b"]\ndelimiter = ";"\nk = 1\nprobability = "uniform:1"\n')
    inst = load_instance(tmp_path / "c.toml")
    assert inst.columns == ("a", "b") and inst.delimiter == ";"
    assert inst.load_graph().labels.tolist() == ["ann", "bob", "cy", "dee"]
    write(tmp_path, "bad.toml", 'graph = "g.csv"\ncolumns = "a"\n')
    with pytest.raises(GraphFormatError, match="bad.toml: columns must name 2 or 3"):
        load_instance(tmp_path / "bad.toml")
    runner = CliRunner()
    result = runner.invoke(main, ["optimize", str(tmp_path / "c.toml"), "--json", "--rng", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["seeds"] == ["ann"]
    spread = runner.invoke(main, ["spread", str(tmp_path / "g.csv"), "--columns", "a,b", "--delimiter", ";",
                                  "--seeds", "ann", "--probability", "uniform:1", "--json", "--rng", "1"])
    assert spread.exit_code == 0, spread.output
    assert json.loads(spread.stdout)["spread"]["mean"] == 4.0
    named = runner.invoke(main, ["spread", str(write(tmp_path, "n.csv", "from,to\nann,bob\n")), "--seeds", "ann",
                                 "--json", "--rng", "1", "--simulations", "10"])
    assert named.exit_code == 0 and "read the first line as column names from, to" in named.stderr
    bad = runner.invoke(main, ["spread", str(tmp_path / "g.csv"), "--columns", "a,q", "--delimiter", ";",
                               "--seeds", "ann"])
    assert bad.exit_code == 2 and "g.csv:1: no column 'q'; the header line names id, a, b" in bad.stderr


# ----------------------------------------------------------------------------- streaming (issues 11 and 13)
def mostly(common, rare, percent: int = 93):
    """``common`` in about ``percent`` out of 100 draws, else ``rare``."""
    return st.integers(0, 99).flatmap(lambda r: common if r < percent else rare)


IDS = mostly(st.integers(0, 12).map(str), st.sampled_from(
    ["-3", "1.0", "2.5", "1e1", "0x3", "nan", "inf", "x", "3000000000", "9007199254740993", "007", "+4"]))
VALUES = mostly(st.sampled_from(["0.5", "0.25", "1", "0", "1e-3", ".5", "0.1234567890123456789"]),
                st.sampled_from(["1.5", "-0.1", "nan", "p"]))


@st.composite
def edge_texts(draw):
    """Edge-list text as real files come: comments, blank lines, CRLF, a header, values, and some junk."""
    width = draw(mostly(st.sampled_from([2, 3]), st.sampled_from([1, 4])))
    sep = draw(st.sampled_from([" ", "\t", ",", ", ", "  "]))
    lines = draw(st.lists(st.sampled_from(["# comment", "% other", "", "   ", "\t# indented"]), max_size=2))
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["source,target,p", "from to", "4 3", "5 6", "13 9", "a b"])))
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 29))
        if kind == 0:
            lines.append(draw(st.sampled_from(["", " ", "# c", "%"])))
            continue
        w = width if kind > 1 else draw(st.integers(1, 4))
        tokens = [draw(IDS), draw(IDS), draw(VALUES), draw(IDS)][:w]
        lines.append(sep.join(tokens))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(lines) + (end if draw(st.booleans()) else "")


def outcome(path, **options):
    """Everything a read gives: the graph's arrays and info, or the error's message."""
    try:
        g, _ = io._read_edge_list(path, **options)
    except SeedingError as exc:
        return str(exc)
    return (g.indptr.tolist(), g.indices.tolist(), None if g.p is None else g.p.tobytes(), g.labels.tolist(),
            str(g.labels.dtype), None if g.lt_weights is None else g.lt_weights.tobytes(), dict(g.info))


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=edge_texts(), compress=st.booleans(), chunk=st.integers(1, 48), segment=st.integers(1, 5),
       threads=st.integers(1, 3), piece=st.integers(1, 16),
       options=st.sampled_from([{}, {"header": "none"}, {"header": "nm"}, {"undirected": True}, {"columns": "1,0"},
                                {"columns": "0,1"}, {"columns": "2,0,1"}]))
def test_chunked_parse_matches_one_shot(tmp_path, text, compress, chunk, segment, threads, piece, options):
    # Chunks cut anywhere (mid-number, mid-CRLF, inside comments), segments of a few rows and
    # several threads give the same graph, or the same error on the same line, as one piece.
    path = tmp_path / ("g.txt.gz" if compress else "g.txt")
    with (gzip.open if compress else open)(path, "wb") as fh:
        fh.write(text.encode())
    whole = outcome(path, **options, chunk_bytes=1 << 20, segment_rows=1 << 20, n_threads=1)
    assert outcome(path, **options, chunk_bytes=chunk, segment_rows=segment, n_threads=threads,
                   min_piece=piece) == whole


def test_large_ids_negative_ids_and_sparse_ids(tmp_path):
    text = "3000000000 -5\n-5 7\n7 3000000000 \n"  # past int32, and negative: read as int64
    g = read_graph(write(tmp_path, "wide.txt", text))
    assert g.labels.tolist() == [-5, 7, 3_000_000_000] and g.label_of(g.sources) == [-5, 7, 3_000_000_000]
    g = read_graph(write(tmp_path, "sparse.txt", "1 1000000000\n1000000000 5\n"))  # no table of the id range
    assert g.labels.tolist() == [1, 5, 1_000_000_000] and g.m == 2
    with pytest.raises(GraphFormatError, match=r"wide.txt:2: node ids must be below 2\*\*53"):
        read_graph(write(tmp_path, "wide.txt", "1 2\n9007199254740993 1\n"))


def test_gzip_input_is_streamed_in_bounded_chunks(tmp_path, monkeypatch):
    # 8 MiB of text, mostly comments, with an arc every 1000 lines: read 64 KiB at a time,
    # never whole (the old reader held the decompressed text, then a table of it)
    block = b"".join(b"# %06d padding padding padding padding padding padding\n" % i for i in range(999))
    text = b"".join(block + b"%d %d\n" % (i, i + 1) for i in range(150))
    path = tmp_path / "big.txt.gz"
    path.write_bytes(gzip.compress(text, compresslevel=1))
    asked = []
    readinto = io._Source.readinto

    def spy(self, view):
        asked.append(len(view))
        return readinto(self, view)

    monkeypatch.setattr(io._Source, "readinto", spy)
    tracemalloc.start()
    try:
        g, digest = io._read_edge_list(path, chunk_bytes=1 << 16, digest=io.hashlib.blake2b(digest_size=32))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(text) > 8 << 20 and (g.n, g.m) == (151, 150)
    assert max(asked) <= 1 << 16 and sum(asked) >= len(text)
    assert peak < 2 << 20  # Python's allocations (text buffers, decompressor, hashing) stay far below the text
    assert digest == io.source_digest(path)  # the cache key, hashed on the way


def test_compressed_source_is_cached_by_its_streamed_hash(tmp_path):
    path = tmp_path / "g.txt.xz"
    with io.lzma.open(path, "wt") as fh:
        fh.write("# c\n1 2 0.5\n2 3 0.25\n")
    first = read_graph(path, cache=True)
    again = read_graph(path, cache=True)
    assert "cache" not in first.info and again.info["cache"] == str(io.cache_path(path, False))
    assert np.array_equal(first.p, again.p) and again.labels.tolist() == [1, 2, 3]
