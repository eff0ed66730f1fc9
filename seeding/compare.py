"""Solver comparison runs: run methods on instances, evaluate all alike, tabulate and plot.

Every chosen seed set of an instance is evaluated by the same Monte-Carlo
estimator with the same simulated worlds (common random numbers), so the
differences between methods are differences between seed sets, not noise of
separate estimates.
"""

from __future__ import annotations

import csv
import dataclasses
import io as _io
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._interrupt import interrupt_scope
from ._rng import RNGLike, as_generator, recordable_rng, resolve_jobs
from ._validation import Progress, check_count
from .algorithms import METHODS, maximize_influence
from .algorithms.budgeted import BUDGET_METHODS, select_seeds
from .algorithms.registry import method_name, route_options
from .algorithms.registry import method_options as options_of
from .costs import resolve_costs
from .errors import OptionError, SeedingError, SeedingWarning
from .graph import Graph, as_graph
from .instance import Instance, instance_for, unique_names
from .io import labels_for, names_of, to_json, write_text
from .models import with_probability
from .results import SeedSet, runtime_phases
from .spread import SpreadEstimate, simulate

__all__ = ["Comparison", "compare", "run_instance", "parse_methods"]

RESULT_FILES = ("results.csv", "results.json", "report.md")

#: The columns of results.csv: a row of results.json, flat (``spread.mean`` is ``spread``, ``spread.ci95``
#: ``ci_low`` and ``ci_high``, ``timings_s.choose`` ``choose_s``, ...).
COLUMNS = [
    "instance", "method", "k", "budget", "spread", "ci_low", "ci_high", "stderr", "samples",
    "choose_s", "evaluate_s", "total_s", "cost", "status", "gap", "upper_bound", "lower_bound", "approx_ratio",
    "n_seeds", "seeds", "seed_names", "eval_rng", "note",
]


def run_instance(
    instance: Instance,
    *,
    method: str | None = None,
    graph: Any = None,
    probability: str | None = None,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    strict: bool = True,
    **options: Any,
) -> SeedSet:
    """Solve one instance: budgeted when it has costs and a budget, else with its ``k``.

    Parameters
    ----------
    instance : Instance
        See :func:`seeding.load_instance`; :meth:`Instance.override` changes
        its fields as command-line options do.
    method : str, optional
        A k-seed method (:data:`seeding.METHODS`) or a budgeted one
        (:data:`seeding.BUDGET_METHODS`) [default: ``"mip"`` for a budgeted
        run, else ``"opim-c"``]. A k-run with must-seed nodes, groups or quotas
        runs through the budgeted machinery (a budget of ``k`` unit costs); a
        k-method that cannot honour them runs without them and warns.
    graph : Graph or networkx graph, optional
        The instance's graph, already read (default: read ``instance.graph``).
    probability : str, optional
        A probability setting (see :func:`seeding.with_probability`) in place of
        the instance's.
    rng : None, int or numpy.random.Generator
    n_jobs : int, optional
    strict : bool, default True
        An option that the method does not take is an
        :class:`~seeding.OptionError`. False leaves it out, so that one set of
        options serves several methods and inputs (see
        :func:`seeding.algorithms.registry.route_options`).
    **options
        Method options (``eps``, ``n_simulations``, ``time_limit``,
        ``target_ratio``, ``max_memory``, ``n_evaluation``, ``progress``,
        ``client``, ...), and for budgeted runs ``default_cost`` in place of
        the instance's.

    Examples
    --------
    >>> from seeding.instance import Instance
    >>> from pathlib import Path
    >>> inst = Instance(path=None, graph=Path("instances/karate-club.txt"), k=2)
    >>> run_instance(inst, rng=1, n_evaluation=1000).seeds
    [33, 0]
    """
    if probability is not None:
        instance = instance.replace(probability=probability)
    if graph is None:
        graph = instance.load_graph(rng=rng)
    elif probability is not None or not isinstance(graph, Graph):
        graph = with_probability(graph, instance.probability, rng=rng)
    if (instance.costs is None) != (instance.budget is None):
        raise SeedingError(f"{instance.name}: a budgeted run needs both costs and a budget")
    _check_max_seeds(instance.max_seeds)
    names = instance.names()  # must/never may name nodes by the names of the labels file
    must, never = labels_for(instance.must, names), labels_for(instance.never, names)
    if instance.budgeted:
        method = method or "mip"
        options = route_options(method, options, budgeted=True, strict=strict)
        default_cost = options.pop("default_cost", None)
        extra = [("uniform", instance.max_seeds)] if instance.max_seeds is not None else None
        return select_seeds(
            graph, instance.budget, instance.costs, method=method, model=instance.model,
            must=must, never=never, groups=instance.groups, quotas=list(instance.quotas), extra_budgets=extra,
            default_cost=instance.default_cost if default_cost is None else default_cost,
            rng=rng, n_jobs=n_jobs, **options,
        )
    if instance.k is None:
        raise SeedingError(f"{instance.name}: give k (-k K), or costs and a budget (--costs, --budget)")
    constrained = [key for key in ("must", "groups", "quotas") if getattr(instance, key)]
    k = instance.k if instance.max_seeds is None else min(instance.k, instance.max_seeds)
    method = method or ("mip" if constrained else "opim-c")
    if strict and options.get("default_cost") is not None:
        raise OptionError(method, "default_cost", budget_only=True)
    options.pop("default_cost", None)
    if constrained and method in BUDGET_METHODS:
        # k seeds under must-seed lists and quotas: the budgeted machinery, every node costing 1.
        result = select_seeds(
            graph, float(k), "uniform", method=method, model=instance.model, must=must, never=never,
            groups=instance.groups, quotas=list(instance.quotas), rng=rng, n_jobs=n_jobs,
            **route_options(method, options, budgeted=True, strict=strict),
        )
        result.details["k_run"] = f"k = {k} seeds with {', '.join(constrained)}: a budget of {k} unit costs"
        return result
    if constrained:
        warnings.warn(f"{instance.name}: method {method} cannot honour {', '.join(constrained)}; they are ignored "
                      "(the budgeted methods, e.g. mip, honour them)", SeedingWarning, stacklevel=2)
    options = route_options(method, options, strict=strict)
    if never:
        options["exclude"] = never
    return maximize_influence(graph, k, method=method, model=instance.model, rng=rng, n_jobs=n_jobs, **options)


