"""The exception family of `seeding`.

Every error caused by the caller's input subclasses :class:`ValueError`, so code
that already catches ``ValueError`` keeps working; the CLI turns any
:class:`SeedingError` into a one-line message and exit status 2.
"""

from __future__ import annotations

__all__ = ["SeedingError", "GraphFormatError", "InfeasibleError", "ClusterError", "OptionError", "SeedingWarning"]


class SeedingError(ValueError):
    """Invalid input to a `seeding` function (a parameter, a label, a file).

    ``parameter`` names the API parameter at fault where there is one (the
    message then starts with it), so that a front end can name its own option
    instead (the CLI says ``--simulations`` where the API says ``n_simulations``).
    """

    def __init__(self, *args: object, parameter: str | None = None):
        super().__init__(*args)
        self.parameter = parameter


class OptionError(SeedingError):
    """An option given to a method that does not take it.

    ``method`` is the method's name, ``parameter`` the option; ``budget_only``
    says that the option applies to budgeted runs (costs and a budget) only.
    """

    def __init__(self, method: str, parameter: str, *, budget_only: bool = False):
        if budget_only:
            message = f"option {parameter!r} applies to budgeted runs (costs and a budget); method {method!r} ran for k"
        else:
            message = f"method {method!r} takes no option {parameter!r}"
        super().__init__(message, parameter=parameter)
        self.method = method
        self.budget_only = budget_only


class GraphFormatError(SeedingError):
    """A graph, costs or seeds file that cannot be read.

    The message names the file and, where there is one, the line and its text.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line


class InfeasibleError(SeedingError):
    """The constraints of a selection problem cannot all be met."""


class ClusterError(SeedingError):
    """The Dask cluster given to a run cannot do its work: the scheduler is gone, or every worker.

    The message names the scheduler's address.
    """


class SeedingWarning(UserWarning):
    """A request that will work but is likely not what the user wants (e.g. hours of CELF)."""
