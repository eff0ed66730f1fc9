"""Every compiled module has a ``.pyi`` beside it that names exactly what the module holds.

The stubs are read with ``ast`` and compared with the compiled modules: the public
names (functions, classes, annotated constants), and for each function or method the
parameters (name, kind, whether it has a default) wherever Cython exposes a signature
(cyfunctions do, as ``binding=True`` is Cython 3's default; slot wrappers such as a
``cdef class``'s ``__init__`` do not, and then only the name is checked).
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import inspect
from pathlib import Path

import pytest

import seeding

PACKAGE = Path(seeding.__file__).parent
SOURCES = sorted(PACKAGE.glob("_*.pyx"))

Param = tuple[str, str, bool]  # name, kind, has a default


def _public(name: str) -> bool:
    return not name.startswith("_")


def _stub_params(fn: ast.FunctionDef) -> list[Param]:
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    params = [(arg.arg, "POSITIONAL_ONLY", i >= first_default) for i, arg in enumerate(a.posonlyargs)]
    params += [(arg.arg, "POSITIONAL_OR_KEYWORD", i >= first_default)
               for i, arg in enumerate(a.args, start=len(a.posonlyargs))]
    if a.vararg:
        params.append((a.vararg.arg, "VAR_POSITIONAL", False))
    params += [(arg.arg, "KEYWORD_ONLY", d is not None) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    if a.kwarg:
        params.append((a.kwarg.arg, "VAR_KEYWORD", False))
    return params


def _compiled_params(obj: object) -> list[Param] | None:
    """The parameters of a compiled callable, or None where Cython exposes no signature."""
    try:
        sig = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in sig.parameters.values()]
    if kinds[-2:] == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD] and len(kinds) <= 3:
        return None  # a slot wrapper's generic (self, /, *args, **kwargs)
    return [(p.name, p.kind.name, p.default is not inspect.Parameter.empty) for p in sig.parameters.values()]


def _stub_names(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    """Public functions, classes and annotated names (``NAME: int``); type aliases (``I32 = ...``) are not names."""
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and _public(node.name):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and _public(node.target.id):
            names[node.target.id] = node
    return names


def _check_function(where: str, stub: ast.FunctionDef, compiled: object) -> None:
    params = _compiled_params(compiled)
    if params is not None:
        assert _stub_params(stub) == params, f"{where}: the stub's parameters differ from the compiled ones"


def test_every_compiled_module_is_checked():
    assert {p.stem for p in SOURCES} >= {"_kernels", "_edges", "_cover", "_learn"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_stub_matches_the_compiled_module(source: Path):
    stub_path = source.with_suffix(".pyi")
    assert stub_path.is_file(), f"{source.name} has no stub: add {stub_path.name} beside it"
    module = importlib.import_module(f"seeding.{source.stem}")
    stub = _stub_names(ast.parse(stub_path.read_text(encoding="utf-8"), filename=str(stub_path)).body)
    compiled = {name for name in dir(module) if _public(name) and not inspect.ismodule(getattr(module, name))}
    assert set(stub) == compiled, (
        f"{stub_path.name} vs {module.__name__}: only in the stub {sorted(set(stub) - compiled)}, "
        f"only in the module {sorted(compiled - set(stub))}"
    )
    for name, node in stub.items():
        obj = getattr(module, name)
        if isinstance(node, ast.FunctionDef):
            _check_function(f"{module.__name__}.{name}", node, obj)
        elif isinstance(node, ast.ClassDef):
            members = _stub_names(node.body)
            held = {n for n in vars(obj) if _public(n)}
            assert set(members) == held, (
                f"{stub_path.name} class {name}: only in the stub {sorted(set(members) - held)}, "
                f"only in the module {sorted(held - set(members))}"
            )
            for member in node.body:
                if isinstance(member, ast.FunctionDef) and not any(
                    isinstance(d, ast.Name) and d.id == "property" for d in member.decorator_list
                ):
                    _check_function(f"{module.__name__}.{name}.{member.name}", member, getattr(obj, member.name))


def test_the_stubs_ship_with_the_package():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    pyproject = PACKAGE.parent / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip("an installed copy: no pyproject.toml beside the package")
    patterns = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["seeding"]
    for stub in PACKAGE.glob("_*.pyi"):
        assert any(fnmatch.fnmatch(stub.name, pattern) for pattern in patterns), f"{stub.name} is not package data"
