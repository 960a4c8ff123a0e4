"""Where a run may write: a new folder, an empty one, or a run folder graphring wrote.

``--out DIR`` is checked before a run starts and again just before the finished run takes
its place. A folder holding anything else, the data folder, a folder that contains it, a
file or a symbolic link is refused with :class:`InputError` (exit 2) and left as it was.
A run is written into a staging folder beside the target; staging and old folders left by
a run that was killed are removed by the next run into the same target.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from graphring.errors import InputError

#: ``run.json["written_by"]`` of every run folder graphring writes: what makes a folder one
#: that a later run may replace.
SIGNATURE = "graphring run folder"


def is_run_folder(folder: Path) -> bool:
    """True when ``folder`` holds a run.json with graphring's signature (not a link)."""
    doc = folder / "run.json"
    if doc.is_symlink() or not doc.is_file():
        return False
    try:
        data = json.loads(doc.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == SIGNATURE


def check_target(target: str | Path, data_dir: str | Path | None = None) -> Path:
    """The absolute path a run may write ``target`` at, or :class:`InputError` saying why not.

    Symbolic links in the parent folders are followed; the target itself must not be one.
    """
    given = str(target)
    absolute = Path(os.path.abspath(target))
    if absolute == absolute.parent:
        raise InputError("--out cannot be the root folder; nothing was touched", file=given)
    path = absolute.parent.resolve() / absolute.name
    if path.is_symlink():
        raise InputError(
            "--out is a symbolic link; graphring writes only into a real folder "
            "(give the folder itself); nothing was touched",
            file=given,
        )
    if data_dir is not None:
        data = Path(data_dir).resolve()
        if data == path or data.is_relative_to(path):
            raise InputError(
                f"--out is the data folder {data_dir} or a folder that holds it; a run never "
                "replaces its input: give another folder; nothing was touched",
                file=given,
            )
    if not path.exists():
        return path
    if not path.is_dir():
        raise InputError("--out exists and is not a folder; nothing was touched", file=given)
    if any(path.iterdir()) and not is_run_folder(path):
        raise InputError(
            "--out holds files graphring did not write (it is not a run folder: no run.json "
            "of a graphring run); give a new or empty folder, or a run folder graphring "
            "wrote; nothing was touched",
            file=given,
        )
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(parent: Path, name: str) -> list[Path]:
    """Remove the staging and old folders of ``parent/name`` whose run is gone; returns them.

    Their names carry the writing process's id (``.NAME.staging-PID-…``); a folder of a
    process still running is left alone. Links are removed, never followed.
    """
    removed = []
    for kind in ("staging", "old"):
        for entry in sorted(parent.glob(f".{name}.{kind}-*")):
            pid = entry.name[len(f".{name}.{kind}-") :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                continue
            if entry.is_symlink() or not entry.is_dir():
                entry.unlink(missing_ok=True)
            else:
                shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextlib.contextmanager
def staged_dir(target: str | Path, data_dir: str | Path | None = None) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces ``target``.

    ``target`` must pass :func:`check_target` (before and after the run): a refused target
    raises :class:`InputError` and is never touched. A failed run leaves the target as it
    was and removes its staging folder.
    """
    path = check_target(target, data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent, path.name)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.staging-{os.getpid()}-", dir=path.parent))
    try:
        yield stage
        path = check_target(target, data_dir)  # the target may have changed meanwhile
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.old-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        path.rename(old)
    stage.rename(path)
    if old is not None:
        # rmtree removes links inside the old run folder, never what they point at
        shutil.rmtree(old, ignore_errors=True)
