"""Work in other processes: the same results, and no lock inherited from this one."""

import threading

import pytest

from graphring.parallel import Background, fork_map

_HELD = threading.Lock()


def _lock_is_free() -> bool:
    """In the background process: whether ``_HELD`` can be taken (a forked copy of a held
    lock stays held for ever: nothing in the child will release it)."""
    if not _HELD.acquire(timeout=2):
        return False
    _HELD.release()
    return True


def test_background_work_does_not_inherit_a_lock_held_when_it_starts() -> None:
    with _HELD:  # as the Neo4j driver's or the progress bar's thread may hold one
        work = Background(_lock_is_free, (), processes=2)
        assert work.result()


@pytest.mark.parametrize("processes", [1, 2])
def test_background_gives_what_the_call_gives(processes: int) -> None:
    assert Background(sorted, ([3, 1, 2],), processes=processes).result() == [1, 2, 3]


def test_fork_map_keeps_the_order_of_the_items() -> None:
    assert fork_map(divmod, 7, [1, 2, 3, 4], processes=2) == [(7, 0), (3, 1), (2, 1), (1, 3)]
