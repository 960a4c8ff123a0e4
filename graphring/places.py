"""Addresses matched as places: the same premises written with a typo or without its room.

Normalization (graphring/normalize.py) makes one address of spellings that differ in
case, width, punctuation and abbreviations. A ring's warehouse also comes back with a
letter wrong in the street name or without its building and room; no rule makes those
equal. This switchable step (``match_places``) parses normalized addresses into parts
(province, city, district, street, number, building, room; Latin or Chinese script),
blocks them on what a typo rarely touches (the street number, the street type and the
locality's postcode or city), and within a block takes two addresses as one place when
their localities are alike (a typo in a word, never in a number) and their street names
are within one edit (two for names of 10+ letters; none under 4 letters or 2 Chinese
characters) and their buildings and rooms do not disagree.
Different street numbers are never compared. Each place found is a new identifier of
kind ``place`` beside the exact addresses, weighing less than they do
(``place:warehouse`` 0.7 against 0.9); its key lists the spellings taken as one place
and how similar their streets were, so the evidence shows every merge.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graphring.stores.base import HeldCodes, sorted_runs

#: Two localities (district, city, postcode...) of one place: at least this similar (0-100).
LOCALITY_SIMILARITY = 85

_CJK = r"[\x{4e00}-\x{9fff}]"
_CN_RE = (
    r"^(?P<province>.+?省)?(?P<city>.+?市)?(?P<district>.+?[区县])?"
    r"(?P<name>.+?)(?P<stype>大道|路|街|道|巷|弄)(?P<number>\d+)号"
    r"(?:(?P<building>\d+)(?:栋|幢|座|号楼))?(?:\d+楼)?(?:(?P<room>\d+)室)?"
)
_STREET_TYPES = (
    "road|street|avenue|lane|drive|way|court|place|boulevard|crescent|circuit|close|"
    "parade|terrace|highway|parkway|trail|circle"
)
_LATIN_ROOM = r"\b(?:room|unit|apt|apartment|suite|flat) ?(?P<room>\w+)"
_LATIN_BUILDING = r"\b(?:block|building|tower|bldg) ?(?P<b1>\w+)|\b(?P<b2>\w+) building\b"
_LATIN_STREET = (
    rf"\b(?P<number>\d+[a-z]?) (?P<name>(?:[a-z']+ )*?[a-z']+) (?P<stype>{_STREET_TYPES})\b"
    r"(?P<tail>.*)$"
)


def parse_addresses(keys: pd.Series) -> pd.DataFrame:
    """Parts of normalized addresses: script, province, city, district, street, number,
    building, room and locality (what blocks them). Empty where not found.

    >>> p = parse_addresses(pd.Series([
    ...     "room 12 block 3 241 jianshe road district 29 beijing",
    ...     "广东省深圳市南山区人民路166号6栋347室"]))
    >>> p[["name", "stype", "number", "building", "room", "locality"]].values.tolist()
    [['jianshe', 'road', '241', '3', '12', 'district 29 beijing'], \
['人民', '路', '166', '6', '347', '广东省深圳市南山区']]
    """
    keys = keys.astype(str).reset_index(drop=True)
    # Arrow's RE2 kernels run the patterns over the whole column in C++
    arr = pa.array(keys.to_numpy(dtype=object), type=pa.string())
    cn = np.asarray(pc.match_substring_regex(arr, _CJK), dtype=bool)
    out = pd.DataFrame(
        "",
        index=keys.index,
        columns=["province", "city", "district", "name", "stype", "number", "building", "room"],
    )
    out["script"] = np.where(cn, "cjk", "latin")
    if cn.any():
        c = _extract(pc.replace_substring(arr.filter(pa.array(cn)), " ", ""), _CN_RE)
        for col in c:
            out.loc[cn, col] = c[col].to_numpy()
    lat = ~cn
    if lat.any():
        k = arr.filter(pa.array(lat))
        out.loc[lat, "room"] = _extract(k, _LATIN_ROOM)["room"].to_numpy()
        b = _extract(k, _LATIN_BUILDING)
        out.loc[lat, "building"] = (b["b1"] + b["b2"]).to_numpy()
        st = _extract(_latin_rest(k), _LATIN_STREET)
        for col in ("number", "name", "stype"):
            out.loc[lat, col] = st[col].to_numpy()
        out.loc[lat, "district"] = st["tail"].str.strip().to_numpy()
    out["street"] = (out["name"] + np.where(cn, "", " ") + out["stype"]).str.strip()
    out["locality"] = (out["province"] + out["city"] + out["district"]).str.strip()
    return out


#: Runs of whitespace (RE2's ``\s``) of two or more, and a single whitespace but a space:
#: replaced by one space, they make what ``\s+`` makes, without rewriting every single
#: space between two words.
_SPACES = r"\s\s+|[^\S ]"


def _latin_rest(k: pa.Array) -> pa.Array:
    """Latin addresses with their room and building taken out and their spaces made
    single (what the street is then found in)."""
    rest = pc.replace_substring_regex(k, _LATIN_ROOM, " ")
    rest = pc.replace_substring_regex(rest, _LATIN_BUILDING, " ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(rest, _SPACES, " "))


def _extract(arr: pa.Array, pattern: str) -> pd.DataFrame:
    """Named groups of ``pattern`` in each string, empty where it (or the group) is absent."""
    found = pc.extract_regex(arr, pattern)
    frame = pd.DataFrame(
        {
            f.name: pc.fill_null(found.field(i), "").to_numpy(zero_copy_only=False)
            for i, f in enumerate(found.type)
        }
    )
    return frame.fillna("").astype(object)


def _found(part: pd.Series) -> pd.Series:
    """An extracted part as text, empty where nothing was found."""
    return part.astype("string").fillna("").astype(object)


def match_places(keys: pd.Series) -> pd.DataFrame:
    """Which distinct normalized addresses are one place.

    Returns one row per address that joins another: key, place (the place's key: its
    spellings, each with how similar its street was to the first's), similarity (the
    lowest street similarity in the place).
    """
    u = pd.Series(pd.unique(keys.astype(str)), dtype=object)
    empty = pd.DataFrame({"key": [], "place": [], "similarity": []})
    # blocks: script, number, street type and the locality's last word (a postcode, a
    # city) or, in Chinese, its city; other numbers are never compared. Only addresses
    # that share their block with another are parsed again and compared.
    block = _block_codes(u)
    shared = (block >= 0) & (np.bincount(block + 1)[block + 1] >= 2)
    if not shared.any():
        return empty
    index = np.flatnonzero(shared)
    p = parse_addresses(u[index]).assign(key=u[index].to_numpy(), i=index)
    cjk_row = (p["script"] == "cjk").to_numpy()
    rows = pd.DataFrame({"r": np.arange(len(p)), "block": block[index]})
    pairs = rows.merge(rows, on="block", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs["r_a"] < pairs["r_b"]]
    if pairs.empty:
        return empty
    ra, rb = pairs["r_a"].to_numpy(), pairs["r_b"].to_numpy()
    name = p["name"].to_numpy(dtype=object)
    length = np.asarray(pc.utf8_length(pa.array(name, pa.string())), dtype=np.int64)
    # buildings and rooms must not disagree (one missing is no disagreement)
    clash = np.zeros(len(ra), dtype=bool)
    for part in ("building", "room"):
        v = p[part].to_numpy(dtype=object)
        clash |= (v[ra] != "") & (v[rb] != "") & (v[ra] != v[rb])
    ra, rb = ra[~clash], rb[~clash]
    dist = process.cpdist(name[ra], name[rb], scorer=Levenshtein.distance, workers=1)
    longest = np.maximum(length[ra], length[rb])
    # one edit in a name of 4+ letters (2+ Chinese characters), two from 10 letters
    allowed = np.where(longest >= 10, 2, np.where(longest >= np.where(cjk_row[ra], 2, 4), 1, 0))
    keep = dist <= allowed
    ra, rb, dist, longest = ra[keep], rb[keep], dist[keep], longest[keep]
    # the rest of the locality may carry a typo in its words, not in its numbers (district
    # 28 is not district 29: the numbers are part of the block, so pairs share them)
    locality = p["locality"].to_numpy(dtype=object)
    near = process.cpdist(locality[ra], locality[rb], scorer=fuzz.ratio, workers=1)
    keep = near >= LOCALITY_SIMILARITY
    m = pd.DataFrame(
        {
            "i_a": index[ra[keep]],
            "i_b": index[rb[keep]],
            "sim": 1 - dist[keep] / np.maximum(longest[keep], 1),
        }
    )
    if m.empty:
        return empty
    n = len(u)
    label = _places(n, m, p)
    joined = np.unique(np.concatenate([m["i_a"], m["i_b"]]))
    joined = joined[np.bincount(label, minlength=n)[label[joined]] >= 2]
    members = pd.DataFrame({"i": joined, "place": label[joined], "key": u[joined].to_numpy()})
    members = members.sort_values(["place", "key"], kind="stable")
    first = members.groupby("place")["key"].transform("first")
    first_i = members.groupby("place")["i"].transform("first").to_numpy()
    # street similarity of each spelling to the place's first spelling (1.0 if the same)
    street_of = np.full(n, "", dtype=object)
    street_of[p["i"].to_numpy()] = p["name"].to_numpy()
    sa, sb = street_of[members["i"].to_numpy()], street_of[first_i]
    d = process.cpdist(sa, sb, scorer=Levenshtein.distance, workers=1)
    ln = np.maximum(
        np.asarray(pc.utf8_length(pa.array(sa, pa.string()))),
        np.asarray(pc.utf8_length(pa.array(sb, pa.string()))),
    )
    members["sim"] = np.round(1 - d / np.maximum(ln, 1), 2)
    members["text"] = np.where(
        members["key"] == first,
        members["key"],
        members["key"] + " (street " + members["sim"].astype(str) + ")",
    )
    place = members.groupby("place").agg(place_key=("text", " ≈ ".join), similarity=("sim", "min"))
    out = members.join(place, on="place")
    return pd.DataFrame(
        {
            "key": out["key"].to_numpy(),
            "place": out["place_key"].to_numpy(),
            "similarity": out["similarity"].to_numpy(),
        }
    ).reset_index(drop=True)


def _block_keys(p: pd.DataFrame) -> pd.Series:
    """The block of each parsed address: script, number, street type, anchor and the
    numbers in its locality (two addresses whose localities carry different numbers are
    never one place: district 28 is not district 29). Without those numbers a block grew
    with the marketplace and the pairs compared in it with its square (0.6 M pairs at 200k
    shops, 15.9 M at 1M)."""
    cjk_row = (p["script"] == "cjk").to_numpy()
    locality = pa.array(p["locality"].to_numpy(dtype=object), pa.string())
    last = _extract(locality, r"(?P<w>\S+)$")
    anchor = np.where(cjk_row, (p["province"] + p["city"]).to_numpy(), last["w"].to_numpy())
    digits = _locality_numbers(locality)
    return p["script"] + "|" + p["number"] + "|" + p["stype"] + "|" + anchor + "|" + digits


def _locality_numbers(locality: pa.Array) -> np.ndarray:
    """The numbers in each locality, space-separated ("district 28 wuhan" -> "28"); only
    digits and spaces, so they end a block key unambiguously after its last "|"."""
    return np.asarray(_numbers_in(locality).to_numpy(zero_copy_only=False), dtype=object)


def _numbers_in(locality: pa.Array) -> pa.Array:
    """:func:`_locality_numbers` as Arrow text."""
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(locality, r"\D+", " "))


def _block_key_text(keys: pd.Series) -> np.ndarray:
    """The block key (:func:`_block_keys`) of each address of ``keys``; empty for an
    address without a street and number. A Latin address's block needs only its street
    number and type and its locality: those are found in Arrow, without the rest of
    :func:`parse_addresses`' parts (Chinese addresses are parsed whole)."""
    keys = keys.astype(str)
    out = np.full(len(keys), "", dtype=object)
    arr = pa.array(keys.to_numpy(dtype=object), type=pa.string())
    cn = np.asarray(pc.match_substring_regex(arr, _CJK), dtype=bool)
    if cn.any():
        at = np.flatnonzero(cn)
        p = parse_addresses(keys.iloc[at])
        ok = ((p["number"] != "") & (p["street"] != "")).to_numpy()
        if ok.any():
            out[at[ok]] = _block_keys(p.loc[ok]).to_numpy()
    at = np.flatnonzero(~cn)
    if len(at):
        found = pc.extract_regex(_latin_rest(arr.take(at)), _LATIN_STREET)
        # a street found has a number, a name and a type; none found: no block
        ok = np.asarray(found.is_valid(), dtype=bool)
        if ok.any():
            found = found.filter(pa.array(ok))
            tail = found.field("tail").to_numpy(zero_copy_only=False)
            # the locality as parse_addresses strips it (Python's whitespace)
            locality = pa.array(
                pd.Series(tail, dtype=object).str.strip().to_numpy(dtype=object), pa.string()
            )
            last = pc.fill_null(pc.extract_regex(locality, r"(?P<w>\S+)$").field("w"), "")
            key = pc.binary_join_element_wise(
                "latin",
                found.field("number"),
                found.field("stype"),
                last,
                _numbers_in(locality),
                "|",
            )
            out[at[ok]] = key.to_numpy(zero_copy_only=False)
    return out


