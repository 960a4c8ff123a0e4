"""Raw identifiers -> canonical keys, so one real address, account or phone is one node.

Every function takes and returns a pandas Series and works on whole columns; the phone
parser runs once per distinct value, not once per row.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

_ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "bldg": "building",
    "rm": "room",
    "fl": "floor",
    "flr": "floor",
}
_ABBREV_RE = {abbr: rf"\b{abbr}\b" for abbr in _ABBREVIATIONS}
# plain string patterns (not compiled): pandas hands them to Arrow's regex engine
_PUNCT_RE = r"[^\p{L}\p{N}\s]|_"
# House-number markers: "No. 12", "No12", "#12" (the "#" is already a word break by then).
_NUMBER_MARKER_RE = r"\bno\s*(\d)"
_SPACE_RE = r"\s+"


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.normalize("NFKC")


def _on_uniques(fn: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Run ``fn`` once per distinct value: raw identifiers repeat (a warehouse on every
    parcel it sends), and the string work is the cost."""

    @functools.wraps(fn)
    def wrapper(values: pd.Series) -> pd.Series:
        codes, uniques = _distinct(values)
        keys = fn(uniques).to_numpy(dtype=object)
        return pd.Series(keys[codes] if len(codes) else [], index=values.index, dtype=object)

    return wrapper


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of ``values`` and their distinct values as text (missing ones empty), found
    by hashing the values as they are: no string work on every row."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=object).astype("string").fillna("")


@_on_uniques
def address_key(values: pd.Series) -> pd.Series:
    """Canonical key of a raw address.

    >>> address_key(pd.Series(["Rm 5, No. 12 Xinhua Rd.", "ＲＭ ５ #12 xinhua road"])).tolist()
    ['room 5 12 xinhua road', 'room 5 12 xinhua road']
    """
    folded = _text(values).str.casefold()
    # Arrow's compute kernels run the regexes in C++ over the whole column
    arr = pa.array(folded.to_numpy(dtype=object), type=pa.string())
    arr = pc.replace_substring_regex(arr, _PUNCT_RE, " ")
    arr = pc.replace_substring_regex(arr, _NUMBER_MARKER_RE, r"\1")
    for abbr, pattern in _ABBREV_RE.items():
        arr = pc.replace_substring_regex(arr, pattern, _ABBREVIATIONS[abbr])
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, _SPACE_RE, " "))
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


@_on_uniques
def account_key(values: pd.Series) -> pd.Series:
    """Letters and digits only, upper case.

    >>> account_key(pd.Series(["6222 0210-0112 3456", "6222021001123456"])).tolist()
    ['6222021001123456', '6222021001123456']
    """
    return _text(values).str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper()


def _one_phone(raw: str, region: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Separators people put inside phone numbers; removing them first leaves one written form
# per number and prefix, so the (slow) phone parser sees far fewer distinct values.
_PHONE_SEPARATORS = re.compile(r"[\s\-./()]")
# Chinese mobile numbers, the bulk of a Chinese marketplace's phones: with region CN these
# are exactly what phonenumbers makes of them, without parsing each one.
_CN_MOBILE = re.compile(r"^(?:\+86|0086)?(1[3-9]\d{9})$")
# the same in RE2 (Arrow), for ASCII values: a named group, digits spelled out
_CN_MOBILE_RE2 = r"^(?:\+86|0086)?(?P<mobile>1[3-9][0-9]{9})$"


def phone_key(values: pd.Series, region: str = "CN") -> pd.Series:
    """E.164 form; ``region`` is the default country for numbers written without one.
    A value that cannot be read as a phone number keeps its digits only.

    >>> phone_key(pd.Series(["+86 138-0013-8000", "0086 13800138000", "13800138000"])).tolist()
    ['+8613800138000', '+8613800138000', '+8613800138000']
    """
    raw_codes, raw = _distinct(values)
    squeezed = _text(raw).str.replace(_PHONE_SEPARATORS, "", regex=True)
    codes, uniques = pd.factorize(squeezed, sort=False)
    codes = codes[raw_codes]
    u = pd.Series(uniques, dtype="string")
    keys = pd.Series("", index=u.index, dtype=object)
    rest = pd.Series(True, index=u.index)
    if region.upper() == "CN":
        mobile = _cn_mobile(u)
        fast = mobile.notna().to_numpy()
        keys[fast] = "+86" + mobile[fast]
        rest = ~fast
    keys[rest] = [_one_phone(str(x), region) for x in u[rest]]
    out = keys.to_numpy(dtype=object)
    return pd.Series(out[codes] if len(codes) else [], index=values.index, dtype=object)


def _cn_mobile(u: pd.Series) -> pd.Series:
    """The 11-digit mobile number of each value that is one (else missing): Arrow's RE2
    over the ASCII values (there Python's ``\\d`` is ``[0-9]``), Python's ``re`` over the
    rest (where ``\\d`` also matches other scripts' digits)."""
    arr = pa.array(u.to_numpy(dtype=object), type=pa.string())
    ascii_ = np.asarray(pc.string_is_ascii(arr), dtype=bool)
    found = pc.extract_regex(arr.filter(pa.array(ascii_)), _CN_MOBILE_RE2).flatten()[0]
    out = pd.Series(np.nan, index=u.index, dtype=object)
    out[ascii_] = found.to_numpy(zero_copy_only=False)
    if not ascii_.all():
        out[~ascii_] = u[~ascii_].str.extract(_CN_MOBILE)[0].astype(object).to_numpy()
    return out


@_on_uniques
def plain_key(values: pd.Series) -> pd.Series:
    """Emails, devices, IPs and other kinds: trimmed and case-folded.

    >>> plain_key(pd.Series(["  Shop@Example.COM "])).tolist()
    ['shop@example.com']
    """
    return _text(values).str.strip().str.casefold()


def identifier_key(kind: pd.Series, values: pd.Series, region: str = "CN") -> pd.Series:
    """Key of each value by its kind (``phone``, ``address``, ``account``, or any other)."""
    kind = kind.astype(object)
    out = pd.Series("", index=values.index, dtype=object)
    plain = np.ones(len(values), dtype=bool)
    for name, fn in (
        ("phone", lambda v: phone_key(v, region)),
        ("address", address_key),
        ("account", account_key),
    ):
        mask = (kind == name).to_numpy(dtype=bool)
        plain &= ~mask
        if mask.any():
            out[mask] = fn(values[mask])
    if plain.any():
        out[plain] = plain_key(values[plain])
    return out


#: Identifier kinds that are addresses: one node type whatever role a shop gives them.
ADDRESS = "address"
