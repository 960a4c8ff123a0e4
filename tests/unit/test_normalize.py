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