#: Distinct addresses parsed at a time to find their blocks: the parts of every address
#: of a million-shop marketplace at once were gigabytes of small strings.
BLOCK_CHUNK = 200_000


def _block_codes(u: pd.Series) -> np.ndarray:
    """A code per address of ``u`` for its block (:func:`_block_keys`); -1 for an address
    without a street and number (it joins no place). Parsed a chunk at a time, keeping
    only the block keys."""
    keys = np.full(len(u), "", dtype=object)
    for start in range(0, len(u), BLOCK_CHUNK):
        keys[start : start + BLOCK_CHUNK] = _block_key_text(u.iloc[start : start + BLOCK_CHUNK])
    codes, _ = pd.factorize(keys)
    codes[keys == ""] = -1
    return codes


def place_blocks(keys: pd.Series) -> pd.Series:
    """The block :func:`match_places` compares each normalized address within; empty for
    an address without a street and number (it joins no place). Addresses of different
    blocks are never one place, so matching whole blocks apart (Spark deals them out to
    its workers) finds the places matching them all at once finds.

    >>> place_blocks(pd.Series(["room 1 12 xinhua road district 3 wuhan", "no street"])).tolist()
    ['latin|12|road|wuhan|3', '']
    """
    return pd.Series(_block_key_text(keys), index=keys.index, dtype=object)


