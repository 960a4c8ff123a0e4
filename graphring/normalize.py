"""Raw identifiers -> canonical keys, so one real address, account or phone is one node.

Every function takes and returns a pandas Series and works on whole columns, once per
distinct value. :func:`text_keys` is that work on distinct values already held by Arrow
(the contract reader passes its own). ASCII values, the bulk of a column, go through
Arrow's kernels; the others through Python's NFKC, casefold and ``re``, so every key is
what the definitions written with Python's functions give.
"""

from __future__ import annotations

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
# Plain string patterns for Arrow's regex engine (RE2): there ``\b``, ``\s`` and ``\d`` are
# ASCII-only, ``\p{L}`` and ``\p{N}`` Unicode.
# Each run of anything but letters and digits (punctuation, spaces): one space.
_GAP_RE = r"[^\p{L}\p{N}]+"
# House-number markers: "No. 12", "No12", "#12" (the "#" is already a space by then).
_NUMBER_MARKER_RE = r"\bno\s*(\d)"
# A whole word is replaced by a whole word that is no abbreviation: the expansions cannot
# feed each other, so one regex per expanded word is exact, and a value without any
# abbreviation (found by one match over the column) is left out of them.
_ANY_ABBREVIATION_RE = r"\b(?:" + "|".join(_ABBREVIATIONS) + r")\b"
_EXPANSIONS = [
    (r"\b(?:" + "|".join(a for a, w in _ABBREVIATIONS.items() if w == word) + r")\b", word)
    for word in dict.fromkeys(_ABBREVIATIONS.values())
]
#: What Python's ``str.strip()`` and ``re``'s ``\s`` take for whitespace among ASCII.
ASCII_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of ``values`` and their distinct values as text (missing ones empty), found
    by hashing the values as they are: no string work on every row."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=object).astype("string").fillna("")


def _on_distinct(kind: str, values: pd.Series, region: str = "CN") -> pd.Series:
    """:func:`text_keys` of ``values``, run once per distinct value."""
    codes, uniques = _distinct(values)
    objects = uniques.to_numpy(dtype=object)
    try:
        text = pa.array(objects, type=pa.string())
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8, so Python's functions alone
        keys = _python_keys(kind, pd.Series(objects, dtype=object), region)
    else:
        keys = text_keys(kind, text, region)
    return pd.Series(keys[codes] if len(codes) else [], index=values.index, dtype=object)


def text_keys(kind: str, text: pa.Array, region: str = "CN") -> np.ndarray:
    """The key of each value of ``text`` (Arrow strings, none missing) as an identifier of
    ``kind`` (``phone``, ``address``, ``account``, any other: plain), an object array.

    >>> text_keys("account", pa.array(["gb29 nwbk-6016"])).tolist()
    ['GB29NWBK6016']
    """
    if kind == "phone":
        return _phone_keys(_squeezed_phones(text), region)
    if kind == "address":
        out = _address_keys(text)
    elif kind == "account":
        out = _ascii_or_python(text, _ascii_account, _python_account)
    else:
        out = _ascii_or_python(text, _ascii_plain, _python_plain)
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=object)


def _python_keys(kind: str, values: pd.Series, region: str) -> np.ndarray:
    """Keys of values Arrow cannot hold (not UTF-8), where Python's functions make them."""
    if kind == "phone":
        return _phone_keys(_python_squeezed(values).to_numpy(dtype=object), region)
    if kind == "address":
        pa.array(values.to_numpy(dtype=object), type=pa.string())  # raises, as it always has
    fn = _python_account if kind == "account" else _python_plain
    return fn(values).to_numpy(dtype=object)


def _ascii_or_python(
    text: pa.Array,
    on_ascii: Callable[[pa.Array], pa.Array],
    on_other: Callable[[pd.Series], pd.Series],
) -> pa.Array:
    """``on_ascii`` (Arrow) of the ASCII values, ``on_other`` (Python) of the others."""
    out = on_ascii(text)
    other = pc.invert(pc.string_is_ascii(text))
    if pc.any(other).as_py():
        rest = pd.Series(text.filter(other).to_numpy(zero_copy_only=False), dtype=object)
        done = pa.array(on_other(rest).to_numpy(dtype=object), type=pa.string())
        out = pc.replace_with_mask(out, other, done)
    return out


