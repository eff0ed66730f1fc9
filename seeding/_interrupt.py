"""Ctrl-C within about a second: kernels in short chunks, solvers on a thread that can be stopped.

Python runs its SIGINT handler (which raises :class:`KeyboardInterrupt`) only
between bytecodes of the main thread, never inside a compiled call. So

* long kernel calls are split into chunks of about :data:`CHUNK_SECONDS` each
  (:func:`in_chunks`); every simulated world and every RR set depends only on
  ``(run seed, index)``, so the chunks together give exactly what one call gives;
* OR-Tools solves run on a helper thread while the main thread waits in short
  steps (:func:`solve_interruptibly`); Ctrl-C stops the solver, which returns the
  best solution it has, as at its time limit.

An interrupt absorbed by a solve is recorded in the innermost
:func:`interrupt_scope`, so the command line can finish the run with the best
selection found and still exit with status 130.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = [
    "CHUNK_SECONDS", "Abandoned", "Pace", "alongside", "in_chunks", "solve_interruptibly", "interrupt_scope",
    "absorbed", "Scope",
]

CHUNK_SECONDS = 0.2  # wall time a kernel chunk aims at: how long Ctrl-C may wait
_GROWTH = 4  # a chunk is at most this many times the previous one


class Pace:
    """How many units of some work a second took in its last timed chunk: where the next call's chunks
    start, instead of working up from ``start`` again (each call of a sampler that doubles its sample
    would otherwise begin with a run of tiny chunks, each a parallel region of its own)."""

    def __init__(self) -> None:
        self.per_second = 0.0  # 0: not measured yet


_PACE_MIN_SECONDS = 1e-3  # chunks shorter than this do not set the pace (timer noise)


def in_chunks(run: Callable[[int, int], T], first: int, count: int, *, step: int, start: int,
              pace: Pace | None = None) -> Iterator[T]:
    """Call ``run(first_index, size)`` over ``[first, first + count)`` in chunks of about CHUNK_SECONDS.

    Chunk sizes are multiples of ``step`` (the last one excepted) and start at
    ``start``, or at a chunk's worth at ``pace`` when that is known (and more);
    each next size is scaled by how long the last chunk took. Between
    chunks, Python's signal handlers run, so Ctrl-C interrupts within a chunk.
    """
    step = max(1, int(step))
    if pace is not None and pace.per_second > 0:
        start = max(int(start), int(pace.per_second * CHUNK_SECONDS))
    size = max(step, (int(start) // step) * step)
    done = 0
    while done < count:
        size = min(size, count - done)
        began = time.perf_counter()
        yield run(first + done, size)
        done += size
        elapsed = time.perf_counter() - began
        if pace is not None and elapsed >= _PACE_MIN_SECONDS:
            pace.per_second = size / elapsed
        scale = _GROWTH if elapsed <= 0 else min(_GROWTH, max(1.0 / _GROWTH, CHUNK_SECONDS / elapsed))
        size = max(step, int(size * scale) // step * step)


class Abandoned(Exception):  # noqa: N818 (not an error: nobody wants the result any more)
    """Work given up between its stages because its result is no longer wanted."""


def alongside(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work()`` on a helper thread, beside the caller (compiled loops that release the GIL run
    in parallel); returns a function that waits for its result, in short steps so that Ctrl-C gets
    through, and re-raises its error."""
    box: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # handed to the caller by result()
            box["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=target, name="seeding-alongside", daemon=True).start()

    def result() -> T:
        while not finished.wait(0.05):
            pass
        if "error" in box:
            raise box["error"]
        return box["result"]

    return result


class Scope:
    """Whether an interrupt was absorbed (a solve stopped early) within a scope."""

    def __init__(self) -> None:
        self.absorbed = False


_scopes: list[Scope] = []


@contextlib.contextmanager
def interrupt_scope() -> Iterator[Scope]:
    """Record interrupts absorbed by solves inside; an outer scope learns of them too."""
    scope = Scope()
    _scopes.append(scope)
    try:
        yield scope
    finally:
        _scopes.remove(scope)
        if scope.absorbed and _scopes:
            _scopes[-1].absorbed = True


def _absorbed() -> bool:
    return bool(_scopes) and _scopes[-1].absorbed


def absorbed() -> bool:
    """Whether a solve in the current scope was stopped by Ctrl-C (the run should end soon)."""
    return _absorbed()


def solve_interruptibly(solve: Callable[[], T], stop: Callable[[], Any], *, poll_s: float = 0.05,
                        deadline: float | None = None) -> tuple[T, bool]:
    """Run ``solve()`` on a helper thread; Ctrl-C calls ``stop()`` and waits for what ``solve`` returns.

    Returns ``(result, interrupted)``. Once an interrupt has been absorbed in the
    current :func:`interrupt_scope`, later solves are stopped at once (they still
    return what they have, e.g. a warm start). A second Ctrl-C while the solver
    winds down raises :class:`KeyboardInterrupt`. Off the main thread (where no
    signal arrives), only the deadline stops ``solve``.

    ``deadline`` (a :func:`time.perf_counter` value): from then on ``stop()`` is
    called as for Ctrl-C, but the solve does not count as interrupted. A solver's
    own time limit can run over by seconds (SCIP on two threads ran 6.1 s against a
    limit of 2.1 s on a large model; this stop ended it 0.15 s after its limit).
    """
    if deadline is None and threading.current_thread() is not threading.main_thread():
        return solve(), False
    box: dict[str, Any] = {}
    finished = threading.Event()  # not Thread.is_alive(): an interrupted join() can leave that wrong

    def target() -> None:
        try:
            box["result"] = solve()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            finished.set()

    worker = threading.Thread(target=target, name="seeding-solve", daemon=True)
    worker.start()
    interrupted = _absorbed()
    insisted = False
    while True:
        try:
            if interrupted or (deadline is not None and time.perf_counter() >= deadline):
                stop()  # again and again: a stop that came before the search began may be missed
            if finished.wait(poll_s):
                break
        except KeyboardInterrupt:
            insisted = interrupted
            interrupted = True
    worker.join()
    if interrupted and _scopes:
        _scopes[-1].absorbed = True
    if "error" in box:
        raise box["error"]
    if insisted:
        raise KeyboardInterrupt
    return box["result"], interrupted
