"""Fixtures for the browser tests: a run folder whose ring members carry hostile names, and
a real headless Chromium (Debian's, see scripts/install-browser) with the network blocked.

A missing Chromium fails these tests; it never skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from graphring.headless import BrowserMissing, PageLog, chromium, offline_page
from graphring.pipeline import run_pipeline
from graphring.rundir.write import write_run
from graphring.sample import write_sample
from tests.browser.helpers import HOSTILE_NAMES, HostileRun


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    """The small sample (2,500 shops, seed 3) with hostile names given to four members of
    the planted 58-shop ring, run through the pipeline and written as a run folder."""
    base = tmp_path_factory.mktemp("hostile")
    info = write_sample(base / "sample", n_shops=2500, seed=3)
    truth = pd.read_csv(info.truth_dir / "groups.csv")
    ring0 = sorted(truth.loc[truth["group"] == "ring-0", "merchant_id"])
    targets = ring0[: len(HOSTILE_NAMES)]
    path = info.data_dir / "merchants.csv"
    merchants = pd.read_csv(path, dtype=str, keep_default_na=False)
    names = dict(zip(targets, HOSTILE_NAMES, strict=True))
    merchants["name"] = merchants["merchant_id"].map(names).fillna(merchants["name"])
    merchants.to_csv(path, index=False)
    result = run_pipeline(info.data_dir)
    folder = write_run(result, base / "run")
    members = result.members
    rings = members.loc[members["merchant_id"].isin(targets), "ring_id"].unique()
    assert len(rings) == 1, f"the renamed shops should share one ring, got {list(rings)}"
    return HostileRun(folder, info.data_dir, result, str(rings[0]), names)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module. Not per session: Playwright's sync API runs an event
    loop while it is open, and other modules' tests start their own."""
    try:
        with chromium() as b:
            yield b
    except BrowserMissing as e:
        pytest.fail(f"headless Chromium is needed for these tests: {e}")


@pytest.fixture
def offline(browser: Any) -> Iterator[tuple[Any, PageLog]]:
    """A page with every non-file request aborted and recorded."""
    page, log = offline_page(browser)
    yield page, log
    page.context.close()