# ASCII text is its own NFKC form, and casefold and upper only change its letters' case.
def _python_account(values: pd.Series) -> pd.Series:
    return values.str.normalize("NFKC").str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper()


def _ascii_account(text: pa.Array) -> pa.Array:
    return pc.ascii_upper(pc.replace_substring_regex(text, r"[^0-9A-Za-z]", ""))


def _python_plain(values: pd.Series) -> pd.Series:
    return values.str.normalize("NFKC").str.strip().str.casefold()


def _ascii_plain(text: pa.Array) -> pa.Array:
    return pc.ascii_lower(pc.utf8_trim(text, characters=ASCII_WHITESPACE))


def _python_folded(values: pd.Series) -> pd.Series:
    return values.str.normalize("NFKC").str.casefold()


def address_key(values: pd.Series) -> pd.Series:
    """Canonical key of a raw address.

    >>> address_key(pd.Series(["Rm 5, No. 12 Xinhua Rd.", "ＲＭ ５ #12 xinhua road"])).tolist()
    ['room 5 12 xinhua road', 'room 5 12 xinhua road']
    """
    return _on_distinct("address", values)


def _address_keys(text: pa.Array) -> pa.Array:
    # Arrow's compute kernels run the regexes in C++ over the whole column
    arr = _gaps(_ascii_or_python(text, pc.ascii_lower, _python_folded))
    # values without "no" (a plain substring search) have no marker to drop
    marked = pc.match_substring(arr, "no")
    if pc.any(marked).as_py():
        arr = pc.replace_with_mask(
            arr, marked, pc.replace_substring_regex(arr.filter(marked), _NUMBER_MARKER_RE, r"\1")
        )
    hit = pc.match_substring_regex(arr, _ANY_ABBREVIATION_RE)
    if pc.any(hit).as_py():
        some = _by_ascii(arr.filter(hit), _ascii_expanded, _expanded)
        arr = pc.replace_with_mask(arr, hit, some)
    return pc.utf8_trim_whitespace(arr)


def _gaps(arr: pa.Array) -> pa.Array:
    """Each run of anything but letters and digits one space (:data:`_GAP_RE`)."""
    return _by_ascii(
        arr, _ascii_gaps, lambda other: pc.replace_substring_regex(other, _GAP_RE, " ")
    )


def _by_ascii(
    arr: pa.Array,
    on_ascii: Callable[[pa.Array], pa.Array],
    on_other: Callable[[pa.Array], pa.Array],
) -> pa.Array:
    """``on_ascii`` of the ASCII values of ``arr`` (Arrow strings, none missing: else
    ``on_other`` of all), ``on_other`` of the others."""
    ascii_ = pc.string_is_ascii(arr)
    if arr.type != pa.string() or arr.null_count or not pc.any(ascii_).as_py():
        return on_other(arr)
    if pc.all(ascii_).as_py():
        return on_ascii(arr)
    other = pc.invert(ascii_)
    out = pc.replace_with_mask(arr, ascii_, on_ascii(arr.filter(ascii_)))
    return pc.replace_with_mask(out, other, on_other(arr.filter(other)))


def _expanded(arr: pa.Array) -> pa.Array:
    """Each abbreviation written as a whole word replaced by its word, by regexes."""
    for pattern, word in _EXPANSIONS:
        arr = pc.replace_substring_regex(arr, pattern, word)
    return arr


def _ascii_expanded(arr: pa.Array) -> pa.Array:
    """:func:`_expanded` of ASCII values holding letters, digits and spaces only (as
    :func:`_gaps` leaves them): there the whole words (``\\b``) are what lies between
    spaces, so each such word is looked up among the abbreviations."""
    words = pc.split_pattern(arr, " ")
    flat = words.flatten()
    at = pc.index_in(flat, value_set=_ABBREVIATED)
    flat = pc.if_else(pc.is_valid(at), pc.take(_EXPANDED, at), flat)
    return pc.binary_join(pa.ListArray.from_arrays(words.offsets, flat), " ")


_ABBREVIATED = pa.array(list(_ABBREVIATIONS), type=pa.string())
_EXPANDED = pa.array(list(_ABBREVIATIONS.values()), type=pa.string())


