"""Write the bundled instances from networkx's small real social networks.

Run from anywhere: ``python instances/make_instances.py``. The output is
deterministic; re-running rewrites identical files.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

HERE = Path(__file__).resolve().parent


def write_weighted_cascade(G: nx.Graph, path: Path, title: str) -> None:
    """Write every edge in both directions with p(u, v) = 1 / indeg(v)."""
    D = G.to_directed()
    index = {node: i for i, node in enumerate(D.nodes)}
    lines = [f"# {title}", f"# {D.number_of_nodes()} nodes, {D.number_of_edges()} arcs; u v p, p = 1/indeg(v)"]
    for u, v in sorted(D.edges, key=lambda e: (index[e[0]], index[e[1]])):
        lines.append(f"{index[u]} {index[v]} {1.0 / D.in_degree(v):.6g}")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_weighted_cascade(
        nx.karate_club_graph(), HERE / "karate-club.txt", "Zachary's karate club (networkx), weighted cascade"
    )
