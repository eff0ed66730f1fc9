"""The ``seeding`` command line: thin wrappers that parse, call the API and print.

Every command exits with status 2 and a one-line message on bad input.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from ._interrupt import absorbed, interrupt_scope
from ._rng import max_jobs, recordable_rng, resolve_jobs
from .errors import OptionError, SeedingError, SeedingWarning
from .io import labels_for, names_of, read_graph, read_labels, read_names, to_json, write_json, write_text
from .learn import LEARN_METHODS
from .models import MODELS, with_probability
from .results import runtime_phases

if TYPE_CHECKING:
    from .graph import Graph
    from .instance import Instance

# The selection layers (OR-Tools, networkx, scipy, Dask) load inside the commands that
# use them, so that `seeding --version` and `seeding spread` start fast.

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CommandError(click.ClickException):
    """A one-line red error and exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.secho(f"error: {self.format_message()}", fg="red", err=True)


def friendly_errors(func: Callable) -> Callable:
    """Turn input errors raised by the API into one-line CLI errors, and Ctrl-C into exit status 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings(), interrupt_scope() as scope:
                warnings.simplefilter("always", SeedingWarning)
                warnings.showwarning = _show_warning
                value = func(*args, **kwargs)
            if scope.absorbed:  # Ctrl-C stopped a solver: the result shown is the best it had found
                click.secho("interrupted: the solver was stopped early; shown is the best selection it had found",
                            fg="yellow", err=True)
                sys.exit(130)
            return value
        except KeyboardInterrupt:
            click.secho("interrupted", fg="yellow", err=True)
            sys.exit(130)
        except SeedingError as exc:
            raise CommandError(error_message(exc)) from None
        except MemoryError:
            raise CommandError("out of memory; try fewer simulations or a smaller graph") from None
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise CommandError(f"{where}{exc.strerror or exc}") from None

    return wrapper


#: API parameter -> the option that sets it, for messages.
FLAGS = {"n_simulations": "--simulations", "eps": "--eps", "max_memory": "--max-memory", "time_limit": "--time-limit",
         "target_ratio": "--target-ratio", "default_cost": "--default-cost", "max_seeds": "--max-seeds",
         "budget": "--budget", "client": "--scheduler/--workers", "columns": "--columns", "delimiter": "--delimiter",
         "quota": "--quota"}


def error_message(exc: SeedingError) -> str:
    """The API's message, with the option that sets a parameter where the API names the parameter."""
    flag = FLAGS.get(exc.parameter or "")
    if isinstance(exc, OptionError):
        if exc.budget_only:
            return f"{flag or exc.parameter} applies to budgeted runs (--costs and --budget)"
        if exc.parameter == "client":
            return f"--scheduler/--workers apply to k-runs of opim-c and imm, not to {exc.method}"
        return f"{flag or exc.parameter} does not apply to method {exc.method}"
    text = str(exc)
    name = exc.parameter or text.split(" ", 1)[0]  # "columns must name ...": an option's value at fault
    flag = FLAGS.get(name)
    if flag and text.startswith(f"{name} "):
        return flag + text[len(name):]
    return text


def _show_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
    note(f"warning: {message}")


def check_jobs(jobs: int | None) -> None:
    """Refuse an absurd --jobs before any work (tens of thousands of threads crash OpenMP)."""
    if jobs is not None and jobs > max_jobs():
        raise CommandError(f"--jobs must be at most {max_jobs()} (4 per core, at least 64); got {jobs}")


def progress_printer(label: str) -> Callable[..., None] | None:
    """A progress bar on stderr (drawn by tqdm), or None when stderr is not a terminal.

    It is called as ``report(done, total)`` or ``report(done, total, phase="bounding")``;
    each phase gets its own bar, cleared when the phase ends.
    """
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    state: dict[str, Any] = {"bar": None, "phase": None}

    def report(done: int, total: int, phase: str | None = None) -> None:
        bar = state["bar"]
        if bar is None or phase != state["phase"] or bar.total != total:
            if bar is not None:
                bar.close()
            name = f"{label} ({phase})" if phase else label
            bar = state["bar"] = tqdm(total=total, desc=name, file=sys.stderr, leave=False, unit_scale=True,
                                      dynamic_ncols=True)
            state["phase"] = phase
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            state["bar"] = None

    return report


