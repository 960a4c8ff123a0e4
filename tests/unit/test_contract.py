from pathlib import Path

import pandas as pd
import pytest

from graphring import contract
from graphring.contract import read_dataset
from graphring.errors import InputError
from graphring.sample import SampleInfo
from tests.conftest import write_tables

MERCHANTS = (
    "merchant_id,name,rating,opened_on,monthly_orders,tier\n"
    "M1,Shop One,4.5,2024-01-02,10,gold\nM2,Shop Two,4.9,2023-05-06,20,silver\n"
)


def test_reads_csv_with_bom_and_keeps_extra_columns(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path,
        {
            "merchants": "\ufeff"
            + MERCHANTS.replace(",tier\n", ",tier,staff\n")
            .replace("gold\n", "gold,3\n")
            .replace("silver\n", "silver,12\n")
        },
    )
    ds = read_dataset(folder)
    m = ds["merchants"]
    assert list(m["merchant_id"]) == ["M1", "M2"]
    assert m["tier"].tolist() == ["gold", "silver"]
    assert m["staff"].tolist() == [3, 12]  # numbers stay numbers
    assert m["rating"].dtype == "float64"
    assert ds.rejects.empty


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    csv_dir = write_tables(tmp_path / "csv", {"merchants": MERCHANTS})
    pq = tmp_path / "pq"
    pq.mkdir()
    pd.read_csv(csv_dir / "merchants.csv", dtype=str).to_parquet(pq / "merchants.parquet")
    a, b = read_dataset(csv_dir)["merchants"], read_dataset(pq)["merchants"]
    cols = ["merchant_id", "name", "rating", "opened_on", "monthly_orders"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_missing_merchants_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"merchants\.csv") as err:
        read_dataset(tmp_path)
    assert err.value.exit_code == 2


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path, {"merchants": MERCHANTS, "addresses": "merchant_id,role\nM1,return\n"}
    )
    with pytest.raises(InputError) as err:
        read_dataset(folder)
    assert err.value.file == "addresses.csv"
    assert err.value.column == "address"
    assert "addresses.csv" in str(err.value) and "'address'" in str(err.value)


def test_not_utf8_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "merchants.csv").write_bytes(b"merchant_id,name\nM1,ok\nM2,caf\xe9 shop\n")
    with pytest.raises(InputError) as err:
        read_dataset(folder)
    assert err.value.file == "merchants.csv" and err.value.line == 3


def test_a_header_row_that_is_not_csv_names_file_and_line(tmp_path: Path) -> None:
    """A carriage return inside the header (random bytes, a file cut mid-line) is bad input
    (exit 2) naming the file, not an internal error."""
    (tmp_path / "merchants.csv").write_bytes(b"merchant_id,na\rme\nM1,ok\n")
    with pytest.raises(InputError, match="header row is not CSV") as err:
        read_dataset(tmp_path)
    assert (err.value.file, err.value.line, err.value.exit_code) == ("merchants.csv", 1, 2)


def test_bad_rows_go_to_rejects_with_file_line_column(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path,
        {
            "merchants": "merchant_id,name,rating,opened_on\n"
            "M1,One,4.5,2024-01-01\n"  # line 2 ok
            ",No Id,4.0,\n"  # line 3 empty id
            "M3,Three,lots,\n"  # line 4 bad number
            "M1,Dup,4.1,\n"  # line 5 duplicate id
            "M5,Five,7,\n"  # line 6 rating out of range
            "M6,Six,4.2,02/03/2024\n",  # line 7 bad date
            "payment_accounts": "merchant_id,account\nM1,6222 1\nM404,6222 2\nM1,--\n",
        },
    )
    ds = read_dataset(folder)
    r = ds.rejects
    got = {(f, int(line), c) for f, line, c in zip(r["file"], r["line"], r["column"], strict=True)}
    assert got == {
        ("merchants.csv", 3, "merchant_id"),
        ("merchants.csv", 4, "rating"),
        ("merchants.csv", 5, "merchant_id"),
        ("merchants.csv", 6, "rating"),
        ("merchants.csv", 7, "opened_on"),
        ("payment_accounts.csv", 3, "merchant_id"),
        ("payment_accounts.csv", 4, "account"),
    }
    assert "first on line 2" in r.loc[r["line"] == 5, "reason"].iloc[0]
    # a bad optional value (rating, opened_on) is left empty and its shop kept
    assert r.loc[r["file"] == "merchants.csv"].set_index("line")["action"].to_dict() == {
        3: "row set aside",
        4: "value left empty",
        5: "row set aside",
        6: "value left empty",
        7: "value left empty",
    }
    m = ds["merchants"].set_index("merchant_id")
    assert m.index.tolist() == ["M1", "M3", "M5", "M6"]
    assert m["rating"].isna().tolist() == [False, True, True, False]
    assert m["opened_on"].isna().tolist() == [False, True, True, True]
    assert ds["payment_accounts"]["key"].tolist() == ["62221"]
    counts = ds.counts()
    assert counts["merchants"] == {"read": 6, "loaded": 4, "rejected": 2}
    assert counts["payment_accounts"] == {"read": 3, "loaded": 1, "rejected": 2}


