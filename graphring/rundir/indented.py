"""Indented JSON, byte for byte as ``json.dumps(data, indent=..., ensure_ascii=False,
allow_nan=False, default=...)`` writes it, at nearly the compiled encoder's speed.

With an indent, :mod:`json` encodes in pure Python, a few calls per value. Here every list
or dict that holds no list or dict (most of a ring's document: its members, each reason,
each lead) goes to the compiled encoder whole, its item separator carrying the newline
and indent the pure-Python encoder would put between the items; only the containers that
hold containers are walked here. Errors are those :mod:`json` raises (a NaN a
``ValueError``, a value :mod:`json` does not know goes to ``default``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: Values the compiled encoder writes as the pure-Python one does, whatever the indent
#: (subclasses included: both write an int or float subclass as int's or float's repr).
_SCALARS = (str, int, float)
_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def dumps_indented(data: Any, default: Callable[[Any], Any], indent: int = 2) -> str:
    """``json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False,
    default=default)``.

    >>> dumps_indented({"a": [1, 2], "b": {"c": None}}, str)
    '{\\n  "a": [\\n    1,\\n    2\\n  ],\\n  "b": {\\n    "c": null\\n  }\\n}'
    """
    return _Writer(default, " " * indent).value(data, "\n")


class _Writer:
    def __init__(self, default: Callable[[Any], Any], step: str) -> None:
        self.default = default
        self.step = step
        #: the compiled encoder for the items of a container at each indent
        self.flat: dict[str, Callable[[Any], str]] = {}
        #: containers being written (json's check for a circular reference)
        self.markers: set[int] = set()

    def value(self, o: Any, nl: str) -> str:
        """``o`` written at the indent of ``nl`` (a newline and that indent)."""
        # the pure-Python encoder's order of checks
        if isinstance(o, str):
            return str(_string(o))
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if isinstance(o, int):
            return int.__repr__(o)
        if isinstance(o, float):
            return _float(o)
        if isinstance(o, (list, tuple)):
            return self.array(o, nl)
        if isinstance(o, dict):
            return self.object(o, nl)
        key = self.enter(o)
        text = self.value(self.default(o), nl)
        self.markers.discard(key)
        return text

    def array(self, o: list[Any] | tuple[Any, ...], nl: str) -> str:
        if not o:
            return "[]"
        inner = nl + self.step
        if all(v is None or isinstance(v, _SCALARS) for v in o):
            return "[" + inner + self.encoder(inner)(o)[1:-1] + nl + "]"
        key = self.enter(o)
        parts = [self.value(v, inner) for v in o]
        self.markers.discard(key)
        return "[" + inner + ("," + inner).join(parts) + nl + "]"

    def object(self, o: dict[Any, Any], nl: str) -> str:
        if not o:
            return "{}"
        inner = nl + self.step
        if all(v is None or isinstance(v, _SCALARS) for v in o.values()):
            return "{" + inner + self.encoder(inner)(o)[1:-1] + nl + "}"
        key = self.enter(o)
        parts = [
            (_string(k) if type(k) is str else _key(k))
            + ": "
            + (_string(v) if type(v) is str else self.value(v, inner))
            for k, v in o.items()
        ]
        self.markers.discard(key)
        return "{" + inner + ("," + inner).join(parts) + nl + "}"

    def enter(self, o: Any) -> int:
        key = id(o)
        if key in self.markers:
            raise ValueError("Circular reference detected")
        self.markers.add(key)
        return key

    def encoder(self, inner: str) -> Callable[[Any], str]:
        """The compiled encoder of a list or dict of scalars at the indent of ``inner``
        (made once per indent; no circular check, as nothing in it holds anything)."""
        found = self.flat.get(inner)
        if found is None:
            make = json.encoder.c_make_encoder  # type: ignore[attr-defined]
            if make is None:  # no compiled json: the pure-Python encoder, unindented
                found = json.JSONEncoder(
                    ensure_ascii=False, allow_nan=False, separators=("," + inner, ": ")
                ).encode
            else:
                # markers, default, encoder, indent, key and item separators,
                # sort_keys, skipkeys, allow_nan
                encode = make(
                    None, self.default, _string, None, ": ", "," + inner, False, False, False
                )
                found = lambda o: "".join(encode(o, 0))  # noqa: E731
            self.flat[inner] = found
        return found


def _float(o: float) -> str:
    if o != o or o in (float("inf"), float("-inf")):
        raise ValueError("Out of range float values are not JSON compliant: " + repr(o))
    return float.__repr__(o)


def _key(k: Any) -> str:
    """A dict key as the pure-Python encoder writes it (keys never go to ``default``)."""
    if isinstance(k, str):
        pass
    elif isinstance(k, float):
        k = _float(k)
    elif k is True:
        k = "true"
    elif k is False:
        k = "false"
    elif k is None:
        k = "null"
    elif isinstance(k, int):
        k = int.__repr__(k)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")
    return str(_string(k))