def run_progress() -> Callable[[int, int, str | None], None]:
    """Progress of a comparison: one bar that names the run in progress (tqdm), or one line per run.

    Called as ``report(done, total, "karate-club: opim-c, k = 2")`` when a run
    starts and when it ends.
    """
    state: dict[str, Any] = {"bar": None, "shown": None}
    if not sys.stderr.isatty():
        def line(done: int, total: int, what: str | None) -> None:
            if what != state["shown"] and done < total:  # a run starts
                click.echo(f"run {done + 1}/{total}: {what}", err=True)
                state["shown"] = what
        return line
    from tqdm import tqdm

    def report(done: int, total: int, what: str | None) -> None:
        bar = state["bar"]
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc="compare", unit="run", file=sys.stderr, leave=False,
                                      dynamic_ncols=True)
        bar.set_description_str(f"compare {what}" if what else "compare", refresh=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            state["bar"] = None

    return report


def note(message: str) -> None:
    """An informational line on stderr."""
    click.secho(message, fg="yellow", err=True)


def load_graph(
    path: str, probability: str | None, undirected: bool, rng: int | None, fmt: str | None = None,
    header: str = "auto", columns: Any = None, delimiter: str | None = None,
) -> Graph:
    """Read a graph file and apply the probability setting, telling the user what was assumed."""
    graph = read_graph(path, undirected=undirected, format=fmt, header=header, columns=columns, delimiter=delimiter,
                       probability=probability, rng=rng)
    found = graph.info.get("header")
    if found and header == "auto":
        note(f"{path}:{found['line']}: read '{found['n']} {found['m']}' as an 'n m' header "
             "(--header none reads it as an arc)")
    named = graph.info.get("columns")
    if named and header == "auto" and columns is None:
        note(f"{path}: read the first line as column names {', '.join(named)} "
             "(--header none reads it as an arc)")
    if probability is None and graph.p is None:
        note(f"{path}: no arc probabilities in the file; using weighted cascade (--probability wc)")
        graph = with_probability(graph, "wc")
    return graph


HEADER_OPTION = click.option(
    "--header", type=click.Choice(["auto", "nm", "names", "none"]), default=None,
    help="An edge list's first line: an 'n m' header, column names, or an arc. auto: a header only when it "
    "matches the file [default: auto].",
)
COLUMNS_OPTION = click.option(
    "--columns", default=None, metavar="SOURCE,TARGET[,P]",
    help="An edge list's source, target and probability columns: names from its header line "
    "(e.g. from,to,weight) or positions from 0 (e.g. 0,1,3) [default: the first 2 or 3].",
)
DELIMITER_OPTION = click.option(
    "--delimiter", default=None, metavar="CHAR",
    help="An edge list's column delimiter: one character, or tab | comma | space [default: whitespace or commas].",
)


LABELS_OPTION = click.option(
    "--labels", "labels_path", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="A `label,name` file: results show the names, and seeds, --must and --never may be given by name.",
)


def read_options(func: Callable) -> Callable:
    """How an edge list is read: --header, --columns, --delimiter."""
    for option in (DELIMITER_OPTION, COLUMNS_OPTION, HEADER_OPTION):
        func = option(func)
    return func


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
            help="Arc values: given | wc | uniform:P | trivalency | attr:NAME (a GraphML/GML edge attribute) "
            "[default: given if the file has them, else wc].",
        ),
        click.option("--undirected", is_flag=True, help="Treat every edge as two arcs."),
        HEADER_OPTION, COLUMNS_OPTION, DELIMITER_OPTION, LABELS_OPTION,
        click.option("--rng", type=click.IntRange(min=0), default=None, metavar="N",
                     help="Random seed (an integer) [default: one is drawn, shown and recorded, to repeat the run]."),
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
    """Print a result, then optionally write it as JSON (a failed write loses no result)."""
    click.echo(to_json(result) if as_json else human)
    if output is not None:
        write_json(output, result)


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)  # hard and symbolic links too
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def refuse_overwrite(outputs: dict[str, str | os.PathLike | None], inputs: list[Any]) -> None:
    """Refuse, before any work, to write over an input file or to write two outputs to one file."""

    sources = [p for p in inputs if isinstance(p, (str, os.PathLike)) and Path(p).is_file()]
    written: list[tuple[str, str | os.PathLike]] = []
    for option, target in outputs.items():
        if target is None:
            continue
        for source in sources:
            if _same_file(target, source):
                raise CommandError(f"{option} {str(target)!r} is an input file; it would be overwritten. "
                                   "Choose another output file")
        for other, earlier in written:
            if _same_file(target, earlier):
                raise CommandError(f"{other} and {option} are the same file {str(target)!r}; choose two")
        written.append((option, target))


def _files_of(inputs: tuple[str, ...]) -> list[Path | str | None]:
    """The files an instance file names (graph, costs, groups); an unreadable one is reported later."""
    from .instance import is_instance_file, load_instance

    files: list[Path | str | None] = []
    for path in inputs:
        if is_instance_file(path):
            try:
                inst = load_instance(path)
            except (SeedingError, OSError):
                continue
            files += [inst.graph, inst.costs, inst.groups, inst.labels]
    return files


def _label_file(text: str | None) -> str | None:
    return text[1:] if text and text.startswith("@") else None


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client for --scheduler ADDRESS or --workers N (a local cluster), else None."""
    if scheduler is None and workers is None:
        yield None
        return
    if scheduler is not None and workers is not None:
        raise CommandError("give --scheduler ADDRESS or --workers N, not both")
    try:
        from distributed import Client
    except ImportError:
        raise CommandError("--scheduler/--workers need the distributed package: pip install 'seeding-im[dask]' "
                           "(or '.[dask]' in a checkout)") from None
    from .distributed import local_client

    with _quiet_dask_logs():  # failures are reported in one line (ClusterError), not in distributed's tracebacks
        try:
            client = Client(scheduler, timeout="20s") if scheduler is not None else local_client(workers)
        except (OSError, TimeoutError) as exc:
            raise CommandError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
        try:
            yield client
        finally:
            cluster = getattr(client, "cluster", None)
            client.close(timeout=5)
            if scheduler is None and cluster is not None:
                cluster.close(timeout=5)


@contextlib.contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Keep distributed's own log records (reconnection tracebacks) off stderr for a while."""
    import logging

    def drop(record: logging.LogRecord) -> bool:
        return False

    handlers = logging.getLogger("distributed").handlers
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(drop)


