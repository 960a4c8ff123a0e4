"""Work spread over forked processes, with results as if done in this one.

Forking (not spawning) lets the workers see big inputs without copying them through
pickles: only the items and the results cross. Where ``fork`` is not available, or one
process is asked for, the work runs here, in order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SHARED: tuple[Callable[[Any, Any], Any], Any] | None = None


def fork_map(fn: Callable[[Any, T], R], shared: Any, items: Sequence[T], processes: int) -> list[R]:
    """``[fn(shared, item) for item in items]``, over up to ``processes`` forked processes.

    ``fn`` and ``shared`` reach the workers by fork; each item and result is pickled.

    >>> fork_map(lambda base, x: base + x, 10, [1, 2, 3], processes=2)
    [11, 12, 13]
    """
    workers = min(processes, len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(shared, item) for item in items]
    global _SHARED
    _SHARED = (fn, shared)
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            # a few chunks per process: many small items cost a round trip each
            chunk = max(1, len(items) // (8 * workers))
            return list(pool.map(_call, items, chunksize=chunk))
    finally:
        _SHARED = None


def _call(item: Any) -> Any:
    assert _SHARED is not None, "runs in a process forked by fork_map"
    fn, shared = _SHARED
    return fn(shared, item)
