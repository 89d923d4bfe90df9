"""ftcore_data.store.column: a whole column as a list, in the dataset's own row order."""

from __future__ import annotations

import datasets

from ftcore_data.store import column


def test_column_follows_selections_and_shuffles():
    """After select and shuffle (an indices mapping over the Arrow table) the list is in the dataset's order."""
    ds = datasets.Dataset.from_dict({"n": list(range(50)), "s": [f"r{i}" for i in range(50)]})
    view = ds.shuffle(seed=1).select(range(5, 30))
    assert column(view, "n") == [row["n"] for row in view]
    assert column(view, "s") == [row["s"] for row in view]
    assert column(view, "n") != list(range(5, 30))


def test_column_of_an_empty_selection():
    """No rows: an empty list."""
    ds = datasets.Dataset.from_dict({"n": [1, 2, 3]})
    assert column(ds.select([]), "n") == []
