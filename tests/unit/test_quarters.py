from datetime import date, datetime

import pytest

from pipeline.core.quarters import Quarter, quarter_range


def test_labels_bounds_and_partition_keys():
    q = Quarter.parse("2026Q3")
    assert (q.start, q.end) == (datetime(2026, 7, 1), datetime(2026, 10, 1))
    assert q.partition_key == "2026-07-01"
    assert Quarter.from_partition_key("2026-07-01") == q
    assert Quarter.of(date(2026, 9, 30)) == q and Quarter.of(date(2026, 10, 1)) == Quarter(2026, 4)


def test_year_boundaries():
    assert Quarter(2025, 4).next() == Quarter(2026, 1)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2025, 4).end == datetime(2026, 1, 1)
    assert [q.label for q in quarter_range(Quarter(2025, 3), Quarter(2026, 2))] == [
        "2025Q3", "2025Q4", "2026Q1", "2026Q2"]


@pytest.mark.parametrize("bad", ["2026Q5", "2026-Q1", "26Q1", "2026q1x", ""])
def test_bad_labels_are_refused(bad):
    with pytest.raises(ValueError, match="YYYYQn"):
        Quarter.parse(bad)
