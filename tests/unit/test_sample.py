"""The sample marketplace: the same seed writes the same files, byte for byte."""

from pathlib import Path

from graphring.sample import EverydaySharing, write_sample


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_ones(tmp_path: Path) -> None:
    sharing = EverydaySharing()
    write_sample(tmp_path / "a", n_shops=2500, seed=5, sharing=sharing)
    write_sample(tmp_path / "b", n_shops=2500, seed=5, sharing=sharing)
    write_sample(tmp_path / "c", n_shops=2500, seed=6, sharing=sharing)
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert len(a) == 7 and a == b
    assert all(a[name] != c[name] for name in a)
