"""Ring identity across runs: a new ring never takes an id another ring holds."""

from graphring.lineage import match_rings


def test_a_new_ring_whose_id_was_taken_gets_one_no_ring_holds() -> None:
    # run 1 had R-1; run 2 a different group hashing to R-1 got R-1b; in run 3 both are
    # previous rings and a third group hashing to R-1 appears: R-1b is taken too
    previous = {"R-1": {"a", "b", "c"}, "R-1b": {"d", "e", "f"}}
    current = {"R-1": {"x", "y", "z"}, "R-9": {"d", "e", "f"}}
    lineage = match_rings(current, previous)
    assert lineage.ids == {"R-1": "R-1b2", "R-9": "R-1b"}
    assert len(set(lineage.ids.values())) == len(current)
    assert lineage.changes["new"] == [{"ring_id": "R-1b2", "size": 3}]
    assert lineage.changes["dissolved"] == [{"ring_id": "R-1", "size": 3}]


def test_a_fallback_id_does_not_take_the_id_a_current_ring_keeps() -> None:
    previous = {"R-1": {"a", "b", "c"}}
    current = {"R-1": {"x", "y", "z"}, "R-1b": {"p", "q", "r"}}
    ids = match_rings(current, previous).ids
    assert ids == {"R-1": "R-1b2", "R-1b": "R-1b"}


def test_the_first_fallback_is_still_b() -> None:
    ids = match_rings({"R-1": {"x", "y", "z"}}, {"R-1": {"a", "b", "c"}}).ids
    assert ids == {"R-1": "R-1b"}