def _check_max_seeds(max_seeds: Any) -> None:
    if max_seeds is None:
        return
    check_count(max_seeds, "max_seeds")


def _instances(instances: Sequence[Any] | Mapping[str, Any]) -> tuple[list[Instance], list[str]]:
    """Instances and their labels, from files, :class:`Instance` objects and graphs in memory."""
    if isinstance(instances, (str, os.PathLike)):
        instances = [instances]
    names = [str(name) for name in instances] if isinstance(instances, Mapping) else None
    items = list(instances.values()) if isinstance(instances, Mapping) else list(instances)
    if not items:
        raise SeedingError("give at least one instance or graph file")
    loaded = []
    for item in items:
        if isinstance(item, Instance):
            loaded.append(item)
        elif isinstance(item, (str, os.PathLike)):
            loaded.append(instance_for(item))
        else:  # a graph in memory; as_graph says what else it could have been
            loaded.append(Instance(path=None, graph=item if isinstance(item, Graph) else _networkx(item)))
    if names is None:
        names = unique_names([inst.source for inst in loaded])  # two g.txt files: a-g and b-g
    elif len(set(names)) < len(names):
        raise SeedingError("instance names must be distinct")
    return loaded, names


def _networkx(item: Any) -> Any:
    as_graph(item)  # a networkx graph, or an error that says what was expected
    return item


def method_name_of(method: str) -> str:
    """A k-method's registry name (``celfpp`` -> ``celf++``), or a budgeted method's."""
    return method if method in BUDGET_METHODS else method_name(method)


def _check_method_options(method: str, options: Mapping[str, Any]) -> None:
    """Options given for one method must be ones it takes, for k or under a budget."""
    takes = set()
    if method in METHODS:
        takes |= options_of(method)
    if method in BUDGET_METHODS:
        takes |= options_of(method, budgeted=True)
    for name in options:
        if name not in takes and name != "progress":
            raise OptionError(method, name)


