"""Quality figures at several seeds and sizes, for the README and docs.

python benchmarks/quality.py --seeds 11 23 37 --shops 5000 --engine louvain
python benchmarks/quality.py --giant   # with everyday sharing: a giant component

With ``--giant`` the marketplaces have everyday honest sharing, 3PL warehouses, service
accounts and co-working registrations (graphring.sample.sharing), and the table adds the
honest background shops among ring members and the largest ring.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import pandas as pd

from graphring.config import Settings
from graphring.evaluate import background_in_rings, evaluate
from graphring.pipeline import run_pipeline
from graphring.sample import write_sample
from graphring.sample.sharing import EverydaySharing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 23, 37])
    ap.add_argument("--shops", type=int, nargs="+", default=[5000])
    ap.add_argument("--engine", nargs="+", default=["louvain", "igraph"])
    ap.add_argument("--giant", action="store_true", help="everyday sharing: a giant component")
    args = ap.parse_args()
    sharing = EverydaySharing() if args.giant else None
    rows = []
    for shops in args.shops:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as tmp:
                info = write_sample(tmp, n_shops=shops, seed=seed, sharing=sharing)
                truth = pd.read_csv(info.truth_dir / "groups.csv")
                for engine in args.engine:
                    t = time.perf_counter()
                    result = run_pipeline(info.data_dir, Settings(engine=engine))
                    q = evaluate(result, truth)
                    extra = {}
                    if args.giant:
                        bg = background_in_rings(result, truth)
                        extra = {"background": bg.background, "largest_ring": bg.largest_ring}
                    rows.append(
                        {
                            "shops": shops,
                            "seed": seed,
                            "engine": engine,
                            **q.as_dict(),
                            **extra,
                            "seconds": round(time.perf_counter() - t, 1),
                        }
                    )
    frame = pd.DataFrame(rows)
    print(frame.to_markdown(index=False) if hasattr(frame, "to_markdown") else frame)


if __name__ == "__main__":
    main()
