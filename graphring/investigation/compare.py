"""What two rings have in common: shops, identifiers and offline sites."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from graphring.investigation.ring import Ring


def compare(a: Ring, b: Ring) -> pd.DataFrame:
    """What two rings have in common: shops, identifiers (held by a shop of each), and
    offline sites serving both. A ring may come from another investigation (the same
    group in last month's run). ``shops_a`` / ``shops_b`` count each ring's shops
    involved; empty when the rings share nothing.

    >>> from graphring.investigation import sample_investigation
    >>> inv = sample_investigation()
    >>> first, second = inv.rings()["ring_id"].iloc[:2]
    >>> inv.compare(first, second).columns.tolist()
    ['shared', 'kind', 'key', 'shops_a', 'shops_b', 'detail']
    >>> inv.compare(first, first)["shared"].value_counts().index.tolist()[:1]
    ['identifier']
    """
    rows: list[dict[str, Any]] = []
    ma = a.members.set_index("merchant_id")["core"]
    mb = b.members.set_index("merchant_id")["core"]

    def role(core: bool) -> str:
        return "core" if core else "associate"

    for mid in sorted(set(ma.index) & set(mb.index)):
        rows.append(
            {
                "shared": "member",
                "kind": "shop",
                "key": mid,
                "shops_a": 1,
                "shops_b": 1,
                "detail": f"{role(bool(ma[mid]))} in {a.ring_id}, "
                f"{role(bool(mb[mid]))} in {b.ring_id}",
            }
        )
    ia, ib = a.identifiers(), b.identifiers()
    both = ia.merge(ib, on=["kind", "key"], suffixes=("_a", "_b"))
    for r in both.itertuples(index=False):
        rows.append(
            {
                "shared": "identifier",
                "kind": r.kind,
                "key": r.key,
                "shops_a": int(r.shops_a),
                "shops_b": int(r.shops_b),
                "detail": f"held by {int(r.holders_a)} shops in all",
            }
        )
    la = a.leads.set_index("address")
    lb = b.leads.set_index("address")
    for addr in sorted(set(la.index) & set(lb.index)):
        served = set(str(la.at[addr, "merchant_ids"]).split(";"))
        served_b = set(str(lb.at[addr, "merchant_ids"]).split(";"))
        rows.append(
            {
                "shared": "lead",
                "kind": "address",
                "key": addr,
                "shops_a": len(served & set(ma.index)),
                "shops_b": len(served_b & set(mb.index)),
                "detail": f"score {float(la.at[addr, 'score']):g}, "
                f"{int(la.at[addr, 'shipments'])} shipments",
            }
        )
    out = pd.DataFrame(rows, columns=["shared", "kind", "key", "shops_a", "shops_b", "detail"])
    order = {"member": 0, "identifier": 1, "lead": 2}
    out = out.assign(_o=out["shared"].map(order), _n=out["shops_a"] + out["shops_b"])
    out = out.sort_values(
        ["_o", "_n", "kind", "key"], ascending=[True, False, True, True], kind="stable"
    )
    out = out.drop(columns=["_o", "_n"]).reset_index(drop=True)
    out.attrs.update(a=a.ring_id, b=b.ring_id)
    return out
