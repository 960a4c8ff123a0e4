"""Raw identifiers -> canonical keys, so one real address, account or phone is one node.

Every function takes and returns a pandas Series and works on whole columns; the phone
parser runs once per distinct value, not once per row.
"""

from __future__ import annotations

import re

import pandas as pd
import phonenumbers

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
_ABBREV_RE = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b")
_PUNCT_RE = re.compile(r"[^\w\s]|_")
# House-number markers: "No. 12", "No12", "#12" (the "#" is already a word break by then).
_NUMBER_MARKER_RE = re.compile(r"\bno\s*(?=\d)")
_SPACE_RE = re.compile(r"\s+")


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.normalize("NFKC")


def address_key(values: pd.Series) -> pd.Series:
    """Canonical key of a raw address.

    >>> address_key(pd.Series(["Rm 5, No. 12 Xinhua Rd.", "ＲＭ ５ #12 xinhua road"])).tolist()
    ['room 5 12 xinhua road', 'room 5 12 xinhua road']
    """
    s = _text(values).str.casefold()
    s = s.str.replace(_PUNCT_RE, " ", regex=True)
    s = s.str.replace(_NUMBER_MARKER_RE, "", regex=True)
    s = s.str.replace(_ABBREV_RE, lambda m: _ABBREVIATIONS[m.group(1)], regex=True)
    return s.str.replace(_SPACE_RE, " ", regex=True).str.strip()


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


def phone_key(values: pd.Series, region: str = "CN") -> pd.Series:
    """E.164 form; ``region`` is the default country for numbers written without one.
    A value that cannot be read as a phone number keeps its digits only.

    >>> phone_key(pd.Series(["+86 138-0013-8000", "0086 13800138000", "13800138000"])).tolist()
    ['+8613800138000', '+8613800138000', '+8613800138000']
    """
    text = _text(values).str.strip()
    uniques = pd.unique(text.to_numpy())
    mapping = {u: _one_phone(str(u), region) for u in uniques}
    return text.map(mapping).astype("string")


def plain_key(values: pd.Series) -> pd.Series:
    """Emails, devices, IPs and other kinds: trimmed and case-folded.

    >>> plain_key(pd.Series(["  Shop@Example.COM "])).tolist()
    ['shop@example.com']
    """
    return _text(values).str.strip().str.casefold()


def identifier_key(kind: pd.Series, values: pd.Series, region: str = "CN") -> pd.Series:
    """Key of each value by its kind (``phone``, ``address``, ``account``, or any other)."""
    kind = kind.astype("string")
    out = plain_key(values)
    for name, fn in (
        ("phone", lambda v: phone_key(v, region)),
        ("address", address_key),
        ("account", account_key),
    ):
        mask = (kind == name).fillna(False).to_numpy()
        if mask.any():
            out[mask] = fn(values[mask])
    return out


#: Identifier kinds that are addresses: one node type whatever role a shop gives them.
ADDRESS = "address"