def test_repeated_ids_as_written_or_with_spaces_around_are_set_aside(tmp_path: Path) -> None:
    """A repeated id is found whether the file writes it the same way (the reader's
    distinct values) or with spaces around it (distinct only once stripped)."""
    listings = "listing_id,merchant_id,price\nL1,M1,1\nL2,M1,2\nL1,M2,3\nL3,M2,4\nL2,M1,5\n"
    spaced = listings.replace("L2,M1,5", " L2 ,M1,5").replace("L1,M2,3", "L1\t,M2,3")
    for text in (listings, spaced):
        folder = write_tables(tmp_path / str(len(text)), {"merchants": MERCHANTS, "listings": text})
        ds = read_dataset(folder)
        assert ds["listings"]["listing_id"].tolist() == ["L1", "L2", "L3"]
        r = ds.rejects
        assert r["line"].tolist() == [4, 6]
        assert r["reason"].tolist() == [
            "duplicate listing_id (first on line 2)",
            "duplicate listing_id (first on line 3)",
        ]


def test_unknown_role_is_rejected_and_empty_role_is_other(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path,
        {
            "merchants": MERCHANTS,
            "addresses": "merchant_id,address,role\nM1,No. 1 Main St,\nM2,No. 2 Main St,office\n"
            "M2,No. 3 Main St,Warehouse\n",
        },
    )
    ds = read_dataset(folder)
    assert ds["addresses"]["role"].tolist() == ["other", "warehouse"]
    assert ds.rejects["line"].tolist() == [3]


def test_both_csv_and_parquet_is_an_error(tmp_path: Path) -> None:
    folder = write_tables(tmp_path, {"merchants": MERCHANTS})
    pd.DataFrame({"merchant_id": ["M1"], "name": ["x"]}).to_parquet(folder / "merchants.parquet")
    with pytest.raises(InputError, match="keep one"):
        read_dataset(folder)


def test_big_inputs_read_over_processes_read_the_same(
    sample: SampleInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_pools: list[int]
) -> None:
    """Tables read over this process and a forked one (as big inputs are) equal those read
    here alone, rejects included; a bad file read in the worker is the same clear error,
    and of two bad files the one reading them in turn names."""
    one = read_dataset(sample.data_dir)
    monkeypatch.setattr(contract, "PARALLEL_READ_BYTES", 0)
    two = read_dataset(sample.data_dir, processes=2)
    assert process_pools == [1]  # one worker: this process reads tables too
    assert one.tables.keys() == two.tables.keys()
    for name, table in one.tables.items():
        pd.testing.assert_frame_equal(table, two.tables[name], check_exact=True)
    # every table's shop ids are the merchants table's own strings: one per shop in memory
    for ds in (one, two):
        own = {id(x) for x in ds["merchants"]["merchant_id"]}
        for name, table in ds.tables.items():
            assert {id(x) for x in table["merchant_id"]} <= own, name
    pd.testing.assert_frame_equal(one.rejects, two.rejects)
    assert len(one.rejects) > 0
    assert {k: s.sha256 for k, s in one.sources.items()} == {
        k: s.sha256 for k, s in two.sources.items()
    }
    # shipments (the most work) are read here, listings in the worker
    good = "shipment_id,merchant_id,origin\nS1,M1,x\n"
    for shipments, listings, named in (
        (good, "merchant_id,price\nM1,1\n", ("listings.csv", "listing_id")),
        (
            "merchant_id,origin\nM1,x\n",
            "merchant_id,price\nM1,1\n",
            ("shipments.csv", "shipment_id"),
        ),
    ):
        tables = {"merchants": MERCHANTS, "shipments": shipments, "listings": listings}
        for processes in (1, 2):
            folder = write_tables(tmp_path / f"{named[0]}{processes}", tables)
            with pytest.raises(InputError) as err:
                read_dataset(folder, processes=processes)
            assert (err.value.file, err.value.column) == named
    assert process_pools == [1, 1, 1]