def parse_methods(methods: str | Sequence[str]) -> list[str]:
    """Validate method names (comma-separated or a list) before any long work starts."""
    names = [m.strip() for m in methods.split(",")] if isinstance(methods, str) else list(methods)
    names = [n for n in names if n]
    known = [*METHODS, *BUDGET_METHODS]
    for name in names:
        if name not in known:
            raise SeedingError(f"unknown method {name!r}; choose from {', '.join(known)}")
    if not names:
        raise SeedingError("give at least one method")
    return names


def _plan(inst: Instance, name: str, methods: list[str], ks: Sequence[int] | None,
          budgets: Sequence[float] | None):
    """(method, k, budget) runs for an instance called ``name``, and notes on methods that do not fit."""
    runs, notes = [], []
    k_values = list(ks) if ks else ([inst.k] if inst.k is not None else [])
    b_values = list(budgets) if budgets else ([inst.budget] if inst.budget is not None else [])
    budgeted = inst.costs is not None and bool(b_values)
    for method in methods:
        # degree and PageRank run both ways: for each k, and under each budget (best score per cost)
        by_k = method in METHODS and bool(k_values)
        by_budget = method in BUDGET_METHODS and budgeted
        if not by_k and not by_budget:
            need = "costs and a budget" if method not in METHODS else "k (-k or k = ... in the instance)"
            notes.append(f"{method} skipped on {name}: it needs {need}")
            continue
        runs += [(method, int(k), None) for k in k_values] if by_k else []
        runs += [(method, None, float(b)) for b in b_values] if by_budget else []
    return runs, notes


@dataclasses.dataclass(frozen=True)
class Comparison:
    """What :func:`compare` returns: one row per run, and the notes (methods skipped, interruptions)."""

    rows: list[dict[str, Any]]
    notes: list[str]
    rng: Any = None  # the rng the comparison ran with (drawn when none was given): pass it again to repeat it

    def to_dict(self) -> dict[str, Any]:
        return {"rng": self.rng if isinstance(self.rng, int) else None, "rows": self.rows, "notes": self.notes}


