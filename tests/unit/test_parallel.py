"""Work in other processes: the same results, and no lock inherited from this one."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graphring.parallel import Background, fork_map, frozen_heap

ROOT = Path(__file__).resolve().parents[2]
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


def _pid_and(_: None, x: int) -> tuple[int, int]:
    return os.getpid(), x


@pytest.mark.parametrize("processes", [1, 2])
def test_fork_map_runs_meanwhile_here_once_and_keeps_the_results(processes: int) -> None:
    ran: list[int] = []
    out = fork_map(_pid_and, None, [1, 2, 3], processes, meanwhile=lambda: ran.append(os.getpid()))
    assert ran == [os.getpid()]
    assert [x for _, x in out] == [1, 2, 3]
    # with two processes the items ran in forked ones, with one here
    assert ({pid for pid, _ in out} == {os.getpid()}) == (processes == 1)


def test_fork_map_forks_one_worker_beside_work_done_here_when_asked() -> None:
    out = fork_map(_pid_and, None, [1], 1, meanwhile=lambda: None, fork_one=True)
    assert [x for _, x in out] == [1]
    assert {pid for pid, _ in out} != {os.getpid()}
    assert fork_map(_pid_and, None, [1], 1)[0][0] == os.getpid()


def test_a_script_without_a_main_guard_is_not_run_again(tmp_path: Path) -> None:
    """Spawned and forkserver processes run the parent's script again unless told not to:
    a user's script calling graphring at its top level would run twice (or fail)."""
    script = tmp_path / "job.py"
    script.write_text(
        "from graphring.parallel import Background\n"
        "print('script ran', flush=True)\n"
        "print(Background(sorted, ([3, 1, 2],), processes=2).result(), flush=True)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["script ran", "[1, 2, 3]"]


def imported(module: str) -> bool:
    """Whether ``module`` is imported in the process this runs in."""
    return module in sys.modules


@pytest.mark.parametrize("warm", [True, False])
def test_warmed_background_workers_start_with_the_modules_imported(warm: bool) -> None:
    """``warm_background`` starts the workers' forkserver at once with the modules the
    work needs, so a worker does not import them again when it is asked for (a fresh
    interpreter: the forkserver of this one may run already)."""
    code = (
        "from graphring.parallel import Background, warm_background\n"
        "from tests.unit.test_parallel import imported\n"
        f"{'' if warm else '#'}warm_background(['tabnanny'])\n"
        "print(Background(imported, ('tabnanny',), 2).result())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(warm)


class _Cycle:
    """An object in a reference cycle: only the garbage collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_objects_held_while_workers_fork_are_collected_after() -> None:
    import gc
    import weakref

    cycle = _Cycle()
    gone = weakref.ref(cycle)
    with frozen_heap():
        assert fork_map(divmod, 7, [1, 2], processes=2) == [(7, 0), (3, 1)]
        del cycle
        gc.collect()
        assert gone() is not None  # frozen: left alone while the workers run
    gc.collect()
    assert gone() is None
    assert gc.get_freeze_count() == 0
