"""The run folder is the same, byte for byte, whether one process writes every packet or
several forked writers each write a share of them (their run files written meanwhile)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from graphring.config import Settings
from graphring.packets import write as packet_write
from graphring.pipeline import run_pipeline
from graphring.rundir import custody
from graphring.rundir import write as run_write
from graphring.sample import SampleInfo


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: object = None) -> _Frozen:  # type: ignore[override]
        return cls(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_one_writer_or_several_write_the_same_files(
    sample: SampleInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    process_pools: list[int],
) -> None:
    monkeypatch.setattr(custody, "datetime", _Frozen)
    monkeypatch.setattr(run_write, "datetime", _Frozen)
    result = run_pipeline(sample.data_dir, Settings(workers=3))
    process_pools.clear()
    one = run_write.write_run(result, tmp_path / "one")
    assert process_pools == []  # too few rings to fork for
    monkeypatch.setattr(packet_write, "PACKETS_PER_PROCESS", 1)
    three = run_write.write_run(result, tmp_path / "three")
    assert process_pools == [3]
    a, b = _files(one), _files(three)
    assert sorted(a) == sorted(b)
    assert len([n for n in a if n.endswith("index.html")]) == len(result.rings) + 1
    assert [n for n in a if a[n] != b[n]] == []
