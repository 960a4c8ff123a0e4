"""What ties each ring member to the rest of its ring, and which members hang by a thread.

A member's ties are the identifiers (supernodes left out) it holds together with at least
one other member of its ring. A member with a single tie and a low risk of its own is
*weakly tied*: it may be an honest shop caught by one shared phone, and the packet says so
before anyone decides on the ring.
"""

from __future__ import annotations

import pandas as pd

from graphring.grouped import joined, of_groups
from graphring.linking import Links

#: A member with at most this many ties and a risk under WEAK_RISK is weakly tied.
WEAK_TIES = 1
WEAK_RISK = 20.0


def tie_labels(kind: pd.Series, role: pd.Series) -> pd.Series:
    """How a tie reads in "tied by": the kind, with the address's role before it.

    >>> tie_labels(pd.Series(["address", "phone"]), pd.Series(["warehouse", ""])).tolist()
    ['warehouse address', 'phone']
    """
    role = role.fillna("").astype(str)
    addr = (kind == "address") & (role != "")
    return kind.where(~addr, role + " " + kind)


def member_ties(groups: pd.DataFrame, links: Links) -> pd.DataFrame:
    """ring_id, merchant_id, ties (how many identifiers), tied_by (e.g. ``account,
    warehouse address ×2``) for every member (core or associate) of ``groups``.

    >>> from graphring.linking import Links
    >>> ids = pd.DataFrame({"node": [0, 1], "kind": ["phone", "address"], "key": ["p", "a"],
    ...     "holders": [2, 3], "rarity": [1.0, 1.0], "supernode": [False, False]})
    >>> ms = pd.DataFrame({"node": [0, 0, 1, 1, 1], "merchant_id": list("abbcd"),
    ...     "role": ["", "", "warehouse", "warehouse", "origin"], "shipments": 0})
    >>> g = pd.DataFrame({"ring_id": "R", "merchant_id": list("abcd"), "core": True})
    >>> t = member_ties(g, Links(pd.DataFrame(), ids, ms))
    >>> for row in t[["merchant_id", "ties", "tied_by"]].values.tolist():
    ...     print(*row)
    a 1 phone
    b 2 phone, warehouse address
    c 1 warehouse address
    d 1 origin address
    """
    ids = links.identifiers.set_index("node")
    ms = of_groups(links.memberships, groups, "ring_id")
    ms = ms.loc[~ids["supernode"].reindex(ms["node"]).fillna(True).to_numpy(dtype=bool)]
    ms = ms.drop_duplicates(["ring_id", "node", "merchant_id"])
    ms = ms.loc[ms.groupby(["ring_id", "node"])["merchant_id"].transform("size") >= 2]
    kind = pd.Series(ids["kind"].reindex(ms["node"]).to_numpy(), index=ms.index)
    ms = ms.assign(label=tie_labels(kind, ms["role"]).astype(str))
    per = ms.groupby(["ring_id", "merchant_id", "label"]).size().rename("n").reset_index()
    per["text"] = per["label"].where(per["n"] == 1, per["label"] + " ×" + per["n"].astype(str))
    by = ["ring_id", "merchant_id"]
    out = pd.DataFrame(
        {"ties": per.groupby(by)["n"].sum(), "tied_by": joined(per, by, "text", ", ")}
    )
    out = groups[["ring_id", "merchant_id"]].join(out, on=["ring_id", "merchant_id"])
    out["ties"] = out["ties"].fillna(0).astype(int)
    out["tied_by"] = out["tied_by"].fillna("")
    return out.reset_index(drop=True)


def weakly_tied(members: pd.DataFrame) -> pd.Series:
    """True for members with at most WEAK_TIES ties and a risk under WEAK_RISK."""
    risk = pd.to_numeric(members["risk_score"], errors="coerce").fillna(0)
    return (members["ties"] <= WEAK_TIES) & (risk < WEAK_RISK)
