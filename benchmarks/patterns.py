"""Quality per ring pattern (graphring/sample/patterns.py) at several seeds.

python benchmarks/patterns.py --seeds 11 23 37 --shops 3000 --per-pattern 6

Prints, per seed and pattern, the planted groups, recall (a reported ring with Jaccard >=
0.8) and alert rate (score >= 50), on a sample marketplace with the patterns added and on
identity-only data (``identity_ring`` and ``household``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from graphring.config import Settings
from graphring.evaluate import pattern_quality
from graphring.pipeline import run_pipeline
from graphring.sample import write_sample
from graphring.sample.patterns import identity_tables


def identity_run(seed: int, settings: Settings) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        tables, truth = identity_tables(seed=seed)
        for name, frame in tables.items():
            frame.to_csv(Path(tmp) / f"{name}.csv", index=False)
        return pattern_quality(run_pipeline(tmp, settings), truth)


def marketplace_run(seed: int, shops: int, per: int, settings: Settings) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        info = write_sample(tmp, n_shops=shops, seed=seed, patterns=per)
        truth = pd.read_csv(info.truth_dir / "groups.csv")
        return pattern_quality(run_pipeline(info.data_dir, settings), truth)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 23, 37])
    ap.add_argument("--shops", type=int, default=3000)
    ap.add_argument("--per-pattern", type=int, default=6)
    ap.add_argument("--engine", default="auto")
    args = ap.parse_args()
    settings = Settings(engine=args.engine)
    frames = []
    for seed in args.seeds:
        for q in (
            marketplace_run(seed, args.shops, args.per_pattern, settings),
            identity_run(seed, settings),
        ):
            frames.append(q.assign(seed=seed))
    table = pd.concat(frames, ignore_index=True)
    table = table[["seed", "pattern", "kind", "groups", "recall", "alert_rate", "mean_score"]]
    print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