def test_extra_columns_keep_numbers_and_long_ids_as_text(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path,
        {
            "merchants": "merchant_id,name,staff,share,card,note,blank\n"
            "M1,a,3,0.5,62220000000000000001,x,\n"
            "M2,b, 007 ,1e3,62220000000000000002,\x00,\n",
        },
    )
    m = read_dataset(folder)["merchants"]
    assert m["staff"].tolist() == [3, 7] and m["staff"].dtype == "int64"
    assert m["share"].tolist() == [0.5, 1000.0]
    # a 20-digit card number is an id: no float holds it exactly
    assert m["card"].tolist() == ["62220000000000000001", "62220000000000000002"]
    assert m["note"].tolist() == ["x", ""] and m["blank"].tolist() == ["", ""]
    extras = ["staff", "share", "card", "note", "blank"]
    assert [c for c in m.columns if c in extras] == extras


def test_ids_that_look_like_numbers_are_read_verbatim(tmp_path: Path) -> None:
    """The fast CSV reader once inferred numbers first: "007" came back "7.0"."""
    folder = write_tables(
        tmp_path,
        {
            "merchants": "merchant_id,name\n007,a\n62220000000000000001,b\n1.50,c\n",
            "payment_accounts": "merchant_id,account\n007,0012\n1.50,0012\n",
        },
    )
    ds = read_dataset(folder)
    assert ds["merchants"]["merchant_id"].tolist() == ["007", "62220000000000000001", "1.50"]
    assert ds["payment_accounts"]["merchant_id"].tolist() == ["007", "1.50"]
    assert ds["payment_accounts"]["key"].tolist() == ["0012", "0012"]


def test_values_are_stripped_as_python_strips_them_and_a_nul_is_not_lost(
    tmp_path: Path,
) -> None:
    # every character Python's str.strip() takes for whitespace, around names and ids;
    # a name that differs from another only by a NUL byte is still caught
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert set(contract.PY_WHITESPACE) == set(spaces)
    names = ["Shop", "Shop\x00", f"{spaces}Shop{spaces}", "\u200bShop"]
    frame = pd.DataFrame({"merchant_id": ["M1", "M2", f" M3{spaces}", "M4"], "name": names})
    frame.to_csv(tmp_path / "merchants.csv", index=False)
    ds = read_dataset(tmp_path)
    assert list(ds["merchants"]["merchant_id"]) == ["M1", "M3", "M4"]
    assert list(ds["merchants"]["name"]) == ["Shop", "Shop", "\u200bShop"]
    rejects = ds.rejects
    assert rejects[["line", "column", "reason"]].values.tolist() == [
        [3, "name", "name holds a NUL byte"]
    ]


def test_arrow_reads_csvs_from_memory_it_owns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow's CSV reader may drop its input on one of its own threads after read_csv has
    returned: a Python input (io.BytesIO, pa.py_buffer) then takes the GIL there, and a
    run exiting at once (exit 2) aborted with "terminate called without an active
    exception" (exit 134) instead. The input must be Arrow's, holding no Python object."""
    import sys

    import pyarrow as pa

    sources: list[object] = []
    real = contract.pacsv.read_csv

    def recording(source: object, *args: object, **kwargs: object) -> object:
        sources.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(contract.pacsv, "read_csv", recording)
    read_dataset(write_tables(tmp_path, {"merchants": MERCHANTS}))
    assert sources
    for source in sources:
        assert isinstance(source, pa.NativeFile) and not isinstance(source, pa.PythonFile)
    data = MERCHANTS.encode() * 3  # a new object: its count is ours alone
    before = sys.getrefcount(data)
    copy = contract._arrow_copy(data)
    assert sys.getrefcount(data) == before  # a copy, not a view holding ``data``
    assert copy.to_pybytes() == data