def _dask_runner(client: Any) -> Any:
    from .distributed import dask_runner

    return dask_runner(client)


def dask_options(func: Callable) -> Callable:
    func = click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Run on a local Dask cluster of N worker processes.")(func)
    return click.option("--scheduler", default=None, metavar="ADDRESS",
                        help="Run on a Dask cluster (e.g. tcp://host:8786); same answer as locally.")(func)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="seeding")
def main() -> None:
    """Choose whom to seed in a viral-marketing campaign, and estimate the reach.

    GRAPH files are edge lists (`u v [p]`, SNAP style, .gz/.bz2 ok), GraphML or GML.
    """
    _reuse_freed_memory()


def _reuse_freed_memory() -> None:
    """Have glibc's malloc keep freed blocks for the next arrays rather than hand them back to the system.

    A run allocates and frees many arrays of a few MiB (RR sets, their rows, scratch); by default most
    are given back and the next one is faulted in again page by page. On NetHEPT, k = 50, keeping them
    cuts a run's page faults from 21,000 to 15,000 and its selection time by about a tenth. One arena
    for all threads: what the thread that shrinks RR sets beside greedy allocates then reuses what the
    main thread freed (Epinions: 20,000 -> 18,000 faults, selection 80 -> 75 ms; the kernels allocate
    a block at a time, so the shared lock is rarely taken). Blocks of 64 MiB and more keep mappings of
    their own, so large graphs still return memory as it is freed, and at most 128 MiB of free heap is
    kept. How much memory a process keeps is its own business: the
    command line decides it, the API leaves the allocator alone. Other C libraries: nothing changes.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    trim_threshold, top_pad, mmap_threshold, arena_max = -1, -2, -3, -8  # M_* of <malloc.h>
    settings = [(mmap_threshold, 64 << 20), (trim_threshold, 128 << 20), (top_pad, 16 << 20), (arena_max, 1)]
    for param, value in settings:
        mallopt(ctypes.c_int(param), ctypes.c_int(value))


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
@dask_options
@friendly_errors
def spread(
    graph_path: str,
    model: str,
    probability: str | None,
    undirected: bool,
    header: str | None,
    columns: str | None,
    delimiter: str | None,
    labels_path: str | None,
    rng: int | None,
    jobs: int | None,
    as_json: bool,
    output: str | None,
    seeds_text: str | None,
    seeds_file: str | None,
    simulations: int,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Estimate how many nodes a seed set reaches (Monte-Carlo, with a 95% CI)."""
    from .spread import estimate_spread, seed_indices

    if (seeds_text is None) == (seeds_file is None):
        raise CommandError("give the seeds with exactly one of --seeds A,B,... or --seeds-file FILE")
    if simulations < 1:
        raise CommandError(f"--simulations must be a positive integer; got {simulations}")
    check_jobs(jobs)
    rng = recordable_rng(rng)  # drawn when not given, and shown: re-running with it repeats the estimate
    refuse_overwrite({"--output": output}, [graph_path, seeds_file, labels_path])
    if seeds_text is not None:
        seeds = [s.strip() for s in seeds_text.split(",") if s.strip()]
        if not seeds:
            raise CommandError("--seeds is empty; give labels like --seeds 3,17,42")
    else:
        seeds = read_labels(seeds_file)
    names = read_names(labels_path) if labels_path else None
    seeds = labels_for(seeds, names)
    start = time.perf_counter()
    graph = load_graph(graph_path, probability, undirected, rng, header=header or "auto", columns=columns,
                       delimiter=delimiter)
    read = time.perf_counter() - start
    seed_idx = seed_indices(graph, seeds)
    with dask_client(scheduler, workers) as client:
        estimate = estimate_spread(
            graph, seeds, model=model, n_simulations=simulations, rng=rng, n_jobs=jobs,
            progress=None if client else progress_printer("simulations"),
            runner=None if client is None else _dask_runner(client),
        )
    runtime = time.perf_counter() - start
    result = {
        "graph": graph_path,
        "n_nodes": graph.n,
        "n_arcs": graph.m,
        "self_loops_dropped": graph.info.get("self_loops", 0),
        "parallel_arcs_merged": graph.info.get("merged", 0),
        "seeds": graph.label_of(seed_idx),
        **({"seed_names": names_of(graph.label_of(seed_idx), names)} if names else {}),
        "spread": estimate.to_dict(),
        "rng": rng,
        "n_jobs": resolve_jobs(jobs),
        "runtime_s": runtime - read,
        "timings_s": runtime_phases(None, runtime, read=read),
    }
    human = (
        f"graph      {graph_path} ({graph.n:,} nodes, {graph.m:,} arcs)\n"
        f"seeds      {len(result['seeds'])}: {_listing(result.get('seed_names', result['seeds']))}\n"
        f"model      {estimate.model.upper()}\n"
        f"spread     {estimate}\n"
        f"rng        {rng}\n"
        f"runtime    {runtime:.2f} s"
    )
    emit(result, human, as_json, output)


