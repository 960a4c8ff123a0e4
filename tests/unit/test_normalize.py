import pandas as pd
import pytest

from graphring.normalize import account_key, address_key, identifier_key, phone_key, plain_key


@pytest.mark.parametrize(
    "raw",
    [
        "Rm 5, No. 12 Xinhua Rd., Haidian",
        "ＲＭ ５ ＃１２ XINHUA ROAD HAIDIAN",
        "room 5 no12 xinhua road,   haidian",
        "Room 5 #12 Xinhua Road Haidian",
    ],
)
def test_address_variants_land_on_one_key(raw: str) -> None:
    assert address_key(pd.Series([raw])).iloc[0] == "room 5 12 xinhua road haidian"


def test_address_abbreviations_expand_as_whole_words_only() -> None:
    got = address_key(pd.Series(["Bldg 3 Fl 2, Stanley St", "Ave Maria Ave"])).tolist()
    assert got == ["building 3 floor 2 stanley street", "avenue maria avenue"]


def test_different_addresses_stay_different() -> None:
    keys = address_key(pd.Series(["No. 12 Xinhua Rd", "No. 21 Xinhua Rd"]))
    assert keys.nunique() == 2


def test_phones_in_three_formats_are_one_e164() -> None:
    got = phone_key(pd.Series(["+86 138-0013-8000", "0086 13800138000", "13800138000"]))
    assert set(got) == {"+8613800138000"}


def test_phone_default_region_is_configurable() -> None:
    assert phone_key(pd.Series(["(415) 555-2671"]), region="US").iloc[0] == "+14155552671"


def test_unreadable_phone_keeps_its_digits() -> None:
    assert phone_key(pd.Series(["ext 12"])).iloc[0] == "12"


def test_accounts_letters_and_digits_upper() -> None:
    got = account_key(pd.Series(["6222 0210-0112 3456", "gb29 nwbk 6016"])).tolist()
    assert got == ["6222021001123456", "GB29NWBK6016"]


def test_email_and_devices_trimmed_and_casefolded() -> None:
    assert plain_key(pd.Series(["  Shop@Example.COM "])).iloc[0] == "shop@example.com"


def test_identifier_key_dispatches_on_kind() -> None:
    kinds = pd.Series(["phone", "email", "device", "address"])
    values = pd.Series(["0086 13800138000", "A@B.CN", " DEV-1 ", "Rm 1 No. 2 Main St"])
    assert identifier_key(kinds, values).tolist() == [
        "+8613800138000",
        "a@b.cn",
        "dev-1",
        "room 1 2 main street",
    ]


def test_fast_cn_mobile_path_agrees_with_the_phone_library() -> None:
    import numpy as np

    from graphring.normalize import _one_phone
    from graphring.sample.render import phone_render

    rng = np.random.default_rng(1)
    raw = pd.Series(
        [
            *phone_render(rng.choice(10**9, 500, replace=False) + 13_000_000_000, rng),
            "+1 415 555 2671",
            "(010) 6552 9988",
            "+86 10 6552 9988",
            "12345",
            "",
        ]
    )
    expected = [_one_phone(x, "CN") for x in raw]
    assert phone_key(raw).tolist() == expected


# The keys as first defined: Python's NFKC, casefold and ``re`` on every value, and the
# address chain of one Arrow regex pass per step. The fast paths must give exactly these.
def _reference_text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.normalize("NFKC")


def _reference_address(values: pd.Series) -> list[str]:
    import pyarrow as pa
    import pyarrow.compute as pc

    folded = _reference_text(values).str.casefold()
    arr = pa.array(folded.to_numpy(dtype=object), type=pa.string())
    arr = pc.replace_substring_regex(arr, r"[^\p{L}\p{N}\s]|_", " ")
    arr = pc.replace_substring_regex(arr, r"\bno\s*(\d)", r"\1")
    for abbr, word in {
        "st": "street",
        "rd": "road",
        "ave": "avenue",
        "av": "avenue",
        "bldg": "building",
        "rm": "room",
        "fl": "floor",
        "flr": "floor",
    }.items():
        arr = pc.replace_substring_regex(arr, rf"\b{abbr}\b", word)
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"\s+", " "))
    return arr.to_pylist()


def _reference_account(values: pd.Series) -> list[str]:
    return _reference_text(values).str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper().tolist()


def _reference_plain(values: pd.Series) -> list[str]:
    return _reference_text(values).str.strip().str.casefold().tolist()


def _reference_phone(values: pd.Series, region: str) -> list[str]:
    import re

    from graphring.normalize import _one_phone

    squeezed = _reference_text(values).str.replace(re.compile(r"[\s\-./()]"), "", regex=True)
    return [_one_phone(v, region) for v in squeezed]


