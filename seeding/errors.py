"""The exception family of `seeding`.

Every error caused by the caller's input subclasses :class:`ValueError`, so code
that already catches ``ValueError`` keeps working; the CLI turns any
:class:`SeedingError` into a one-line message and exit status 2.
"""

from __future__ import annotations

__all__ = ["SeedingError", "GraphFormatError", "InfeasibleError", "ClusterError", "SeedingWarning"]


class SeedingError(ValueError):
    """Invalid input to a `seeding` function (a parameter, a label, a file)."""


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