def _ascii_gaps(arr: pa.Array) -> pa.Array:
    """:func:`_gaps` of ASCII values (Arrow strings, none missing), one byte a character:
    each byte that is no letter or digit a space, and of a run of them within a value
    the first kept only."""
    size = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + size + 1]
    data = arr.buffers()[2]
    body = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data else None
    if body is None or not len(body):
        return arr
    offsets = offsets - offsets[0]
    upper = body & np.uint8(0xDF)  # a letter's upper case; a digit's byte changes
    gap = ~(((body >= 48) & (body <= 57)) | ((upper >= 65) & (upper <= 90)))
    out = body.copy()
    out[gap] = 32
    # a gap byte right after another in the same value goes
    drop = np.zeros(len(body), dtype=bool)
    drop[1:] = gap[1:] & gap[:-1]
    drop[offsets[:-1][offsets[:-1] < len(body)]] = False
    dropped = np.flatnonzero(drop)
    # how many bytes each value loses, as a running total at each value's start
    of_value = np.searchsorted(offsets, dropped, side="right") - 1
    lost = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(of_value, minlength=size), out=lost[1:])
    return pa.StringArray.from_buffers(
        size,
        pa.py_buffer((offsets - lost).astype(np.int32)),
        pa.py_buffer(np.delete(out, dropped)),
    )


def account_key(values: pd.Series) -> pd.Series:
    """Letters and digits only, upper case.

    >>> account_key(pd.Series(["6222 0210-0112 3456", "6222021001123456"])).tolist()
    ['6222021001123456', '6222021001123456']
    """
    return _on_distinct("account", values)


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
# the same for ASCII values, in RE2 (Python's ``\s`` also takes \x1c-\x1f)
_PHONE_SEPARATORS_ASCII = r"[\t\n\x0b\x0c\r\x1c-\x1f \-./()]"
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
    return _on_distinct("phone", values, region)


def _python_squeezed(values: pd.Series) -> pd.Series:
    return values.str.normalize("NFKC").str.replace(_PHONE_SEPARATORS, "", regex=True)


def _squeezed_phones(text: pa.Array) -> np.ndarray:
    def ascii_(arr: pa.Array) -> pa.Array:
        return pc.replace_substring_regex(arr, _PHONE_SEPARATORS_ASCII, "")

    squeezed = _ascii_or_python(text, ascii_, _python_squeezed)
    return np.asarray(squeezed.to_numpy(zero_copy_only=False), dtype=object)


def _phone_keys(squeezed: np.ndarray, region: str) -> np.ndarray:
    """Keys of phone numbers with their separators removed, once per distinct one."""
    codes, uniques = pd.factorize(squeezed, sort=False)
    keys = np.full(len(uniques), "", dtype=object)
    rest = np.ones(len(uniques), dtype=bool)
    if region.upper() == "CN":
        mobile = _cn_mobile(uniques)
        fast = pd.notna(mobile)
        keys[fast] = "+86" + mobile[fast]
        rest = ~fast
    keys[rest] = [_one_phone(str(x), region) for x in uniques[rest]]
    return keys[codes]


def _cn_mobile(u: np.ndarray) -> np.ndarray:
    """The 11-digit mobile number of each value that is one (else missing): Arrow's RE2
    over the ASCII values (there Python's ``\\d`` is ``[0-9]``), Python's ``re`` over the
    rest (where ``\\d`` also matches other scripts' digits)."""
    arr = pa.array(u, type=pa.string())
    ascii_ = np.asarray(pc.string_is_ascii(arr), dtype=bool)
    found = pc.extract_regex(arr.filter(pa.array(ascii_)), _CN_MOBILE_RE2).flatten()[0]
    out = np.full(len(u), None, dtype=object)
    out[ascii_] = found.to_numpy(zero_copy_only=False)
    if not ascii_.all():
        rest = pd.Series(u[~ascii_], dtype=object)
        out[~ascii_] = rest.str.extract(_CN_MOBILE)[0].to_numpy(dtype=object)
    return out


def plain_key(values: pd.Series) -> pd.Series:
    """Emails, devices, IPs and other kinds: trimmed and case-folded.

    >>> plain_key(pd.Series(["  Shop@Example.COM "])).tolist()
    ['shop@example.com']
    """
    return _on_distinct("plain", values)


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
