"""Observations stored as versions: whatever order responses arrive in, the stored intervals are
exactly what the responses said, one version per change."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.versions import apply_changes, diff_versions, load_versions, valid_at

T0 = datetime(2025, 1, 1)
DDL = """CREATE TABLE obs (source VARCHAR, endpoint VARCHAR, fetch_id VARCHAR, observed_at TIMESTAMP,
         valid_from TIMESTAMP, valid_to TIMESTAMP, model VARCHAR, price DOUBLE)"""


def _apply(con, responses: dict[int, dict[str, float | None]], order: list[int]) -> None:
    applied: list[datetime] = []
    for day in order:
        t = T0 + timedelta(days=day)
        later = [x for x in applied if x > t]
        rows = pl.DataFrame({"model": list(responses[day]), "price": list(responses[day].values()),
                             "fetch_id": [f"f{day}"] * len(responses[day])},
                            schema={"model": pl.String, "price": pl.Float64, "fetch_id": pl.String})
        changes = diff_versions(load_versions(con, "obs", "s", "e"), rows, ["model"], t,
                                min(later) if later else None, dated_rows=False)
        apply_changes(con, "obs", "s", "e", ["model"], changes)
        applied.append(t)


def _expected(responses: dict[int, dict[str, float | None]]) -> set[tuple]:
    days = sorted(responses)
    out = set()
    for model in {m for r in responses.values() for m in r}:
        run_start, run_value = None, None
        for day in days:
            value = responses[day].get(model, "absent")
            if run_start is not None and value != run_value:
                if run_value != "absent":
                    out.add((model, run_value, T0 + timedelta(days=run_start), T0 + timedelta(days=day)))
                run_start = None
            if run_start is None:
                run_start, run_value = day, value
        if run_value != "absent":
            out.add((model, run_value, T0 + timedelta(days=run_start), None))
    return out


def _stored(con) -> set[tuple]:
    return {tuple(r) for r in con.execute("SELECT model, price, valid_from, valid_to FROM obs").fetchall()}


prices = st.sampled_from([1.0, 2.0, None])
response = st.dictionaries(st.sampled_from(["a", "b", "c"]), prices, max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(0, 30), response, min_size=1, max_size=6), st.randoms())
def test_any_arrival_order_stores_exactly_the_changes(responses, rnd):
    order = list(responses)
    rnd.shuffle(order)
    con = duckdb.connect()
    con.execute(DDL)
    _apply(con, responses, order)
    assert _stored(con) == _expected(responses)


def test_an_unchanged_response_adds_nothing_and_a_change_closes_the_old_version():
    con = duckdb.connect()
    con.execute(DDL)
    _apply(con, {0: {"a": 1.0, "b": 2.0}, 10: {"a": 1.0, "b": 2.0}, 20: {"a": 1.5}}, [0, 10, 20])
    rows = con.execute("SELECT model, price, fetch_id, valid_from, valid_to FROM obs ORDER BY model, valid_from").fetchall()
    assert rows == [("a", 1.0, "f0", T0, T0 + timedelta(days=20)),
                    ("a", 1.5, "f20", T0 + timedelta(days=20), None),
                    ("b", 2.0, "f0", T0, T0 + timedelta(days=20))]


def test_an_older_response_arriving_late_rewrites_only_its_own_interval():
    con = duckdb.connect()
    con.execute(DDL)
    _apply(con, {0: {"a": 1.0}, 20: {"a": 1.0}, 10: {"a": 9.0}}, [0, 20, 10])
    rows = con.execute("SELECT price, valid_from, valid_to FROM obs ORDER BY valid_from").fetchall()
    assert rows == [(1.0, T0, T0 + timedelta(days=10)), (9.0, T0 + timedelta(days=10), T0 + timedelta(days=20)),
                    (1.0, T0 + timedelta(days=20), None)]
    held = valid_at(load_versions(con, "obs", "s", "e"), T0 + timedelta(days=15))
    assert held["price"].to_list() == [9.0]
