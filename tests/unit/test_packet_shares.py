"""Packet writers' shares: every ring once, balanced by size; and a share's packets, its
tables cut by the writer itself, equal those written with every ring's tables at once."""

from __future__ import annotations

import filecmp
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphring.config import Settings
from graphring.packets.share import RingRows, run_rows, shares
from graphring.packets.write import _PacketSources
from graphring.pipeline import run_pipeline
from graphring.rundir.custody import custody, sha256_file
from graphring.rundir.write import ring_documents
from graphring.sample import SampleInfo


def _docs(sizes: list[int]) -> list[dict[str, Any]]:
    return [
        {"ring_id": f"R-{i}", "members": ["m"] * n, "associates": [], "shared_identifiers": []}
        for i, n in enumerate(sizes)
    ]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("processes", [1, 2, 3])
def test_shares_take_every_ring_once_and_balance_the_work(seed: int, processes: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = sorted(rng.integers(3, 200, int(rng.integers(1, 60))).tolist(), reverse=True)
    docs = _docs(sizes)
    taken = shares(docs, processes)
    assert len(taken) == processes
    assert sorted(i for share in taken for i in share) == list(range(len(docs)))
    assert all(share == sorted(share) for share in taken)
    if len(docs) >= processes:
        work = [sum(10 + sizes[i] for i in share) for share in taken]
        # each ring went to the least loaded writer: no two differ by more than a ring
        assert max(work) - min(work) <= 10 + max(sizes)


class _Whole(RingRows):
    """The run's rows never cut: the packets draw on the whole tables, as before writers
    cut them."""

    def of(self, ring_ids: Any) -> RingRows:
        return self


def test_a_shares_packets_equal_those_of_every_ring_at_once(
    sample: SampleInfo, tmp_path: Path
) -> None:
    result = run_pipeline(sample.data_dir, Settings())
    docs = ring_documents(result)
    chain = custody(result)
    whole = _PacketSources(result, chain, rows=_Whole(**vars(run_rows(result))))
    (tmp_path / "whole").mkdir()
    (tmp_path / "shares").mkdir()
    for doc in docs:
        whole.write(doc, tmp_path / "whole")
    # three shares, as three forked writers would take them
    rows = run_rows(result).of([doc["ring_id"] for doc in docs])
    taken = shares(docs, 3)
    assert all(taken)
    seals = {}
    for share in taken:
        mine = _PacketSources(result, chain, [docs[i]["ring_id"] for i in share], rows)
        for i in share:
            seals[docs[i]["ring_id"]] = mine.write(docs[i], tmp_path / "shares")
    rings = sorted(d["ring_id"] for d in docs)
    assert sorted(p.name for p in (tmp_path / "shares").iterdir()) == rings
    for rid in rings:
        names = sorted(p.name for p in (tmp_path / "whole" / rid).iterdir())
        assert len(names) == 8
        same, differ, missing = filecmp.cmpfiles(
            tmp_path / "whole" / rid, tmp_path / "shares" / rid, names, shallow=False
        )
        assert (same, differ, missing) == (names, [], []), rid
        # the seal a writer gives is the one read back from the packet
        assert seals[rid] == sha256_file(tmp_path / "shares" / rid / "SHA256SUMS")


@pytest.mark.parametrize("seed", range(8))
def test_rows_of_some_shops_found_by_bisection_equal_those_found_by_lookup(seed: int) -> None:
    import pandas as pd

    from graphring.packets.share import _of_shops

    rng = np.random.default_rng(seed)
    names = np.array([f"M{i:03d}" for i in range(40)] + ["é", "m1", ""], dtype=object)
    ids = rng.choice(names, int(rng.integers(0, 3000)))
    if seed % 2 == 0:
        ids = np.sort(ids)  # sorted by shop, as the holdings are
    if seed == 6 and len(ids):
        ids[len(ids) // 2] = None  # not all text
    frame = pd.DataFrame(
        {"merchant_id": ids, "n": np.arange(len(ids))}, index=3 * np.arange(len(ids))
    )
    shops = pd.Index(rng.choice(names, int(rng.integers(0, 4))), dtype=object).unique()
    want = frame.loc[frame["merchant_id"].isin(shops)]
    pd.testing.assert_frame_equal(_of_shops(frame, shops), want)


def test_two_tables_of_the_same_shops_cut_once_equal_each_cut_alone() -> None:
    import pandas as pd

    from graphring.packets.share import _of_shops, _of_shops_both

    ids = np.array([f"M{i}" for i in range(50)], dtype=object)
    first = pd.DataFrame({"merchant_id": ids, "risk": np.arange(50.0)})
    second = pd.DataFrame({"merchant_id": ids, "name": ids + "!"}, index=np.arange(50) + 7)
    shops = pd.Index(["M3", "M40", "M99"], dtype=object)
    for other in (second, second.iloc[::-1], second.iloc[1:]):
        a, b = _of_shops_both(first, other, shops)
        pd.testing.assert_frame_equal(a, _of_shops(first, shops))
        pd.testing.assert_frame_equal(b, _of_shops(other, shops))
