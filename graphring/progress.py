"""Progress for a person watching a run: every stage logged with its time (``-v``), and
tqdm bars on the long stages when stderr is a terminal (never in logs, pipes or tests)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

log = logging.getLogger("graphring")
T = TypeVar("T")


def bars_on() -> bool:
    """Bars only on a terminal: a redirected stderr keeps the plain log lines."""
    return sys.stderr.isatty()


def stage_done(stage: str, seconds: float, detail: str = "") -> None:
    """Log one finished stage with its wall time (shown by ``graphring -v``)."""
    log.info("stage %s: %.2f s%s", stage, seconds, f" ({detail})" if detail else "")


def bar(items: Iterable[T], total: int, desc: str) -> Iterator[T]:
    """``items`` with a progress bar on stderr when it is a terminal."""
    yield from tqdm(items, total=total, desc=desc, disable=not bars_on(), leave=False)


def stage_bar(total: int, desc: str) -> tqdm:  # type: ignore[type-arg]
    """A bar counting stages (``update(1)`` per stage), shown only on a terminal."""
    return tqdm(total=total, desc=desc, disable=not bars_on(), leave=False, unit="stage")