def test_a_time_without_offset_is_utc_whatever_comes_before_it(tmp_path: Path) -> None:
    """pandas parsing a column gave a time without offset the offset of one before it."""
    times = [
        "2026-05-01T10:00:00",
        "2026-05-01T10:00:00+08:00",
        "2026-05-01T10:00:00",
        "2026-05-01T12:00:00Z",
        "2026-05-01T10:00:00-01:30",
        "2026-05-01 11:00",
    ]
    rows = "".join(f"S{i},M1,x,{t}\n" for i, t in enumerate(times))
    folder = write_tables(
        tmp_path,
        {"merchants": MERCHANTS, "shipments": "shipment_id,merchant_id,origin,shipped_at\n" + rows},
    )
    got = read_dataset(folder, today=pd.Timestamp("2026-06-30"))["shipments"]["shipped_at"]
    hours = ["10:00", "02:00", "10:00", "12:00", "11:30", "11:00"]
    assert got.tolist() == [pd.Timestamp(f"2026-05-01 {h}") for h in hours]


def test_iso_times_are_each_parsed_alone() -> None:
    import numpy as np

    pieces = [
        "2026-05-01T10:00:00",
        "2026-06-30T23:00:00+08:00",
        "2026-05-01T10:00:00Z",
        "2026-05-01 10:00:00 +0800",
        "20260501T100000-0130",
        "2026-05-01T10:00:00+08:00x",
        "2026-05-01",
        "2026-02-30T00:00:00",
        "x",
        "",
        None,
    ]
    rng = np.random.default_rng(5)
    for _ in range(20):
        values = pd.Series([pieces[i] for i in rng.integers(len(pieces), size=60)], dtype=object)
        alone = [
            pd.to_datetime(
                pd.Series([v], dtype=object), format="ISO8601", errors="coerce", utc=True
            )
            .dt.tz_localize(None)
            .iloc[0]
            for v in values
        ]
        got = contract._iso_datetimes(values)
        assert got.dtype == "datetime64[ns]"
        assert got.isna().tolist() == [pd.isna(t) for t in alone]
        assert got.dropna().tolist() == [t for t in alone if not pd.isna(t)]


def test_reader_codes_and_plain_frames_are_checked_and_keyed_alike(tmp_path: Path) -> None:
    """The embedded reader checks and keys each column once per distinct value, through
    the codes Arrow's reader made; Spark hands ``_validate`` and ``_put_keys`` plain frames.
    Both keep the same rows with the same values and keys, and reject the same."""
    import numpy as np

    values = [
        "", " ", "M1", " M2 ", "M2", "m1", "M\x005", "\u3000M1", "S1", " S1", "S2", "0", "-1",
        "4.5", " 3 ", "inf", "1e309", "99999999999999999999", "2026-01-01", "2099-12-31",
        "2026-02-30", "2026-05-01T10:00:00", "2026-05-01T10:00:00+08:00", "phone", "Phone",
        " EMAIL", "Bad Kind", "address", "account", "warehouse", "Return ", "x\x00",
        "+86 138-0013-8000", "13800138000", "Rm 5, No. 12 Xinhua Rd.", "ＲＭ ５ #12 ROAD",
        "!!!", "6222 0210-0112 3456", "ß@x.de", "上海市1号", "Bldg 3 Fl 2",
    ]  # fmt: skip
    own = {
        "merchant_id": ["M1", " M2 ", "m1", "M9", "", "M\x005"],
        "role": ["warehouse", "Return ", "", "pickup", "shop"],
        "kind": ["phone", " Phone", "email", "address", "account", "Bad Kind", ""],
    }
    rng = np.random.default_rng(11)
    today, known = pd.Timestamp("2026-06-30"), pd.Index(["M1", "M2", "m1"])
    for name, spec in contract.TABLES.items():
        columns = [c.name for c in spec.columns] + ["extra"]
        cells = rng.choice(np.array(values, dtype=object), size=(200, len(columns)))
        table = pd.DataFrame(cells, columns=columns)
        for column, pool in own.items():  # mostly good ids, roles and kinds
            if column in table:
                table[column] = rng.choice(np.array(pool, dtype=object), size=len(table))
        path = tmp_path / f"{name}.csv"
        table.to_csv(path, index=False)
        frame, _, read = contract._read_table(path)
        assert set(read) == set(columns)
        coded_rejects, plain_rejects = contract._Rejects(), contract._Rejects()
        links = known if spec.links_merchant else None
        kept, coded, _ = contract._checked(
            spec, frame, path.name, coded_rejects, links, today, read
        )
        kept = contract._add_keys(name, kept, path.name, coded_rejects, "CN", coded)
        plain, _, _ = contract._read_table(path)
        plain = contract._validate(spec, plain, path.name, plain_rejects, links, today)
        plain = contract._add_keys(name, plain, path.name, plain_rejects, "CN")
        pd.testing.assert_frame_equal(kept, plain, check_exact=True)
        pd.testing.assert_frame_equal(coded_rejects.frame(), plain_rejects.frame())
        assert len(kept) and len(coded_rejects.frame())


