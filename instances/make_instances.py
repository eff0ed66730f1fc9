"""Write the bundled instances: networkx's small real social networks and synthetic campaigns.

Run from anywhere: ``python instances/make_instances.py``. The output is
deterministic (fixed seeds); re-running rewrites identical files.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import networkx as nx
import numpy as np

HERE = Path(__file__).resolve().parent


def write_edges(D: nx.DiGraph, path: Path, title: str) -> dict:
    """Write arcs as ``u v`` lines with integer ids; return the id of every node."""
    index = {node: i for i, node in enumerate(D.nodes)}
    lines = [f"# {title}", f"# {D.number_of_nodes()} nodes, {D.number_of_edges()} arcs; u v"]
    lines += [f"{index[u]} {index[v]}" for u, v in sorted(D.edges, key=lambda e: (index[e[0]], index[e[1]]))]
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh:
            fh.write(text.encode())  # no name or time in the header: reproducible bytes
    else:
        path.write_text(text)
    return index


def write_toml(path: Path, **fields) -> None:
    lines = []
    for key, value in fields.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]")
        else:
            lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")


def small_networks() -> None:
    """Karate club, Florentine families, Davis southern women, Les Misérables: undirected, weighted cascade."""
    cases = [
        ("karate-club", nx.karate_club_graph(), "Zachary's karate club (34 members)", 3, 10.0),
        ("florentine-families", nx.florentine_families_graph(), "Florentine families, marriage ties", 2, 6.0),
        ("davis-southern-women", nx.davis_southern_women_graph(),
         "Davis southern women: 18 women and the 14 events they attended", 3, 9.0),
        ("les-miserables", nx.les_miserables_graph(), "Les Miserables character co-appearances", 4, 12.0),
    ]
    for name, G, title, k, budget in cases:
        D = G.to_directed()
        index = write_edges(D, HERE / f"{name}.txt", f"{title} (networkx); both directions of every edge")
        labels = HERE / f"{name}-labels.csv"
        labels.write_text("node,name\n" + "".join(f"{i},{str(v).replace(',', ' ')}\n" for v, i in index.items()))
        named = any(str(v) != str(i) for v, i in index.items())  # karate club: names are the ids
        write_toml(
            HERE / f"{name}.toml",
            description=f"{title}; weighted cascade, costs 1 + sqrt(degree)",
            graph=f"{name}.txt", probability="wc", model="ic", k=k,
            costs="sqrt-degree:1,1", budget=budget,
            **({"labels": f"{name}-labels.csv"} if named else {}),
        )


def campaign(name: str, n: int, regions: list[str], seed: int) -> None:
    """A directed follower graph with regional communities and prices that grow with audience.

    Each region is a scale-free follower network (Barabasi-Albert preferential
    attachment, arcs from the followed to the follower: influence flows to the
    audience); a few percent of arcs cross regions. Cost = 1 + followers / 20.
    """
    rng = np.random.default_rng(seed)
    sizes = np.full(len(regions), n // len(regions))
    sizes[: n % len(regions)] += 1
    D = nx.DiGraph()
    offset = 0
    region_of = {}
    for r, size in enumerate(sizes):
        B = nx.barabasi_albert_graph(int(size), 3, seed=int(rng.integers(2**31)))
        for u, v in B.edges:
            a, b = (u, v) if u < v else (v, u)  # the older (more popular) account is followed
            D.add_edge(offset + a, offset + b)
            if rng.random() < 0.25:  # some follow back
                D.add_edge(offset + b, offset + a)
        for v in range(int(size)):
            region_of[offset + v] = regions[r]
        offset += int(size)
    nodes = np.arange(n)
    for _ in range(int(0.03 * D.number_of_edges())):
        u, v = rng.choice(nodes, size=2, replace=False)
        if region_of[int(u)] != region_of[int(v)]:
            D.add_edge(int(u), int(v))
    D = nx.DiGraph(sorted(D.edges))
    D.add_nodes_from(range(n))
    write_edges(D, HERE / f"{name}.txt.gz", f"synthetic campaign graph, {n} people in {len(regions)} regions")
    followers = dict(D.out_degree())
    (HERE / f"{name}-costs.csv").write_text(
        "node,cost\n" + "".join(f"{v},{1 + followers[v] / 20:.2f}\n" for v in range(n))
    )
    (HERE / f"{name}-groups.csv").write_text("node,group\n" + "".join(f"{v},{region_of[v]}\n" for v in range(n)))
    write_toml(
        HERE / f"{name}.toml",
        description=f"synthetic campaign: {n} people, {len(regions)} regions, cost = 1 + followers/20",
        graph=f"{name}.txt.gz", probability="wc", model="ic", k=20,
        costs=f"{name}-costs.csv", budget=60.0, groups=f"{name}-groups.csv",
        quotas=[f"{regions[0]}=1:", f"{regions[-1]}=1:"],
    )


def action_log(name: str, n_items: int, seed: int) -> None:
    """A log of past campaigns on an instance's graph, for `seeding learn`.

    Hidden probabilities drive one continuous-time cascade per campaign: three
    random first adopters, delays of 6 hours on average, campaigns starting at
    random times in 2024. Persuasiveness varies by account (lognormal), so the
    truth is far from weighted cascade: ``p(u, v) = 0.6 * s(u) * U(0.5, 1.5) /
    indeg(v)``, capped at 1, written to ``NAME-truth.txt.gz`` for checking. The
    log has ISO 8601 timestamps: ``NAME-actions.csv.gz`` with ``user,item,time``
    rows.
    """
    import datetime

    import seeding
    from seeding.io import write_bytes, write_edge_list

    rng = np.random.default_rng(seed)
    graph = seeding.read_graph(HERE / f"{name}.txt.gz")
    indeg = graph.in_degree[graph.indices].astype(np.float64)
    strength = rng.lognormal(0.0, 1.0, graph.n)
    p = np.minimum(1.0, 0.6 * strength[graph.sources] * rng.uniform(0.5, 1.5, graph.m) / indeg)
    truth = graph.with_p(np.round(p, 4))
    write_edge_list(HERE / f"{name}-truth.txt.gz", truth,
                    comment=f"hidden probabilities behind {name}-actions.csv.gz")
    log = seeding.simulate_actions(truth, n_items, seeds=3, time="continuous", mean_delay=6 * 3600.0, rng=rng)
    year = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    start = year + rng.uniform(0, 365 * 86400.0, n_items)
    stamps = np.floor(start[log.items] + log.times).astype(np.int64)
    iso = np.datetime_as_string(stamps.astype("datetime64[s]"), unit="s")
    items = np.char.replace(log.item_names, "item", "campaign")[log.items]
    text = "user,item,time\n" + "".join(
        f"{u},{i},{t}\n" for u, i, t in zip(log.users.tolist(), items.tolist(), iso.tolist(), strict=True)
    )
    write_bytes(HERE / f"{name}-actions.csv.gz", text.encode())


if __name__ == "__main__":
    small_networks()
    campaign("campaign-5k", 5_000, ["north", "south", "east", "west"], seed=5)
    campaign("campaign-20k", 20_000, ["north", "south", "east", "west", "centre", "coast"], seed=20)
    action_log("campaign-5k", 3_000, seed=15)