def compare(
    instances: Sequence[Any] | Mapping[str, Any],
    methods: str | Sequence[str],
    *,
    ks: Sequence[int] | None = None,
    budgets: Sequence[float] | None = None,
    probability: str | None = None,
    n_simulations: int = 10_000,
    rng: RNGLike = None,
    n_jobs: int | None = None,
    output_dir: str | os.PathLike | None = None,
    options: Mapping[str, Any] | None = None,
    method_options: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Run several methods on several instances and evaluate every seed set alike.

    Parameters
    ----------
    instances : sequence or mapping
        Instance files (``.toml``), graph files, :class:`Instance` objects, or
        graphs in memory (:class:`~seeding.Graph`, networkx graphs), named
        after their files (a graph in memory: ``graph``); a mapping gives the
        names, e.g. ``{"karate": nx.karate_club_graph()}``.
    methods : comma-separated names or a list; k-methods (``opim-c``, ``celf``,
        ``degree``, ...) run for each ``k``, budgeted ones (``mip``, ``cp-sat``,
        ``cost-celf``) for each budget, and ``degree`` and ``pagerank`` both
        ways; a method that does not fit an instance is skipped with a note.
    ks, budgets : sequences, optional
        Override the instance's ``k`` / ``budget``.
    probability : str, optional
        A probability setting for every instance (see
        :func:`seeding.with_probability`), in place of the instances' own.
    n_simulations : int, default 10000
        Simulations of the common evaluation.
    rng : None, int or numpy.random.Generator
        None draws an int, recorded as ``Comparison.rng`` and in ``results.json``:
        passing it again repeats the comparison.
    n_jobs : int, optional
    output_dir : path, optional
        Where to write ``results.csv``, ``results.json``, ``report.md`` and PNG
        plots. Files are replaced atomically after every run, so an interrupted
        comparison keeps the rows it finished; one interrupted before its first
        run leaves the files of an earlier comparison untouched. Instances of the
        same name (``a/g.txt``, ``b/g.txt``) get distinct labels (``a-g``, ``b-g``).
    options : mapping, optional
        Options for every method that takes them, e.g. ``{"time_limit": 10,
        "eps": 0.1, "n_simulations": 1000}``: ``n_simulations`` goes to the
        Monte-Carlo methods (greedy, CELF, ``cost-celf-mc``), ``eps`` to the RIS
        and budgeted ones, ``time_limit`` to those that take a time limit (see
        :func:`seeding.algorithms.registry.route_options`); the others ignore them.
    method_options : mapping, optional
        Options for one method, over ``options``, e.g. ``{"celf": {"n_simulations": 1000}}``;
        an option that the method takes in neither of its runs (for ``k``, under
        a budget) is an :class:`~seeding.OptionError`.
    progress : callable(done, total, phase=...), optional
        Called as each run starts and as it ends, with the runs done so far and
        ``phase`` naming the run (``"karate-club: opim-c, k = 2"``).

    Returns
    -------
    Comparison
        ``rows``: one dict per run, as ``results.json`` holds them (the spread
        estimate of the common evaluation under ``spread``, in the shape of every
        estimate; ``runtime_s`` the seconds to choose, ``timings_s`` by phase; see
        ``seeding/schemas/result.schema.json``);
        ``notes``: methods skipped and why.

    Examples
    --------
    >>> result = compare(["instances/karate-club.toml"], "degree,opim-c", ks=[2], n_simulations=500, rng=1)
    >>> [(r["method"], r["k"], r["budget"]) for r in result.rows]  # degree: for k, and under the budget
    [('degree', 2, None), ('degree', None, 10.0), ('opim-c', 2, None)]
    """
    names = parse_methods(methods)
    shared = dict(options or {})
    per_method = {method_name_of(m): dict(o) for m, o in (method_options or {}).items()}
    for method, opts in per_method.items():
        _check_method_options(method, opts)
    out = Path(output_dir) if output_dir is not None else None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise SeedingError(f"output directory {str(out)!r} is a file")
        out.mkdir(parents=True, exist_ok=True)
    n_simulations = check_count(n_simulations, "n_simulations")
    loaded, labels = _instances(instances)
    if probability is not None:
        loaded = [inst.replace(probability=probability) for inst in loaded]
    plans = [_plan(inst, label, names, ks, budgets) for inst, label in zip(loaded, labels, strict=True)]
    total = sum(len(runs) for runs, _ in plans)
    if total == 0:
        raise SeedingError("no method fits these instances: " + "; ".join(n for _, notes in plans for n in notes))
    rng = recordable_rng(rng)
    gen = as_generator(rng)
    threads = resolve_jobs(n_jobs)
    recorded = rng if isinstance(rng, int) else None
    rows: list[dict[str, Any]] = []
    notes = [n for _, ns in plans for n in ns]
    done = 0
    warned: set[str] = set()
    try:
        for inst, label, (runs, _) in zip(loaded, labels, plans, strict=True):
            method_rng, eval_rng = (int(x) for x in gen.integers(0, 2**63, size=2))
            graph = inst.load_graph(rng=method_rng)
            seed_names = inst.names()
            # k-runs are priced too where the instance has costs, so that every run has a place on the spend plot
            default_cost = inst.default_cost if shared.get("default_cost") is None else shared["default_cost"]
            prices = None if inst.costs is None else resolve_costs(graph, inst.costs, default_cost=default_cost)
            for method, k, budget in runs:
                opts = {"n_evaluation": 1000, **shared, **per_method.get(method, {})}  # the common evaluation
                # below is what counts; a k-run even where the instance also has a budget
                variant = inst.override(k=k) if k is not None else inst.override(budget=budget)
                what = f"{label}: {method}, " + (f"k = {k}" if k is not None else f"budget {budget:g}")
                if progress:
                    progress(done, total, phase=what)
                start = time.perf_counter()
                with interrupt_scope() as scope, warnings.catch_warnings(record=True) as caught:
                    # Ctrl-C in a solve: this row with the best found, then stop
                    warnings.simplefilter("always")
                    result = run_instance(variant, method=method, graph=graph, rng=method_rng, n_jobs=threads,
                                          strict=False, **opts)
                said = [str(w.message) for w in caught]
                for w in caught:  # in the row's note, and once per comparison (not once per k)
                    if str(w.message) not in warned:
                        warned.add(str(w.message))
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                samples = simulate(graph, result.seeds, model=inst.model, n_simulations=n_simulations,
                                   rng=eval_rng, n_jobs=threads)
                est = SpreadEstimate.from_samples(samples, inst.model)
                elapsed = time.perf_counter() - start
                rows.append({
                    "instance": label, "method": method, "k": k, "budget": budget, "n_seeds": result.k,
                    "seeds": result.seeds,
                    **({"seed_names": names_of(result.seeds, seed_names)} if seed_names else {}),
                    "spread": est.to_dict(),
                    "cost": result.cost if budget is not None or prices is None else _price(graph, prices, result),
                    "status": result.status, "gap": result.gap,
                    "upper_bound": result.upper_bound, "lower_bound": result.lower_bound,
                    "approx_ratio": result.approx_ratio, "runtime_s": result.runtime_s,
                    "timings_s": runtime_phases(result.runtime_s, elapsed),
                    "eval_rng": eval_rng, "note": "; ".join([*said, *filter(None, [_note(result)])]),
                })
                done += 1
                if out is not None:
                    write_outputs(rows, notes, out, plots=False, rng=recorded)
                if progress:
                    progress(done, total, phase=what)
                if scope.absorbed:
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        notes.append(f"interrupted after {done} of {total} runs")
        if out is not None and rows:  # with no new row, earlier results stay as they were
            write_outputs(rows, notes, out, plots=True, rng=recorded)
        raise
    if out is not None:
        write_outputs(rows, notes, out, plots=True, rng=recorded)
    return Comparison(rows, notes, rng)


def _price(graph: Graph, prices: np.ndarray, result: SeedSet) -> float:
    """What the seeds of a k-run cost at the instance's prices."""
    return float(prices[graph.index_of(result.seeds)].sum()) if result.seeds else 0.0


def _note(result: SeedSet) -> str:
    """What a row should say besides its numbers: a k-run under constraints, a guarantee not reached."""
    return "; ".join(str(result.details[key]) for key in ("k_run", "guarantee") if result.details.get(key))


# ------------------------------------------------------------------------------ outputs
def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of results.json as a row of results.csv (see ``COLUMNS``)."""
    spread, runtime = row["spread"], row["timings_s"]
    flat = {key: value for key, value in row.items() if key not in ("spread", "runtime_s", "timings_s")}
    flat.update(spread=spread["mean"], ci_low=spread["ci95"][0], ci_high=spread["ci95"][1],
                stderr=spread["stderr"], samples=spread["samples"], choose_s=runtime.get("choose"),
                evaluate_s=runtime.get("evaluate"), total_s=runtime.get("total"),
                seeds=" ".join(str(s) for s in row["seeds"]))
    if "seed_names" in row:
        flat["seed_names"] = "; ".join(row["seed_names"])
    return flat


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = _io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(flat_row(row))
    return buf.getvalue()


def _mean(row: dict[str, Any]) -> float:
    return row["spread"]["mean"]


def _ci(row: dict[str, Any]) -> tuple[float, float]:
    low, high = row["spread"]["ci95"]
    return low, high


def _sweep(row: dict[str, Any]) -> tuple[str, float]:
    return ("k", row["k"]) if row["k"] is not None else ("budget", row["budget"])


def report_markdown(rows: list[dict[str, Any]], notes: list[str]) -> str:
    """Markdown tables: spread (95% CI half-width) per method, best per row in bold; runtimes."""
    lines = ["# Comparison report", "",
             "Spreads: one common Monte-Carlo evaluation per instance (the same simulated worlds for every "
             "method). **Bold**: the best mean in the row.", ""]
    for inst in dict.fromkeys(r["instance"] for r in rows):
        sub = [r for r in rows if r["instance"] == inst]
        for kind in ("k", "budget"):
            part = [r for r in sub if _sweep(r)[0] == kind]
            if not part:
                continue
            methods = list(dict.fromkeys(r["method"] for r in part))
            values = sorted({_sweep(r)[1] for r in part})
            lines += [f"## {inst}: spread by {kind}", "",
                      f"| {kind} | " + " | ".join(methods) + " |",
                      "|---" * (len(methods) + 1) + "|"]
            for v in values:
                cells = {r["method"]: r for r in part if _sweep(r)[1] == v}
                best = max(_mean(r) for r in cells.values())
                row = []
                for m in methods:
                    r = cells.get(m)
                    if r is None:
                        row.append("-")
                        continue
                    text = f"{_mean(r):.1f} ± {_ci(r)[1] - _mean(r):.1f}"
                    row.append(f"**{text}**" if _mean(r) == best else text)
                lines.append(f"| {v:g} | " + " | ".join(row) + " |")
            lines += ["", f"Runtime to choose (s), {inst}:", "",
                      f"| {kind} | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
            for v in values:
                cells = {r["method"]: r for r in part if _sweep(r)[1] == v}
                lines.append(f"| {v:g} | " + " | ".join(
                    f"{cells[m]['runtime_s']:.3g}" if m in cells else "-" for m in methods) + " |")
            if any(r.get("cost") is not None for r in part):
                what = "What the seeds cost" if kind == "k" else "Spent"
                lines += ["", f"{what}, {inst} (`plot-{inst}-spend.png` draws every run at its cost):", "",
                          f"| {kind} | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
                for v in values:
                    cells = {r["method"]: r for r in part if _sweep(r)[1] == v}
                    lines.append(f"| {v:g} | " + " | ".join(
                        f"{cells[m]['cost']:.4g}" if m in cells and cells[m].get("cost") is not None else "-"
                        for m in methods) + " |")
            lines.append("")
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def plot_instance(rows: list[dict[str, Any]], path_prefix: Path) -> list[Path]:
    """Two PNGs per sweep kind: spread with 95% CI bands, and runtime on a log axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    written = []
    for kind in ("k", "budget"):
        part = [r for r in rows if _sweep(r)[0] == kind]
        if not part:
            continue
        methods = list(dict.fromkeys(r["method"] for r in part))
        inst = part[0]["instance"]
        xlabel = "seeds k" if kind == "k" else "budget (cost units)"
        fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
        xs = [_sweep(r)[1] for r in part]
        span = (max(xs) - min(xs)) or max(abs(max(xs)), 1.0)
        for i, m in enumerate(methods):
            pts = sorted((r for r in part if r["method"] == m), key=lambda r: _sweep(r)[1])
            # Methods that tie would hide each other: each gets its own marker and a small offset,
            # and error bars show the CI even where a band would be too thin to see.
            shift = (i - (len(methods) - 1) / 2) * 0.012 * span
            x = np.array([_sweep(r)[1] for r in pts], dtype=float) + shift
            y = np.array([_mean(r) for r in pts])
            low, high = np.array([_ci(r)[0] for r in pts]), np.array([_ci(r)[1] for r in pts])
            line = ax.errorbar(x, y, yerr=[np.maximum(y - low, 0), np.maximum(high - y, 0)], label=m,
                               marker=_MARKERS[i % len(_MARKERS)], markersize=6, capsize=3, linewidth=1.4)
            ax.fill_between(x, low, high, alpha=0.12, color=line[0].get_color())
        ax.set_xlabel(xlabel)
        if kind == "k":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("expected spread (nodes reached)")
        ax.set_title(f"{inst}: spread by {kind} (95% CI; methods offset slightly to stay apart)")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        spread_png = path_prefix.with_name(f"{path_prefix.name}-{inst}-{kind}-spread.png")
        _save(fig, spread_png)
        written.append(spread_png)

        fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
        values = sorted({_sweep(r)[1] for r in part})
        width = 0.8 / max(len(values), 1)
        for i, v in enumerate(values):
            times = [next((r["runtime_s"] for r in part if r["method"] == m and _sweep(r)[1] == v),
                          np.nan) for m in methods]
            ax.bar(np.arange(len(methods)) + (i - (len(values) - 1) / 2) * width,
                   np.maximum(times, 1e-4), width, label=f"{kind} = {v:g}")
        ax.set_yscale("log")
        ax.set_xticks(np.arange(len(methods)), methods, rotation=20, ha="right")
        ax.set_ylabel("time to choose seeds (s, log scale)")
        ax.set_title(f"{inst}: runtime per method")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        runtime_png = path_prefix.with_name(f"{path_prefix.name}-{inst}-{kind}-runtime.png")
        _save(fig, runtime_png)
        written.append(runtime_png)
        plt.close("all")
    return written


def plot_spend(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """One PNG where every run of an instance appears at its cost: spread (95% CI) against money spent.

    Runs under a budget are drawn at what they spent (filled markers, solid
    lines; the budgets are dotted verticals), k-runs at what their seeds cost
    (hollow markers, dashed lines), each method in one colour. Nothing is drawn
    when no run has a cost (an instance without costs).
    """
    priced = [r for r in rows if r.get("cost") is not None]
    if not priced:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(dict.fromkeys(r["method"] for r in priced))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    series = []  # (method, kind): runs under a budget first, then k-runs, in the order of the methods
    for kind in ("budget", "k"):
        series += [(m, kind) for m in methods if any(r["method"] == m and _sweep(r)[0] == kind for r in priced)]
    sizes = []  # large to small within each kind
    for kind in ("budget", "k"):
        count = sum(1 for _, k in series if k == kind)
        sizes += [10.0 - 4.5 * j / max(count - 1, 1) for j in range(count)]
    costs = [r["cost"] for r in priced]
    span = (max(costs) - min(costs)) or max(max(costs), 1.0)
    fig, ax = plt.subplots(figsize=(9.6, 5.4), dpi=110)
    budgets = sorted({r["budget"] for r in priced if r["budget"] is not None})
    for b in budgets:
        ax.axvline(b, color="0.55", linestyle=":", linewidth=1.2, zorder=0)
    for i, (method, kind) in enumerate(series):
        pts = sorted((r for r in priced if r["method"] == method and _sweep(r)[0] == kind),
                     key=lambda r: (r["cost"], _sweep(r)[1]))
        # Runs that spend the same and reach the same stay apart: a small offset, and markers
        # from large to small, so that coinciding runs show as nested shapes.
        shift = (i - (len(series) - 1) / 2) * 0.008 * span
        x = np.array([r["cost"] for r in pts], dtype=float) + shift
        y = np.array([_mean(r) for r in pts])
        low, high = np.array([_ci(r)[0] for r in pts]), np.array([_ci(r)[1] for r in pts])
        colour = colours[methods.index(method) % len(colours)]
        if kind == "budget":
            label = f"{method} per cost" if method in METHODS else method
        else:
            label = f"{method}, k = {', '.join(f'{_sweep(r)[1]:g}' for r in sorted(pts, key=_sweep_value))}"
        ax.errorbar(x, y, yerr=[np.maximum(y - low, 0), np.maximum(high - y, 0)], label=label, color=colour,
                    marker=_MARKERS[methods.index(method) % len(_MARKERS)], markersize=sizes[i], capsize=3,
                    linewidth=1.6 if kind == "budget" else 1.2, linestyle="-" if kind == "budget" else "--",
                    markerfacecolor=colour if kind == "budget" else "white", markeredgewidth=1.4)
    if budgets:  # named on a top axis, clear of the data and the legend
        marks = ax.secondary_xaxis("top")
        marks.set_xticks(budgets, [f"budget {b:g}" for b in budgets], fontsize="small", color="0.35")
        marks.tick_params(length=0)
    ax.set_xlabel("money spent (cost units): a budgeted run's spend, or what a k-run's seeds cost")
    ax.set_ylabel("expected spread (nodes reached)")
    ax.set_title(f"{priced[0]['instance']}: spread for the money (95% CI)", pad=18 if budgets else 6)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False,
              title="filled: within a budget\nhollow: k seeds", title_fontsize="small", alignment="left")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
    return path


def _sweep_value(row: dict[str, Any]) -> float:
    return _sweep(row)[1]


def _save(fig: Any, path: Path) -> None:
    """Save a figure atomically; a failure or an interrupt leaves no temporary file."""
    tmp = path.with_name(f".{path.name}.tmp.png")
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_outputs(rows: list[dict[str, Any]], notes: list[str], out: Path, *, plots: bool,
                  rng: int | None = None) -> None:
    """Write results.csv, results.json and report.md (and the plots) into ``out``, atomically."""
    write_text(out / "results.csv", _csv(rows))
    write_text(out / "results.json", to_json({"rng": rng, "rows": rows, "notes": notes}) + "\n")
    write_text(out / "report.md", report_markdown(rows, notes))
    if plots and rows:
        for inst in dict.fromkeys(r["instance"] for r in rows):
            part = [r for r in rows if r["instance"] == inst]
            plot_instance(part, out / "plot")
            plot_spend(part, out / f"plot-{inst}-spend.png")
