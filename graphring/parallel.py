"""Work spread over other processes, with results as if done in this one.

:func:`fork_map` forks: the workers see big inputs without copying them through pickles
(only the items and the results cross). Where ``fork`` is not available, or one process
is asked for, the work runs here, in order. :class:`Background` starts its process from
the forkserver (or spawns it) instead: it starts after the store is loaded, when the
Neo4j driver's and the progress bar's threads run, and a process forked then can inherit
a lock one of them holds and wait on it for ever.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SHARED: tuple[Callable[[Any, Any], Any], Any] | None = None


def fork_map(
    fn: Callable[[Any, T], R],
    shared: Any,
    items: Sequence[T],
    processes: int,
    meanwhile: Callable[[], object] | None = None,
    *,
    fork_one: bool = False,
) -> list[R]:
    """``[fn(shared, item) for item in items]``, over up to ``processes`` forked processes.

    ``fn`` and ``shared`` reach the workers by fork; each item and result is pickled.
    ``meanwhile`` runs in this process while the workers work (before the items, when
    they are done here). One process works here unless ``fork_one`` (``meanwhile`` has
    work of its own for this process): then one item is enough to fork for.

    >>> fork_map(lambda base, x: base + x, 10, [1, 2, 3], processes=2)
    [11, 12, 13]
    """
    workers = min(processes, len(items))
    if workers < (1 if fork_one else 2) or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        return [fn(shared, item) for item in items]
    global _SHARED
    _SHARED = (fn, shared)
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            # a few chunks per process: many small items cost a round trip each
            chunk = max(1, len(items) // (8 * workers))
            # the workers are forked when the items are handed out, before meanwhile runs
            results = pool.map(_call, items, chunksize=chunk)
            if meanwhile is not None:
                meanwhile()
            return list(results)
    finally:
        _SHARED = None


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Around :func:`fork_map`: the objects this process holds when the workers fork are
    left out of the garbage collector's passes (``gc.freeze``) until the block ends.

    A forked worker's full collections then walk only the objects it made, not every
    object of a big run again (a few tenths of a second per packet writer at 200k shops),
    and do not write to the pages it shares with this process. Objects made meanwhile are
    collected as ever; the frozen ones are collected again after the block. Where objects
    are frozen already (by the caller), nothing changes."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _call(item: Any) -> Any:
    assert _SHARED is not None, "runs in a process forked by fork_map"
    fn, shared = _SHARED
    return fn(shared, item)


class Background(Generic[R]):
    """``fn(*args)`` in another process while this one goes on; :meth:`result` waits for
    it. With one process it runs in this one, when the result is asked for, so the order of
    the work is all that changes.

    The process comes from the forkserver (a clean process started before any of ours had
    threads), else it is spawned: ``fn`` and ``args`` are pickled to it, ``fn`` must be a
    module-level function of a module other than the script being run (``__main__``, which
    the process does not run again: a script without an ``if __name__ == "__main__"`` guard
    calling graphring works as with fork).

    >>> Background(sum, ([1, 2, 3],), processes=2).result()
    6
    """

    def __init__(self, fn: Callable[..., R], args: tuple[Any, ...], processes: int) -> None:
        self._call = (fn, args)
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[R] | None = None
        if processes > 1:
            self._pool = ProcessPoolExecutor(1, mp_context=_clean_context())
            with _main_left_alone():  # the process starts at submit
                self._future = self._pool.submit(fn, *args)

    def result(self) -> R:
        if self._future is None:
            fn, args = self._call
            return fn(*args)
        assert self._pool is not None
        try:
            return self._future.result()
        finally:
            # the process exits beside this one: waiting for it to wind down (0.2 s at
            # 200k shops, its memory freed) would hold up the run
            self._pool.shutdown(wait=False)


def warm_background(modules: Sequence[str]) -> None:
    """Start the process :class:`Background` forks its workers from now, with ``modules``
    imported in it once: the imports (a second or more) are made while this process reads,
    not again in each worker when it is asked for. Nothing happens where there is no
    forkserver or where it runs already."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(list(modules))
    forkserver.ensure_running()


@contextlib.contextmanager
def _main_left_alone() -> Iterator[None]:
    """While a spawned or forkserver process starts: hide where ``__main__`` came from, so
    the process does not run the script again (multiprocessing re-runs it to find objects
    defined there; Background's work never is)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {
        k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _clean_context() -> multiprocessing.context.BaseContext:
    """Processes that inherit no thread's locks: from the forkserver, else spawned."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
