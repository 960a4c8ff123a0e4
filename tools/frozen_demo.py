"""``graphring demo`` with the clock and run-id randomness held still, so that two trees'
run folders can be compared byte for byte (a refactoring must leave them the same).

    python tools/frozen_demo.py run OUT          # the demo into OUT, clock at 2026-01-02
    python tools/frozen_demo.py compare A B      # every file the same, run.json but timings

Works on any checkout: every graphring module is imported first, and each one's
``datetime`` is replaced by one whose ``now()`` is fixed.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import importlib
import json
import pkgutil
import sys
import uuid
from pathlib import Path
from typing import Any


class _Frozen(dt.datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _Frozen:
        return cls(2026, 1, 2, 3, 4, 5, tzinfo=tz)


def run(out: str) -> None:
    import graphring

    for info in pkgutil.walk_packages(graphring.__path__, "graphring."):
        if ".spark" not in info.name:
            importlib.import_module(info.name)
    for name, module in list(sys.modules.items()):
        if name.startswith("graphring") and getattr(module, "datetime", None) is dt.datetime:
            module.datetime = _Frozen  # type: ignore[attr-defined]
    uuid.uuid4 = lambda: uuid.UUID(int=42)
    from graphring.cli import main

    sys.argv = ["graphring", "demo", "--out", out]
    main()


def _different(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    out = [str(a / n) for n in cmp.left_only + cmp.right_only + cmp.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    out += [str(a / n) for n in mismatch + errors]
    for sub in cmp.common_dirs:
        out += _different(a / sub, b / sub)
    return out


def compare(a: str, b: str) -> int:
    left, right = Path(a), Path(b)
    differ = [d for d in _different(left, right) if d != str(left / "run.json")]

    def run_json(folder: Path) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        doc.pop("stage_seconds")  # how long each stage took
        return doc

    same_run = run_json(left) == run_json(right)
    files = sum(1 for p in left.rglob("*") if p.is_file())
    print(
        f"{files} files; differing: {differ or 'none'}; run.json apart from timings: "
        f"{'same' if same_run else 'DIFFERENT'}"
    )
    return 0 if not differ and same_run else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        run(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