#: Pieces of hand-made values: abbreviations at and off word boundaries, house-number
#: markers, full-width and accented letters, casefold and NFKC specials, every kind of
#: space Python knows, other scripts' digits, phone numbers.
PIECES = [
    "st", "rd", "ave", "av", "bldg", "rm", "fl", "flr", "ST", "Rd.", "Flr", "stanley", "xst",
    "street", "No", "no", "NO.", "No. 12", "no12", "#", "#12", "Ｎｏ．", "ｓｔ", "ＲＭ", "１２",
    "ß", "ẞ", "İ", "ﬁ", "K", "Σ", "ς", "ǅ", "é", "e\u0301", "²", "½", "٣", "中", "路", "_", "-",
    ".", ",", "/", "(", ")", "@", "+86", "0086", "13800138000", "+1 415 555 2671", " ", "  ",
    "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000",
    "\u200b", "\U0001f642", "a", "Z", "0", "9",
]  # fmt: skip


def _random_values(seed: int, n: int) -> pd.Series:
    import numpy as np

    rng = np.random.default_rng(seed)
    values: list[object] = []
    for _ in range(n):
        parts = []
        for _ in range(int(rng.integers(0, 8))):
            if rng.random() < 0.7:
                parts.append(PIECES[int(rng.integers(len(PIECES)))])
            else:  # any character of the Basic Multilingual Plane but surrogates
                parts.append(
                    chr(int(rng.choice([rng.integers(32, 127), rng.integers(160, 0xD800)])))
                )
        values.append("".join(parts))
    return pd.Series([*values, "", None, float("nan"), 12, "Rm 5, No. 12 Xinhua Rd."], dtype=object)


@pytest.mark.parametrize("seed", [0, 1])
def test_keys_are_those_of_the_reference_definitions(seed: int) -> None:
    values = _random_values(seed, 3000)
    assert address_key(values).tolist() == _reference_address(values)
    assert account_key(values).tolist() == _reference_account(values)
    assert plain_key(values).tolist() == _reference_plain(values)
    for region in ("CN", "US"):
        assert phone_key(values, region).tolist() == _reference_phone(values, region)
    kinds = pd.Series(["phone", "address", "account", "email"] * len(values))[: len(values)]
    kinds.index = values.index
    by_kind = identifier_key(kinds, values)
    for kind, reference in (
        ("phone", lambda v: _reference_phone(v, "CN")),
        ("address", _reference_address),
        ("account", _reference_account),
        ("email", _reference_plain),
    ):
        mine = kinds == kind
        assert by_kind[mine].tolist() == reference(values[mine])


def test_keys_keep_the_index_and_python_only_text() -> None:
    values = pd.Series(["Rm 5", " Shop\ud800 "], index=[7, 3], dtype=object)
    assert address_key(values[:1]).index.tolist() == [7]
    # a lone surrogate has no UTF-8 form: Arrow cannot hold it, Python's functions key it
    assert account_key(values).tolist() == _reference_account(values)
    assert plain_key(values).tolist() == _reference_plain(values)
    assert phone_key(values, "US").tolist() == _reference_phone(values, "US")
    assert address_key(pd.Series([], dtype=object)).tolist() == []


def test_ascii_whitespace_is_what_python_strips() -> None:
    import re

    from graphring.normalize import _PHONE_SEPARATORS_ASCII, ASCII_WHITESPACE

    ascii_ = [chr(c) for c in range(128)]
    assert set(ASCII_WHITESPACE) == {c for c in ascii_ if c.isspace()}
    separators = {c for c in ascii_ if re.fullmatch(r"[\s\-./()]", c)}
    assert {c for c in ascii_ if re.fullmatch(_PHONE_SEPARATORS_ASCII, c)} == separators


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ascii_address_keys_made_on_bytes_are_those_of_the_reference(seed: int) -> None:
    """ASCII values' gaps are found on their bytes and their abbreviations word by word,
    not by regexes: the same keys, for columns all ASCII, some, or none, and for a slice
    of a longer Arrow array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from graphring.normalize import _GAP_RE, _gaps

    rng = np.random.default_rng(seed)
    alphabet = list("aNostrdvbl12 .,#-_/\t") + ["No. ", "Rd", "st", "  ", "\x00", "é", "中"]
    alphabet += ["fl", "flr", "bldg", "rm", "ave", "av", "\u3000", " st ", " ave."]
    values = ["".join(rng.choice(alphabet, int(rng.integers(0, 12)))) for _ in range(2000)]
    ascii_ = [v for v in values if v.isascii()]
    for column in (values, ascii_, [v for v in values if not v.isascii()], ["", "--", ""]):
        series = pd.Series(column, dtype=object)
        assert address_key(series).tolist() == _reference_address(series)
    longer = pa.array(["x-", *ascii_, "-y"], type=pa.string()).slice(1, len(ascii_))
    assert _gaps(longer).to_pylist() == pc.replace_substring_regex(longer, _GAP_RE, " ").to_pylist()