def _places(n: int, m: pd.DataFrame, p: pd.DataFrame) -> np.ndarray:
    """Place label per address from matched pairs ``m``. An address without a room (or
    building) matches each spelling with one; when that would join two different rooms
    into one place, it is left out of that place (which room it meant is unknown)."""
    adj = coo_matrix((np.ones(len(m)), (m["i_a"], m["i_b"])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    unit = pd.DataFrame(
        {"label": label[p["i"].to_numpy()], "building": p["building"], "room": p["room"]}
    )
    rooms = unit.loc[unit["room"] != ""].groupby("label")["room"].nunique()
    blds = unit.loc[unit["building"] != ""].groupby("label")["building"].nunique()
    mixed = np.union1d(rooms.index[rooms > 1], blds.index[blds > 1])
    if not len(mixed):
        return label
    partial = np.zeros(n, dtype=bool)
    part = p["i"].to_numpy()[((p["room"] == "") | (p["building"] == "")).to_numpy()]
    partial[part] = True
    a, b = m["i_a"].to_numpy(), m["i_b"].to_numpy()
    drop = np.isin(label[a], mixed) & (partial[a] | partial[b])
    adj = coo_matrix((np.ones(int((~drop).sum())), (a[~drop], b[~drop])), shape=(n, n))
    return connected_components(adj, directed=False)[1]


def dataset_address_keys(tables: Mapping[str, pd.DataFrame]) -> pd.Series:
    """The distinct address keys of a dataset's tables (addresses, parcel origins and
    identifiers of kind ``address``): the keys of the address holdings a store makes of
    it, known before the store is loaded. Empty keys left out."""
    ident = tables["identifiers"]
    keys = pd.concat(
        [
            tables["addresses"]["key"],
            tables["shipments"]["origin_key"],
            ident.loc[ident["kind"] == "address", "key"],
        ],
        ignore_index=True,
    )
    distinct = pd.unique(keys.astype(str).to_numpy(dtype=object))
    return pd.Series(distinct[distinct != ""], dtype=object)


#: Places already matched: the distinct address keys matched and :func:`match_places`' rows.
Matched = tuple[pd.Series, pd.DataFrame]


def add_places(
    holdings: pd.DataFrame, matched: Matched | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``holdings`` with a ``place`` holding beside every address holding that joins
    another spelling, and the merges (key, place, similarity) for run.json. The output is
    in merchant order (stable: a shop's holdings, then its places).

    ``matched``: places matched beforehand (while the store loaded), used when their keys
    are exactly the holdings' distinct address keys; otherwise matched here."""
    out, merges, _ = add_coded_places(holdings, None, matched)
    return out, merges


def add_coded_places(
    holdings: pd.DataFrame, codes: HeldCodes | None, matched: Matched | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, HeldCodes | None]:
    """:func:`add_places`, and ``holdings``' rows as codes (:class:`HeldCodes`, when given
    and they fit) brought along: the output's codes, or None. With codes the address
    rows and their keys are found among integers, not by comparing and hashing text."""
    if codes is not None and not (codes.fits(holdings) and "place" not in set(codes.kind_names)):
        codes = None
    if codes is not None:
        address = codes.kind_names == "address"
        is_address = address[codes.kind] if len(address) else np.zeros(len(holdings), bool)
        # each address identifier once, and its key
        idents = np.flatnonzero(
            np.bincount(codes.ident[is_address], minlength=len(codes.key_names)) > 0
        )
        # one table of the distinct keys serves the check and the lookup of the merges
        held = pd.Index(codes.key_names[idents])
        same = False
        if matched is not None:
            found = held.get_indexer(matched[0])
            n_held = len(held) - int(held.get_indexer(pd.Index([""]))[0] >= 0)
            same = len(found) == n_held and bool((found >= 0).all())
    else:
        is_address = (holdings["kind"] == "address").to_numpy()
        same = matched is not None and _same_keys(holdings.loc[is_address, "key"], matched[0])
    merges = (
        matched[1]
        if matched is not None and same
        else match_places(holdings.loc[is_address, "key"])
    )
    if merges.empty:
        return holdings, merges, codes
    if codes is not None:
        place_code, place_names = pd.factorize(merges["place"])
        place_of = np.full(len(codes.key_names), -1, dtype=np.int64)
        at = held.get_indexer(merges["key"])
        place_of[idents[at[at >= 0]]] = place_code[at >= 0]
        row_place = np.where(is_address, place_of[codes.ident], -1)
        joins = np.flatnonzero(row_place >= 0)
        place_keys = np.asarray(place_names, dtype=object)[row_place[joins]]
    else:
        to_place = merges.set_index("key")["place"]
        addr = holdings.loc[is_address, "key"]
        joins = np.flatnonzero(is_address)[addr.isin(to_place.index).to_numpy()]
        place_keys = holdings["key"].iloc[joins].map(to_place).to_numpy()
    shop = codes.shop if codes is not None else sorted_runs(holdings["merchant_id"])
    if shop is None or (codes is not None and bool((shop[1:] < shop[:-1]).any())):
        # not in merchant order: sort the text
        extra = holdings.iloc[joins].assign(kind="place")
        extra["key"] = place_keys
        out = pd.concat([holdings, extra], ignore_index=True)
        out = out.sort_values("merchant_id", kind="stable").reset_index(drop=True)
        return out, merges, None
    # in merchant order already: the places go after their shop's holdings, placed by
    # sorting integers (a million shops' holdings are gigabytes); each output row is a
    # holding's row, a place's the row of the address it joins
    order = np.argsort(np.r_[shop, shop[joins]], kind="stable")
    taken = np.r_[np.arange(len(holdings)), joins][order]
    at_place = np.flatnonzero(order >= len(holdings))
    source = holdings
    if not all(isinstance(t, np.dtype) for t in holdings.dtypes):
        source = pd.DataFrame({c: holdings[c].to_numpy() for c in holdings.columns})
    out = source.take(taken)  # one copy of the rows, no column held twice
    out.index = pd.RangeIndex(len(out))
    out.iloc[at_place, out.columns.get_loc("kind")] = "place"
    out.iloc[at_place, out.columns.get_loc("key")] = place_keys[order[at_place] - len(holdings)]
    if codes is None:
        return out, merges, None
    # "place" among the kinds, in their sorted order; each place a new identifier
    kind_names = np.array(sorted([*codes.kind_names.tolist(), "place"]), dtype=object)
    kind_at = np.searchsorted(kind_names, codes.kind_names).astype(np.int32)
    place_kind = np.int32(np.searchsorted(kind_names, "place"))
    placed = HeldCodes(
        shop=codes.shop[taken],
        shop_names=codes.shop_names,
        kind=np.r_[kind_at[codes.kind], np.full(len(joins), place_kind)][order],
        kind_names=kind_names,
        ident=np.r_[codes.ident, len(codes.key_names) + row_place[joins]][order].astype(np.int32),
        key_names=np.concatenate([codes.key_names, np.asarray(place_names, dtype=object)]),
        role=codes.role[taken],
        role_names=codes.role_names,
    )
    return out, merges, placed


def _same_keys(keys: pd.Series, distinct: pd.Series) -> bool:
    """Whether the non-empty values of ``keys`` are exactly the values of ``distinct``."""
    held = pd.unique(keys.astype(str).to_numpy(dtype=object))
    held = held[held != ""]
    return len(held) == len(distinct) and bool(pd.Series(held).isin(distinct).all())