def run_options(func: Callable) -> Callable:
    """Options shared by `optimize` and `compare` (None: keep the instance's value)."""
    options = [
        click.option("--model", type=click.Choice(MODELS, case_sensitive=False), default=None,
                     help="Diffusion model: ic (Independent Cascade, default) or lt (Linear Threshold)."),
        click.option("--probability", metavar="SETTING", default=None,
                     help="Arc values: given | wc | uniform:P | trivalency | attr:NAME (a GraphML/GML edge "
                     "attribute) [default: given if the file has them, else wc]."),
        click.option("--undirected", is_flag=True, default=None, help="Treat every edge as two arcs."),
        HEADER_OPTION, COLUMNS_OPTION, DELIMITER_OPTION, LABELS_OPTION,
        click.option("--rng", type=click.IntRange(min=0), default=None, metavar="N",
                     help="Random seed (an integer) [default: one is drawn, shown and recorded, to repeat the run]."),
        click.option("--jobs", type=click.IntRange(min=1), default=None, help="Threads [default: all cores]."),
        click.option("--costs", "costs", default=None, metavar="FILE|MODEL",
                     help="Node costs: a `label,cost` file or uniform | degree:a,b | sqrt-degree:a,b."),
        click.option("--default-cost", type=float, default=None, help="Cost of nodes the costs file omits."),
        click.option("--simulations", type=int, default=None,
                     help="Monte-Carlo runs per estimate [default: 10000]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def constraint_options(func: Callable) -> Callable:
    """Options shared by `optimize` and `compare`: the approximation slack and the side constraints."""
    options = [
        click.option("--eps", type=float, default=None,
                     help="Approximation slack (opim-c, imm, budgeted sampling) [default: 0.05; imm 0.1]."),
        click.option("--must", default=None, metavar="A,B|@FILE", help="Nodes that must be seeded."),
        click.option("--never", default=None, metavar="A,B|@FILE", help="Nodes that must not be seeded."),
        click.option("--groups", type=click.Path(dir_okay=False), default=None,
                     help="A `label,group` file, for quotas."),
        click.option("--quota", "quotas", multiple=True, metavar="GROUP=MIN:MAX",
                     help="Seeds per group (repeatable; MIN or MAX may be empty)."),
        click.option("--max-seeds", type=int, default=None, help="A second budget: at most this many seeds."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def certificate_options(func: Callable) -> Callable:
    """Options shared by `optimize` and `compare`: how far a certificate is pursued, and in how much memory."""
    func = click.option("--max-memory", default=None, metavar="SIZE",
                        help="Cap on RR-set memory for opim-c, imm and budgeted runs, e.g. 2G: sampling stops and "
                        "reports the guarantee reached.")(func)
    return click.option("--target-ratio", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
                        help="Certified ratio to work towards (e.g. 0.95) within --time-limit "
                        "[default: 0.95 with a budget; for -k, about as long as the selection].")(func)


def apply_overrides(inst: Instance, **cli: Any) -> Instance:
    """Command-line values replace the instance's (see :meth:`Instance.override`)."""
    if cli.get("k") is not None and (cli.get("costs") is not None or cli.get("budget") is not None):
        raise CommandError("give either -k (a number of seeds) or --costs/--budget, not both")
    if not cli.get("undirected"):  # a flag: it can only turn undirected on
        cli.pop("undirected", None)
    return inst.override(**cli)


def solve_input(inst: Instance, method: str | None, rng: int | None, jobs: int | None,
                options: dict[str, Any], *, strict: bool = True) -> tuple[dict[str, Any], str]:
    """Run one instance; return its JSON result and the human summary.

    With ``strict``, an option that the method does not take is an error; in a
    batch, options apply to the inputs whose methods take them.
    """
    from .compare import run_instance

    start = time.perf_counter()
    graph = load_graph(str(inst.graph), inst.probability, inst.undirected, rng, inst.format, inst.header,
                       inst.columns, inst.delimiter)
    read = time.perf_counter() - start
    options = {k: v for k, v in options.items() if v is not None}
    options["progress"] = progress_printer(method or ("mip" if inst.budgeted else "opim-c"))
    result = run_instance(inst, method=method, graph=graph, rng=rng, n_jobs=jobs, strict=strict, **options)
    total = time.perf_counter() - start
    source = str(inst.path or inst.graph)
    names = inst.names()
    seed_names = names_of(result.seeds, names)
    data = {
        "input": source,
        "graph": str(inst.graph),
        "n_nodes": graph.n,
        "n_arcs": graph.m,
        **result.to_dict(),
        **({"seed_names": seed_names} if names else {}),
        "rng": rng,
        "n_jobs": resolve_jobs(jobs),
        "timings_s": runtime_phases(result.runtime_s, total, read=read),
    }
    lines = [
        f"input      {source} ({graph.n:,} nodes, {graph.m:,} arcs)",
        f"method     {result.method} ({result.spread.model.upper()}), k = {result.k}",
        f"seeds      {_listing(seed_names)}",
    ]
    if result.gains:
        lines.append(f"gains      {_listing([f'{g:,.2f}' for g in result.gains])}")
    lines.append(f"spread     {result.spread}")
    if result.budget is not None:
        gap = "n/a" if result.gap is None else f"{100 * result.gap:.2f}%"
        if result.details.get("k_run"):  # k seeds under constraints: the budget counts seeds, not money
            lines.append(f"k-run      {result.details['k_run']}; status {result.status}; gap {gap}")
        else:
            spent = f"{_amount(result.cost)} of {_amount(result.budget)}"
            lines.append(f"cost       {spent}; status {result.status}; gap {gap}")
        if len(set(result.details.get("seed_costs", []))) > 1:
            lines.append(f"           per seed {_listing([_amount(c) for c in result.details['seed_costs']])}")
        if result.details.get("group_counts"):
            counts = ", ".join(f"{g} {c}" for g, c in result.details["group_counts"].items())
            lines.append(f"groups     {counts}")
    if result.upper_bound is not None:
        delta = result.params.get("delta")
        sure = f", with probability >= 1 - {delta:.2g}" if delta else ""
        if result.lower_bound:
            lines.append(f"certified  spread >= {result.lower_bound:.2f}; optimum <= {result.upper_bound:.2f} "
                         f"(certified ratio {result.approx_ratio:.3f}{sure})")
            parts = result.details.get("slack")
            if parts:
                lines.append(f"           within {100 * parts['total']:.1f}% of optimal: "
                             f"{100 * parts['sampling']:.1f}% sampling, "
                             f"{100 * parts['optimization']:.1f}% optimization")
        else:
            lines.append(f"certified  optimum <= {result.upper_bound:.2f}; no guarantee reached on the seeds "
                         "(too few RR sets: raise --max-memory)")
    lines.append(f"rng        {rng}")
    lines.append(f"runtime    {result.runtime_s:.2f} s to choose, {total:.2f} s in all")
    return data, "\n".join(lines)


def _listing(items: list, most: int = 12) -> str:
    """``a, b, c`` or, past ``most`` items, ``a, b, ..., (50 in all)``."""
    text = [str(x) for x in items]
    if len(text) <= most:
        return ", ".join(text)
    return ", ".join(text[:most]) + f", ... ({len(text)} in all)"


def _amount(value: float) -> str:
    """A cost for people: 1,234.50, or 1e+300 when fixed notation would mislead."""
    return f"{value:,.2f}" if value == 0 or 0.01 <= abs(value) < 1e15 else f"{value:.6g}"


@main.command(context_settings=CONTEXT)
@click.argument("inputs", nargs=-1, required=True, metavar="GRAPH|INSTANCE.toml...",
                type=click.Path(dir_okay=False))
@click.option("-k", "k", type=int, default=None, help="Number of seeds to choose.")
@click.option("--budget", type=float, default=None, help="Total cost allowed (with --costs).")
@click.option(
    "--method", default=None, metavar="NAME",
    help="Selection method; `seeding methods` lists them [default: opim-c, or mip with a budget].",
)
@run_options
@constraint_options
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for the whole selection: sampling, bounds, solver "
              "[default: 60 with a budget, none for -k].")
@certificate_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per input.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the JSON result to this file (atomically; one input).")
@click.option("--output-dir", type=click.Path(file_okay=False), default=None,
              help="Write one JSON result per input here (INPUT-NAME.json).")
@click.option("--seeds-out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the chosen seed labels to this file, one per line (one input).")
@dask_options
@friendly_errors
def optimize(
    inputs: tuple[str, ...],
    k: int | None,
    budget: float | None,
    method: str | None,
    model: str | None,
    probability: str | None,
    undirected: bool | None,
    header: str | None,
    columns: str | None,
    delimiter: str | None,
    labels_path: str | None,
    rng: int | None,
    jobs: int | None,
    costs: str | None,
    default_cost: float | None,
    simulations: int | None,
    eps: float | None,
    must: str | None,
    never: str | None,
    groups: str | None,
    quotas: tuple[str, ...],
    max_seeds: int | None,
    time_limit: float | None,
    target_ratio: float | None,
    max_memory: str | None,
    as_json: bool,
    output: str | None,
    output_dir: str | None,
    seeds_out: str | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Choose seeds: the K that reach the most nodes, or the best ones within a budget.

    Inputs are graph files or instance files (.toml, see instances/README.md); options
    given here override the instance's. With several inputs, a failing one is reported
    and the others still run; the exit status is 1 if any failed.

    \b
    seeding optimize GRAPH -k 50
    seeding optimize GRAPH --costs sqrt-degree:1,1 --budget 200
    seeding optimize instances/*.toml --output-dir results/
    """
    from .instance import unique_names

    if len(inputs) > 1 and (output or seeds_out):
        raise CommandError("--output and --seeds-out take one input; use --output-dir for several")
    check_jobs(jobs)
    if max_seeds is not None and max_seeds < 1:
        raise CommandError(f"--max-seeds must be a positive integer (at most this many seeds); got {max_seeds}")
    rng = recordable_rng(rng)  # drawn when not given, and shown: re-running with it repeats the run
    names = unique_names(list(inputs))
    outputs: dict[str, str | Path | None] = {"--output": output, "--seeds-out": seeds_out}
    if output_dir is not None:
        outputs.update({f"--output-dir ({name}.json)": Path(output_dir) / f"{name}.json" for name in names})
    refuse_overwrite(outputs, [*inputs, *_files_of(inputs), costs, groups, labels_path, _label_file(must),
                               _label_file(never)])
    if output_dir is not None:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
    options = {"eps": eps, "n_simulations": simulations, "time_limit": time_limit, "default_cost": default_cost,
               "max_memory": max_memory, "target_ratio": target_ratio}
    if scheduler or workers:  # before a cluster starts: does the method run there?
        from .algorithms.registry import route_options

        route_options(method or "opim-c", {"client": True})  # an OptionError for a method that does not
    overrides = {
        "k": k, "budget": budget, "model": model, "probability": probability, "undirected": undirected,
        "header": header, "columns": columns, "delimiter": delimiter, "costs": costs, "groups": groups,
        "quotas": quotas, "labels": labels_path, "max_seeds": max_seeds, "must": must, "never": never,
    }
    with dask_client(scheduler, workers) as client:
        if client is not None:
            options["client"] = client
        _optimize_inputs(inputs, names, overrides, method, rng, jobs, options, as_json=as_json, output=output,
                         output_dir=output_dir, seeds_out=seeds_out)


def _optimize_inputs(inputs: tuple[str, ...], names: list[str], overrides: dict[str, Any], method: str | None,
                     rng: int | None, jobs: int | None, options: dict[str, Any], *, as_json: bool,
                     output: str | None, output_dir: str | None, seeds_out: str | None) -> None:
    """Solve each input in turn; with several, report a failing one and go on.

    Each result is printed first and then written, so a write that fails (a
    full disk) loses no result.
    """
    from .instance import instance_for

    failures: list[tuple[str, str]] = []
    for path, name in zip(inputs, names, strict=True):
        try:
            inst = apply_overrides(instance_for(path), **overrides)
            if inst.k is None and inst.costs is None and inst.budget is None:
                raise CommandError("give -k K (number of seeds) or --costs FILE|MODEL --budget B")
            data, human = solve_input(inst, method, rng, jobs, dict(options), strict=len(inputs) == 1)
            click.echo(to_json(data) if as_json else human + ("\n" if len(inputs) > 1 else ""))
            if output is not None:
                write_json(output, data)
            if output_dir is not None:
                write_json(Path(output_dir) / f"{name}.json", data)
            if seeds_out is not None:
                write_text(seeds_out, "".join(f"{s}\n" for s in data["seeds"]))
            if absorbed():  # Ctrl-C stopped this input's solver: no further inputs
                return
        except (SeedingError, OSError, click.ClickException) as exc:
            if len(inputs) == 1:
                raise
            message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
            click.secho(f"error: {path}: {message}", fg="red", err=True)
            failures.append((path, message))
    if failures:
        click.secho(f"{len(failures)} of {len(inputs)} inputs failed: "
                    + "; ".join(f"{p} ({m})" for p, m in failures), fg="red", err=True)
        sys.exit(1)


def _numbers(text: str | None, kind: type, name: str) -> list | None:
    if not text:
        return None
    try:
        values = [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise CommandError(f"{name} must be a comma-separated list of numbers; got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise CommandError(f"{name} must be positive numbers; got {text!r}")
    return values


@main.command(context_settings=CONTEXT)
@click.argument("inputs", nargs=-1, required=True, metavar="INSTANCE.toml|GRAPH...", type=click.Path(dir_okay=False))
@click.option("--methods", "methods_text", required=True, metavar="A,B,...",
              help="Methods to compare, e.g. degree,pagerank,celf,imm,opim-c,cost-celf,cp-sat.")
@click.option("-k", "ks", default=None, metavar="K1,K2,...",
              help="Numbers of seeds, for the k-methods [default: the instance's k].")
@click.option("--budgets", default=None, metavar="B1,B2,...",
              help="Budgets, for the budgeted methods and degree/pagerank per cost, with costs (--costs or the "
              "instance's) [default: the instance's budget].")
@run_options
@constraint_options
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds per run, for the methods that take a time limit: the budgeted ones and opim-c "
              "[default: 60 under a budget, none for opim-c].")
@certificate_options
@click.option("--output-dir", type=click.Path(), default="comparison", show_default=True,
              help="Where results.csv, results.json, report.md and the PNG plots go.")
@friendly_errors
def compare(
    inputs: tuple[str, ...],
    methods_text: str,
    ks: str | None,
    budgets: str | None,
    model: str | None,
    probability: str | None,
    undirected: bool | None,
    header: str | None,
    columns: str | None,
    delimiter: str | None,
    labels_path: str | None,
    rng: int | None,
    jobs: int | None,
    costs: str | None,
    default_cost: float | None,
    simulations: int | None,
    eps: float | None,
    must: str | None,
    never: str | None,
    groups: str | None,
    quotas: tuple[str, ...],
    max_seeds: int | None,
    time_limit: float | None,
    target_ratio: float | None,
    max_memory: str | None,
    output_dir: str,
) -> None:
    """Run several methods on several instances; evaluate all with the same simulations.

    Writes results.csv, results.json, report.md (best per row in bold) and plots
    (spread by k and by budget with 95% CIs, runtime on a log axis, and with costs
    one spend plot: every method at what it spent) to --output-dir. Options apply to
    the methods that take them. Ctrl-C keeps the rows already finished.
    """
    from .compare import RESULT_FILES, parse_methods
    from .compare import compare as run_comparison
    from .instance import instance_for

    names = parse_methods(methods_text)
    check_jobs(jobs)
    rng = recordable_rng(rng)  # drawn when not given, and shown: re-running with it repeats the comparison
    k_values = _numbers(ks, int, "-k")
    b_values = _numbers(budgets, float, "--budgets")
    out = Path(output_dir)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--output-dir {output_dir!r} is a file, not a directory")
    refuse_overwrite({f"--output-dir ({name})": out / name for name in RESULT_FILES},
                     [*inputs, *_files_of(inputs), costs, labels_path])
    loaded = [
        apply_overrides(instance_for(p), model=model, probability=probability, undirected=undirected,
                        header=header, columns=columns, delimiter=delimiter, costs=costs, labels=labels_path,
                        groups=groups, quotas=quotas, max_seeds=max_seeds, must=must, never=never)
        for p in inputs
    ]
    options = {"n_simulations": simulations, "time_limit": time_limit, "eps": eps, "default_cost": default_cost,
               "target_ratio": target_ratio, "max_memory": max_memory}
    bar = run_progress()
    finished = [0]

    def progress(done: int, total: int, phase: str | None = None) -> None:
        finished[0] = done
        bar(done, total, phase)

    try:
        result = run_comparison(
            loaded, names, ks=k_values, budgets=b_values, n_simulations=simulations or 10_000, rng=rng,
            n_jobs=jobs, output_dir=out, options={k: v for k, v in options.items() if v is not None},
            progress=progress,
        )
    except KeyboardInterrupt:
        if finished[0]:
            click.secho(f"interrupted: the {finished[0]} finished runs are in {out}/", fg="yellow", err=True)
        else:
            click.secho(f"interrupted before the first run finished; {out}/ is as it was", fg="yellow", err=True)
        sys.exit(130)
    for text in result.notes:
        note(text)
    click.echo(f"{len(result.rows)} runs (rng {rng}); wrote {out}/results.csv, results.json, report.md and plots")


@main.group(context_settings=CONTEXT)
def generate() -> None:
    """Write synthetic graphs for benchmarks."""


@generate.command("rmat", context_settings=CONTEXT)
@click.argument("out", metavar="OUT", type=click.Path(dir_okay=False, writable=True))
@click.option("--scale", type=int, required=True, help="log2 of the number of nodes.")
@click.option("--edge-factor", type=int, default=16, show_default=True, help="Arcs per node.")
@click.option("--rng", type=click.IntRange(min=0), default=None, help="Random seed (an integer).")
@friendly_errors
def generate_rmat(out: str, scale: int, edge_factor: int, rng: int | None) -> None:
    """An R-MAT graph (Graph500 parameters 0.57/0.19/0.19/0.05) as an edge list; .gz compresses."""
    from .generate import write_rmat

    rng = recordable_rng(rng)
    start = time.perf_counter()
    arcs = write_rmat(out, scale, edge_factor, rng=rng)
    click.echo(f"wrote {out}: {1 << scale:,} nodes, {arcs:,} arcs in {time.perf_counter() - start:.1f} s (rng {rng})")


@main.command(context_settings=CONTEXT)
def methods() -> None:
    """List the selection methods (with -k, and with --costs/--budget)."""
    from .algorithms import BUDGET_METHODS, METHODS

    width = max(len(name) for name in [*METHODS, *BUDGET_METHODS])
    click.echo("k seeds (-k K):")
    for name, (_, description) in METHODS.items():
        click.echo(f"  {name:<{width}}  {description}")
    click.echo("budgeted (--costs FILE|MODEL --budget B):")
    for name, description in BUDGET_METHODS.items():
        click.echo(f"  {name:<{width}}  {description}")



@main.command(context_settings=CONTEXT)
@click.argument("graph_path", metavar="GRAPH", type=click.Path(dir_okay=False))
@click.argument("actions_path", metavar="ACTIONS", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(list(LEARN_METHODS)), default="em", show_default=True,
              help="em: Saito et al. 2008 (maximum likelihood); bernoulli, jaccard: Goyal et al. 2010.")
@click.option("--window", default=None, metavar="W",
              help="How long after u acts v's action can be u's doing (log time units, or 2h/1d for timestamps; "
              "inf: no limit) [default: learned from the log].")
@click.option("--holdout", type=float, default=None, metavar="SHARE",
              help="Hold out this share of items (e.g. 0.2) and report every method's held-out log-likelihood and AUC.")
@click.option("--prior", default="pooled", show_default=True, metavar="P|pooled",
              help="Probability of arcs the log never exercises (pooled: the log's overall rate).")
@click.option("--prior-weight", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Pseudo-attempts at the prior added to every arc (0: raw maximum likelihood).")
@click.option("--full-credit", is_flag=True, help="bernoulli/jaccard: full credit to every candidate influencer.")
@click.option("--strict", is_flag=True, help="Stop at a user that is not in the graph (default: skip and count).")
@click.option("--model", type=click.Choice(MODELS, case_sensitive=False), default="ic", show_default=True,
              help="Which values --output holds: IC probabilities or LT weights (normalised per node).")
@click.option("--undirected", is_flag=True, help="Treat every edge of GRAPH as two arcs.")
@read_options
@click.option("--rng", type=click.IntRange(min=0), default=None, help="Random seed for the holdout split.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the learned graph as an edge list `u v p` (atomically; .gz, .graphml ok).")
@click.option("--evidence", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write per-arc evidence as CSV: u,v,p,w,attempts,successes.")
@click.option("--report", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the JSON summary to this file (atomically).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON summary.")
@friendly_errors
def learn(
    graph_path: str,
    actions_path: str,
    method: str,
    window: str | None,
    holdout: float | None,
    prior: str,
    prior_weight: float,
    full_credit: bool,
    strict: bool,
    model: str,
    undirected: bool,
    header: str | None,
    columns: str | None,
    delimiter: str | None,
    rng: int | None,
    output: str | None,
    evidence: str | None,
    report: str | None,
    as_json: bool,
) -> None:
    """Learn arc probabilities from an action log, then optimize on the result.

    ACTIONS has one `user,item,time` row per action (comma or whitespace, optional
    header; time a number or an ISO 8601 timestamp); users are GRAPH's node labels.

    \b
    seeding learn GRAPH ACTIONS --output learned.txt
    seeding learn GRAPH ACTIONS --holdout 0.2 --rng 1
    seeding optimize learned.txt -k 10
    """
    from .learn import learn_probabilities

    if prior != "pooled":
        try:
            prior_value: float | str = float(prior)
        except ValueError:
            raise CommandError(f"--prior must be a probability in [0, 1] or 'pooled'; got {prior!r}") from None
    else:
        prior_value = prior
    graph = read_graph(graph_path, undirected=undirected, header=header or "auto", columns=columns,
                       delimiter=delimiter)
    result = learn_probabilities(
        graph, actions_path, method=method, window=window, holdout=holdout, prior=prior_value,
        prior_weight=prior_weight, partial_credit=not full_credit, strict=strict, rng=rng,
    )
    stats = result.stats
    if stats["skipped_rows"]:
        note(f"warning: skipped {stats['skipped_rows']:,} rows of {stats['skipped_users']:,} users not in the graph "
             f"(first: {stats['first_skipped']}); --strict stops there instead")
    if output is not None:
        result.write(output, values="lt" if model.lower() == "lt" else "p")
    if evidence is not None:
        result.write_evidence(evidence)
    data = {"graph": graph_path, "actions": actions_path, "n_nodes": graph.n, "n_arcs": graph.m,
            "output": output, **result.to_dict()}
    if report is not None:
        write_json(report, data)
    if as_json:
        click.echo(to_json(data))
        return
    ev = result.evidence()

    def span(w: float) -> str:
        if not stats["timestamps"]:
            return f"{w:g}"
        hours = f" ({w / 3600:.3g} h)" if 3600 <= w < float("inf") else ""
        return f"{w:g} s{hours}"

    lines = [
        f"graph      {graph_path} ({graph.n:,} nodes, {graph.m:,} arcs)",
        f"log        {actions_path}: {stats['actions']:,} actions on {stats['items']:,} items "
        f"({stats['skipped_rows']:,} rows skipped, {stats['duplicates']:,} repeats ignored)",
        f"method     {method}: {LEARN_METHODS[method]}",
        f"window     {span(result.window)} ({'learned from the log' if result.window_learned else 'given'})",
        f"evidence   {ev['exercised']:,} of {ev['arcs']:,} arcs exercised, {ev['attempts_ge_10']:,} with >= 10 "
        f"attempts; {ev['never_exercised']:,} never (prior p = {result.prior:.4g}, weight {result.prior_weight:g})",
        f"loglik     {result.loglik:,.2f}" + (f" after {result.iterations} EM iterations"
                                              + ("" if result.converged else " (not converged)")
                                              if method == "em" else ""),
    ]
    if result.validation:
        first = result.validation[0]
        lines.append(f"holdout    {first['test_items']:,} items held out, {first['train_items']:,} to train; "
                     f"window {span(first['window'])}")
        lines.append(f"  {'method':<10} {'loglik/exposure':>16} {'AUC':>7} {'exposures':>10} {'acted':>8}")
        for row in result.validation:
            lines.append(f"  {row['method']:<10} {row['loglik_per_exposure']:>16.4f} {row['auc']:>7.3f} "
                         f"{row['exposures']:>10,} {row['acted']:>8,}")
    if output is not None:
        lines.append(f"wrote      {output} (u v {'w' if model.lower() == 'lt' else 'p'})")
    else:
        lines.append("wrote      nothing (--output FILE writes the learned graph)")
    lines.append(f"runtime    {result.runtime_s:.2f} s")
    click.echo("\n".join(lines))


if __name__ == "__main__":  # pragma: no cover
    main()
