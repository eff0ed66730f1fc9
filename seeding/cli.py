"""The ``seeding`` command line: thin wrappers that parse, call the API and print.

Every command exits with status 2 and a one-line message on bad input.
"""

from __future__ import annotations

import functools
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from ._rng import resolve_jobs
from .algorithms import METHODS, maximize_influence
from .algorithms.budgeted import BUDGET_METHODS, select_seeds
from .errors import SeedingError, SeedingWarning
from .graph import Graph
from .io import read_graph, read_labels, to_json, write_json, write_text
from .models import MODELS, with_probability
from .spread import estimate_spread, seed_indices

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CommandError(click.ClickException):
    """A one-line red error and exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.secho(f"error: {self.format_message()}", fg="red", err=True)


def friendly_errors(func: Callable) -> Callable:
    """Turn input errors raised by the API into one-line CLI errors."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", SeedingWarning)
                warnings.showwarning = _show_warning
                return func(*args, **kwargs)
        except SeedingError as exc:
            raise CommandError(str(exc)) from None
        except MemoryError:
            raise CommandError("out of memory; try fewer simulations or a smaller graph") from None
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise CommandError(f"{where}{exc.strerror or exc}") from None

    return wrapper


def _show_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
    note(f"warning: {message}")


def progress_printer(label: str) -> Callable[[int, int], None] | None:
    """A progress callback printing to stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        elapsed = time.perf_counter() - start
        end = "\n" if done >= total else ""
        click.echo(f"\r{label}: {done:,}/{total:,} ({elapsed:.1f} s)", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return report


def note(message: str) -> None:
    """An informational line on stderr."""
    click.secho(message, fg="yellow", err=True)


def load_graph(path: str, probability: str | None, undirected: bool, rng: int | None) -> Graph:
    """Read a graph file and apply the probability setting, telling the user what was assumed."""
    graph = read_graph(path, undirected=undirected)
    if probability is None:
        if graph.p is None:
            note(f"{path}: no arc probabilities in the file; using weighted cascade (--probability wc)")
            probability = "wc"
        else:
            probability = "given"
    return with_probability(graph, probability, rng=rng)


def graph_options(func: Callable) -> Callable:
    """Options shared by every command that reads a graph."""
    options = [
        click.argument("graph_path", metavar="GRAPH", type=click.Path(dir_okay=False)),
        click.option(
            "--model", type=click.Choice(MODELS, case_sensitive=False), default="ic", show_default=True,
            help="Diffusion model: Independent Cascade or Linear Threshold.",
        ),
        click.option(
            "--probability", metavar="SETTING", default=None,
            help="Arc values: given | wc | uniform:P | trivalency "
            "[default: given if the file has a third column, else wc].",
        ),
        click.option("--undirected", is_flag=True, help="Treat every edge as two arcs."),
        click.option("--rng", type=click.IntRange(min=0), default=None, help="Random seed (an integer)."),
        click.option("--jobs", type=click.IntRange(min=1), default=None, help="Threads [default: all cores]."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
        click.option(
            "--output", type=click.Path(dir_okay=False, writable=True), default=None,
            help="Also write the JSON result to this file (atomically).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def emit(result: dict[str, Any], human: str, as_json: bool, output: str | None) -> None:
    """Print a result and optionally write it as JSON."""
    if output is not None:
        write_json(output, result)
    click.echo(to_json(result) if as_json else human)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="seeding")
def main() -> None:
    """Choose whom to seed in a viral-marketing campaign, and estimate the reach.

    GRAPH files are edge lists (`u v [p]`, SNAP style, .gz/.bz2 ok), GraphML or GML.
    """


@main.command(context_settings=CONTEXT)
@graph_options
@click.option("--seeds", "seeds_text", metavar="A,B,...", help="Seed node labels, comma-separated.")
@click.option(
    "--seeds-file", type=click.Path(dir_okay=False), default=None,
    help="File of seed labels (one per line or comma/space separated).",
)
@click.option(
    "--simulations", type=int, default=10_000, show_default=True, help="Number of Monte-Carlo runs.",
)
@friendly_errors
def spread(
    graph_path: str,
    model: str,
    probability: str | None,
    undirected: bool,
    rng: int | None,
    jobs: int | None,
    as_json: bool,
    output: str | None,
    seeds_text: str | None,
    seeds_file: str | None,
    simulations: int,
) -> None:
    """Estimate how many nodes a seed set reaches (Monte-Carlo, with a 95% CI)."""
    if (seeds_text is None) == (seeds_file is None):
        raise CommandError("give the seeds with exactly one of --seeds A,B,... or --seeds-file FILE")
    if simulations < 1:
        raise CommandError(f"--simulations must be a positive integer; got {simulations}")
    if seeds_text is not None:
        seeds = [s.strip() for s in seeds_text.split(",") if s.strip()]
        if not seeds:
            raise CommandError("--seeds is empty; give labels like --seeds 3,17,42")
    else:
        seeds = read_labels(seeds_file)
    start = time.perf_counter()
    graph = load_graph(graph_path, probability, undirected, rng)
    seed_idx = seed_indices(graph, seeds)
    estimate = estimate_spread(
        graph, seeds, model=model, n_simulations=simulations, rng=rng, n_jobs=jobs,
        progress=progress_printer("simulations"),
    )
    runtime = time.perf_counter() - start
    result = {
        "graph": graph_path,
        "n_nodes": graph.n,
        "n_arcs": graph.m,
        "self_loops_dropped": graph.info.get("self_loops", 0),
        "parallel_arcs_merged": graph.info.get("merged", 0),
        "seeds": graph.label_of(seed_idx),
        **estimate.to_dict(),
        "rng": rng,
        "n_jobs": resolve_jobs(jobs),
        "runtime_s": runtime,
    }
    human = (
        f"graph      {graph_path} ({graph.n:,} nodes, {graph.m:,} arcs)\n"
        f"seeds      {len(result['seeds'])}\n"
        f"model      {estimate.model.upper()}\n"
        f"spread     {estimate}\n"
        f"runtime    {runtime:.2f} s"
    )
    emit(result, human, as_json, output)


def _labels(text: str | None) -> list[str]:
    """Comma-separated labels, or @FILE for a file of labels."""
    if not text:
        return []
    if text.startswith("@"):
        return read_labels(text[1:])
    return [t.strip() for t in text.split(",") if t.strip()]


@main.command(context_settings=CONTEXT)
@graph_options
@click.option("-k", "k", type=int, default=None, help="Number of seeds to choose (unbudgeted).")
@click.option(
    "--method", default=None, metavar="NAME",
    help="Selection method; `seeding methods` lists them [default: opim-c, or mip with --budget].",
)
@click.option("--eps", type=float, default=None, help="Approximation slack (opim-c, imm, budgeted sampling).")
@click.option(
    "--simulations", type=int, default=None,
    help="Monte-Carlo runs per estimate for greedy/celf/celf++/cost-celf-mc [default: 10000].",
)
@click.option("--costs", "costs", default=None, metavar="FILE|MODEL",
              help="Node costs: a `label,cost` file or uniform | degree:a,b | sqrt-degree:a,b.")
@click.option("--budget", type=float, default=None, help="Total cost allowed (with --costs).")
@click.option("--default-cost", type=float, default=None, help="Cost of nodes the costs file omits.")
@click.option("--must", default=None, metavar="A,B|@FILE", help="Nodes that must be seeded.")
@click.option("--never", default=None, metavar="A,B|@FILE", help="Nodes that must not be seeded.")
@click.option("--groups", type=click.Path(dir_okay=False), default=None,
              help="A `label,group` file, for quotas.")
@click.option("--quota", "quotas", multiple=True, metavar="GROUP=MIN:MAX",
              help="Seeds per group (repeatable; MIN or MAX may be empty).")
@click.option("--max-seeds", type=int, default=None, help="A second budget: at most this many seeds.")
@click.option("--time-limit", type=float, default=None, help="Seconds for the OR-Tools solve [default: 60].")
@click.option(
    "--seeds-out", type=click.Path(dir_okay=False, writable=True), default=None,
    help="Write the chosen seed labels to this file, one per line.",
)
@friendly_errors
def optimize(
    graph_path: str,
    model: str,
    probability: str | None,
    undirected: bool,
    rng: int | None,
    jobs: int | None,
    as_json: bool,
    output: str | None,
    k: int | None,
    method: str | None,
    eps: float | None,
    simulations: int | None,
    costs: str | None,
    budget: float | None,
    default_cost: float | None,
    must: str | None,
    never: str | None,
    groups: str | None,
    quotas: tuple[str, ...],
    max_seeds: int | None,
    time_limit: float | None,
    seeds_out: str | None,
) -> None:
    """Choose seeds: the K that reach the most nodes, or the best ones within a budget.

    \b
    seeding optimize GRAPH -k 50
    seeding optimize GRAPH --costs sqrt-degree:1,1 --budget 200 --quota north=2: --groups g.csv
    """
    budgeted = budget is not None or costs is not None
    if budgeted and (budget is None or costs is None):
        raise CommandError("a budgeted run needs both --costs FILE|MODEL and --budget B")
    if budgeted and k is not None:
        raise CommandError("give either -k (a number of seeds) or --costs/--budget, not both")
    if not budgeted and k is None:
        raise CommandError("give -k K (number of seeds) or --costs FILE|MODEL --budget B")
    budget_only = [("--must", must), ("--never", never), ("--groups", groups), ("--quota", quotas),
                   ("--max-seeds", max_seeds), ("--time-limit", time_limit), ("--default-cost", default_cost)]
    if not budgeted:
        used = [name for name, value in budget_only if value]
        if used:
            raise CommandError(f"{used[0]} applies to budgeted runs (--costs and --budget)")
    start = time.perf_counter()
    graph = load_graph(graph_path, probability, undirected, rng)
    options: dict[str, Any] = {"progress": progress_printer(method or ("mip" if budgeted else "opim-c"))}
    if eps is not None:
        options["eps"] = eps
    if simulations is not None:
        options["n_simulations"] = simulations
    if budgeted:
        if time_limit is not None:
            options["time_limit"] = time_limit
        result = select_seeds(
            graph, budget, costs, method=method or "mip", model=model, must=_labels(must),
            never=_labels(never), groups=groups, quotas=list(quotas),
            extra_budgets=[("uniform", max_seeds)] if max_seeds is not None else None,
            default_cost=default_cost, rng=rng, n_jobs=jobs, **options,
        )
    else:
        result = maximize_influence(
            graph, k, method=method or "opim-c", model=model, rng=rng, n_jobs=jobs, **options
        )
    total = time.perf_counter() - start
    data = {
        "graph": graph_path,
        "n_nodes": graph.n,
        "n_arcs": graph.m,
        **result.to_dict(),
        "rng": rng,
        "n_jobs": resolve_jobs(jobs),
        "total_runtime_s": total,
    }
    if seeds_out is not None:
        write_text(seeds_out, "".join(f"{s}\n" for s in result.seeds))
    spread = result.spread
    lines = [
        f"graph      {graph_path} ({graph.n:,} nodes, {graph.m:,} arcs)",
        f"method     {result.method} ({result.spread.model.upper()}), k = {result.k}",
        f"seeds      {', '.join(str(s) for s in result.seeds)}",
        f"spread     {spread}",
    ]
    if result.budget is not None:
        gap = "n/a" if result.gap is None else f"{100 * result.gap:.2f}%"
        lines.append(f"cost       {result.cost:,.2f} of {result.budget:,.2f}; status {result.status}; gap {gap}")
    if result.upper_bound is not None:
        lines.append(
            f"optimum    <= {result.upper_bound:.2f} (certified ratio {result.approx_ratio:.3f})"
        )
    lines.append(f"runtime    {result.runtime_s:.2f} s to choose, {total:.2f} s in all")
    emit(data, "\n".join(lines), as_json, output)


@main.command(context_settings=CONTEXT)
def methods() -> None:
    """List the selection methods (with -k, and with --costs/--budget)."""
    width = max(len(name) for name in [*METHODS, *BUDGET_METHODS])
    click.echo("k seeds (-k K):")
    for name, (_, description) in METHODS.items():
        click.echo(f"  {name:<{width}}  {description}")
    click.echo("budgeted (--costs FILE|MODEL --budget B):")
    for name, description in BUDGET_METHODS.items():
        click.echo(f"  {name:<{width}}  {description}")


if __name__ == "__main__":  # pragma: no cover
    main()
