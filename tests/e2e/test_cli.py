"""The command line as a user and a scheduler see it: exit statuses, files, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphring.sample import SampleInfo
from tests.conftest import run_cli as graphring
from tests.conftest import write_tables


def test_demo_runs_the_whole_job(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = graphring("demo", "--out", str(out), "--shops", "3000")
    assert proc.returncode == 0, proc.stderr
    assert "rings from 3001 shops" in proc.stdout  # and the sample's "4.8 stars" shop
    assert (out / "index.html").is_file() and (out / "sample" / "truth" / "groups.csv").is_file()
    assert any((out / "packets").iterdir())


def test_same_input_same_rings_whatever_the_hash_seed(tmp_path: Path, sample: SampleInfo) -> None:
    outs = []
    for hash_seed in ["1", "4242"]:
        out = tmp_path / f"run-{hash_seed}"
        proc = graphring(
            "detect",
            str(sample.data_dir),
            "--out",
            str(out),
            "--engine",
            "louvain",
            env={"PYTHONHASHSEED": hash_seed},
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    for name in ["rings.csv", "merchants.csv", "leads.csv", "rings.json"]:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({"addresses": "merchant_id,address\nM1,x\n"}, "merchants.csv"),
        ({"merchants": "merchant_id\nM1\n"}, "merchants.csv, column 'name'"),
        (
            {"merchants": "merchant_id,name\nM1,a\n", "shipments": "shipment_id,merchant_id\n"},
            "shipments.csv, column 'origin'",
        ),
    ],
)
def test_missing_file_or_column_exits_2_and_writes_nothing(
    tmp_path: Path, tables: dict[str, str], expected: str
) -> None:
    data = write_tables(tmp_path / "data", tables)
    out = tmp_path / "out"
    proc = graphring("detect", str(data), "--out", str(out))
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_bad_rows_are_counted_and_set_aside(tmp_path: Path) -> None:
    data = write_tables(
        tmp_path / "data",
        {
            "merchants": "merchant_id,name,monthly_orders\nM1,a,10\n,b,3\nM3,c,many\nM1,d,4\n"
            "M5,e,1\nM6,f,2\n",
            "payment_accounts": "merchant_id,account\nM1,1111\nM5,1111\nM6,1111\nM9,1111\n",
        },
    )
    out = tmp_path / "out"
    proc = graphring("detect", str(data), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "(3 rows set aside in rejects.csv, 1 bad values left empty)" in proc.stdout
    lines = (out / "rejects.csv").read_text().splitlines()
    assert lines[0] == "file,line,column,reason,value,action"
    assert lines[1:] == [
        "merchants.csv,3,merchant_id,empty merchant_id,,row set aside",
        "merchants.csv,4,monthly_orders,monthly_orders is not a number,many,value left empty",
        "merchants.csv,5,merchant_id,duplicate merchant_id (first on line 2),M1,row set aside",
        "payment_accounts.csv,5,merchant_id,unknown merchant_id,M9,row set aside",
    ]
    assert (out / "rings.csv").read_text().count("\n") == 4  # header + M1, M5, M6


def test_bad_option_exits_2(tmp_path: Path) -> None:
    proc = graphring("detect", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "x")
    assert proc.returncode == 2


def test_bad_config_file_exits_2(tmp_path: Path, sample: SampleInfo) -> None:
    cfg = tmp_path / "graphring.toml"
    cfg.write_text("resolution = -1\n")
    proc = graphring(
        "detect", str(sample.data_dir), "--out", str(tmp_path / "o"), "--config", str(cfg)
    )
    assert proc.returncode == 2 and "resolution must be positive" in proc.stderr


def test_a_marketplace_with_no_ring_still_writes_every_file(tmp_path: Path) -> None:
    data = write_tables(
        tmp_path / "data",
        {
            "merchants": "merchant_id,name\nM1,a\nM2,b\nM3,c\n",
            "payment_accounts": "merchant_id,account\nM1,1111\nM2,1111\n",
        },
    )
    out = tmp_path / "out"
    proc = graphring("detect", str(data), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "0 rings from 3 shops" in proc.stdout
    assert (out / "rings.csv").read_text() == "ring_id,merchant_id,ring_score\n"
    assert (out / "index.html").is_file() and (out / "rings.json").read_text().strip() == "[]"