def test_a_number_with_a_giant_exponent_is_a_bad_value_not_a_crash(tmp_path: Path) -> None:
    # pandas' parser ended the whole process (a segmentation fault) on such a value
    folder = write_tables(
        tmp_path,
        {
            "merchants": "merchant_id,name,rating,score\n"
            "M1,One,1e4000000000,1e0000000001\n"
            "M2,Two,4.5,1E-12345678901\n"
        },
    )
    ds = read_dataset(folder)
    r = ds.rejects
    assert r[["file", "line", "column", "action"]].values.tolist() == [
        ["merchants.csv", 2, "rating", "value left empty"]
    ]
    m = ds["merchants"].set_index("merchant_id")
    assert m["rating"].isna().tolist() == [True, False]
    # an extra column with a giant exponent in it is text, not numbers
    assert m["score"].tolist() == ["1e0000000001", "1E-12345678901"]


def test_a_file_whose_lines_end_in_cr_alone_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "merchants.csv").write_bytes(b"merchant_id,name\rM1,One\rM2,Two\r")
    with pytest.raises(InputError) as err:
        read_dataset(tmp_path)
    assert err.value.file == "merchants.csv" and "carriage return" in str(err.value)


def test_a_key_written_as_its_value_is_that_values_own_string(tmp_path: Path) -> None:
    """Most identifiers' keys are their values: the table holds one string for both, not
    two (at a million shops the copies cost hundreds of MB for the whole run)."""
    (tmp_path / "merchants.csv").write_text(MERCHANTS)
    (tmp_path / "identifiers.csv").write_text(
        "merchant_id,kind,value\nM1,device,dev-1\nM2,device,dev-1\nM2,email,A@x.de\n"
        "M1,phone,+8613800138000\nM2,phone,138 0013 8000\n"
    )
    ids = read_dataset(tmp_path)["identifiers"]
    shared = [v is k for v, k in zip(ids["value"], ids["key"], strict=True)]
    assert ids["key"].tolist() == ["dev-1", "dev-1", "a@x.de", "+8613800138000", "+8613800138000"]
    assert shared == [True, True, False, True, False]


def test_the_reader_gives_each_rows_shop_as_its_merchants_row(tmp_path: Path) -> None:
    """``Dataset.shops``: for each table naming shops, each kept row's merchant as its row
    in the merchants table, after rows are set aside (unknown shop, no key left)."""
    folder = write_tables(
        tmp_path,
        {
            "merchants": "merchant_id,name\nM2,Two\n M1 ,One\nM3,Three\nM2,Again\n",
            "addresses": "merchant_id,role,address\nM1,registered,1 A Rd\nM9,return,2 B Rd\n"
            "M3,pickup,!!!\nM2,,3 C Rd\n M3,warehouse,4 D Rd\n",
            "identifiers": "merchant_id,kind,value\nM3,email,a@b.cn\nM1,phone,13800138000\n",
        },
    )
    ds = contract.read_dataset(folder, today=pd.Timestamp("2026-06-30"))
    assert ds.shops is not None
    assert set(ds.shops) == {n for n, t in contract.TABLES.items() if t.links_merchant}
    known = pd.Index(ds["merchants"]["merchant_id"])
    for name, rows in ds.shops.items():
        assert rows.tolist() == known.get_indexer(ds[name]["merchant_id"]).tolist(), name
    assert ds["addresses"]["merchant_id"].tolist() == ["M1", "M2", "M3"]
    assert ds.shops["addresses"].tolist() == [1, 0, 2]
    assert ds.shops["shipments"].tolist() == []
