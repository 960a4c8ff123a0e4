"""Identifiers written messily, as real exports write them: addresses in several spellings
that normalize to one key (abbreviations, full-width digits), phone and account formats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphring.sample.vocabulary import FULLWIDTH, PROVINCES, STREET_TYPES, STREETS


class Addresses:
    """Structured addresses, rendered in several messy ways that normalize to one key."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[pd.DataFrame] = []
        self.count = 0

    def new(
        self, province: np.ndarray, building: str | None = None, room: bool = True
    ) -> np.ndarray:
        n = len(province)
        rng = self.rng
        ids = np.arange(self.count, self.count + n)
        self.count += n
        self.rows.append(
            pd.DataFrame(
                {
                    "aid": ids,
                    "province": province,
                    "room": rng.integers(101, 2999, n) if room else np.zeros(n, dtype=np.int64),
                    "number": rng.integers(1, 999, n),
                    "street": rng.choice(STREETS, n),
                    "stype": rng.integers(0, 3, n),
                    "building": building or "",
                    # a unique-ish district word keeps unrelated addresses apart
                    "district": rng.integers(1, 60, n),
                }
            )
        )
        return ids

    def table(self) -> pd.DataFrame:
        t = pd.concat(self.rows, ignore_index=True).set_index("aid")
        t["city"] = t["province"].map(dict(PROVINCES))
        return t

    def render(self, aids: np.ndarray, table: pd.DataFrame) -> pd.Series:
        rows = table.loc[aids]
        n = len(rows)
        variant = self.rng.integers(0, 4, n)
        short = np.array([s for s, _ in STREET_TYPES])[rows["stype"].to_numpy()]
        long = np.array([s for _, s in STREET_TYPES])[rows["stype"].to_numpy()]
        room = rows["room"].to_numpy()
        has_room = room > 0
        room_s = pd.Series(room.astype(str))
        num = pd.Series(rows["number"].to_numpy().astype(str))
        street = pd.Series(rows["street"].to_numpy())
        bld = pd.Series(rows["building"].to_numpy())
        dist = pd.Series("District " + pd.Series(rows["district"].to_numpy().astype(str)))
        city = pd.Series(rows["city"].to_numpy())
        bld_part = np.where(bld != "", bld + " Bldg, ", "")
        v0 = (
            np.where(has_room, "Rm " + room_s + ", ", "")
            + bld_part
            + "No. "
            + num
            + " "
            + street
            + " "
            + short
            + "., "
            + dist
            + ", "
            + city
        )
        v1 = (
            np.where(has_room, "Room " + room_s + " ", "")
            + np.where(bld != "", bld + " Building ", "")
            + "#"
            + num
            + " "
            + street
            + " "
            + long
            + " "
            + dist
            + " "
            + city
        )
        v3 = (
            np.where(has_room, "room " + room_s + ", ", "")
            + np.where(bld != "", bld.str.lower() + " bldg, ", "")
            + "no"
            + num
            + " "
            + street.str.lower()
            + " "
            + pd.Series(long).str.lower()
            + ", "
            + dist.str.lower()
            + ", "
            + city
        )
        v2 = v0.str.translate(FULLWIDTH)
        out = np.select([variant == 0, variant == 1, variant == 2], [v0, v1, v2], v3)
        return pd.Series(out)


def phone_render(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mobile numbers written as exports write them: +86 dashed, 0086, +86, bare."""
    s = pd.Series(numbers.astype(str))
    v = rng.integers(0, 4, len(s))
    dashed = "+86 " + s.str[:3] + "-" + s.str[3:7] + "-" + s.str[7:]
    return np.select([v == 0, v == 1, v == 2], [dashed, "0086 " + s, "+86" + s], s)


def account_render(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Account numbers spaced in fours, dashed in fours, or bare."""
    s = pd.Series(numbers.astype(str))
    v = rng.integers(0, 3, len(s))
    spaced = s.str[:4] + " " + s.str[4:8] + " " + s.str[8:12] + " " + s.str[12:]
    dashed = s.str[:4] + "-" + s.str[4:8] + "-" + s.str[8:12] + "-" + s.str[12:]
    return np.select([v == 0, v == 1], [spaced, dashed], s)
