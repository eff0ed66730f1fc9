"""Parameter validation: the one place that checks the public API's arguments.

Modelled on scikit-learn's ``_param_validation``: every message names the
parameter, the constraint and the value that came, e.g. ``"n_simulations must
be a positive integer; got 0"``. Entry points validate once; inner calls trust
their arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import SeedingError

__all__ = ["Progress", "check_count", "check_fraction", "check_time_limit", "check_positive"]

#: A progress callback: called as ``progress(done, total)`` while long work runs; methods
#: with several phases add ``phase="sampling"`` (or "bounding", "solving") as a keyword.
Progress = Callable[..., None]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_count(value: Any, name: str, *, minimum: int = 1) -> int:
    """An integer of at least ``minimum`` (numpy integers welcome)."""
    if not _is_int(value) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise SeedingError(f"{name} must be {what}; got {value!r}", parameter=name)
    return int(value)


def check_fraction(value: Any, name: str, hint: str = "") -> float:
    """A number strictly between 0 and 1."""
    if not _is_real(value) or not 0 < value < 1:
        raise SeedingError(f"{name} must be a number in (0, 1){hint}; got {value!r}", parameter=name)
    return float(value)


def check_positive(value: Any, name: str) -> float:
    """A finite number above 0."""
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        raise SeedingError(f"{name} must be a positive number; got {value!r}", parameter=name)
    return float(value)


def check_time_limit(value: Any) -> float | None:
    """None, or a positive number of seconds."""
    if value is None:
        return None
    if not _is_real(value) or not value > 0:
        raise SeedingError(f"time_limit must be a positive number of seconds or None; got {value!r}",
                           parameter="time_limit")
    return float(value)
