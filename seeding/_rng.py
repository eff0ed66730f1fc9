"""Normalisation of the ``rng`` argument (SPEC 7): None, an int or a Generator."""

from __future__ import annotations

import os
import secrets

import numpy as np

from .errors import SeedingError

RNGLike = None | int | np.random.Generator

__all__ = ["RNGLike", "as_generator", "draw_run_seed", "recordable_rng", "resolve_jobs", "max_jobs"]


RNG_DIGITS_BITS = 32  # a drawn rng has at most 10 digits: short enough to read out and type back


def recordable_rng(rng: RNGLike) -> RNGLike:
    """``rng`` itself, or for None a fresh int drawn from the OS, so a run can be recorded and repeated.

    Passing the returned value again gives the same answer (reproducible by default).

    Examples
    --------
    >>> recordable_rng(7)
    7
    >>> 0 <= recordable_rng(None) < 2**32
    True
    """
    return secrets.randbits(RNG_DIGITS_BITS) if rng is None else rng


def as_generator(rng: RNGLike) -> np.random.Generator:
    """Return a numpy Generator for ``rng`` (None: fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise SeedingError(f"rng must be None, a non-negative int or a numpy Generator; got {rng}")
        return np.random.default_rng(rng)
    raise SeedingError(
        f"rng must be None, a non-negative int or a numpy Generator; got {type(rng).__name__} {rng!r}"
    )


def draw_run_seed(rng: RNGLike) -> int:
    """Draw the 64-bit run seed from which every simulation's stream is derived."""
    return int(as_generator(rng).integers(0, 2**64, dtype=np.uint64))


def available_cores() -> int:
    """Cores this process may run on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def max_jobs() -> int:
    """The most threads a run may ask for: 4 per available core, and at least 64.

    Far more threads than cores only adds overhead, and tens of thousands exhaust
    the OpenMP runtime (errors, or a crash) before any work is done.
    """
    return max(64, 4 * available_cores())


def resolve_jobs(n_jobs: int | None) -> int:
    """Number of threads: None or -1 means all available cores."""
    cores = available_cores()
    if n_jobs is None or n_jobs == -1:
        return cores
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise SeedingError(f"n_jobs must be None, -1 or a positive integer; got {n_jobs!r}")
    if n_jobs > max_jobs():
        raise SeedingError(
            f"n_jobs must be at most {max_jobs()} (4 per core; {cores} cores here); got {n_jobs}"
        )
    return int(n_jobs)
