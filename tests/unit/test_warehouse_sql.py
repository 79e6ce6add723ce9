"""Table and column names put into SQL text, and the row replacement built on them."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipeline.core.warehouse import ident, insert_frame, replace_rows


@pytest.mark.parametrize("name", ["model_prices", "usd_per_mtok", "_ledger_insert", "q4"])
def test_plain_identifiers_pass_unchanged(name: str):
    assert ident(name) == name


@pytest.mark.parametrize("name", ["model_prices; DROP TABLE models", "model_prices --", "a b", "", "Models",
                                  '"models"', "4q", "price.observations"])
def test_anything_else_is_refused_naming_it(name: str):
    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        ident(name)


def _table() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (quarter VARCHAR, v INTEGER)")
    con.execute("INSERT INTO t VALUES ('2026Q3', 1), ('2026Q3', 2), ('2026Q4', 3)")
    return con


def test_replace_rows_of_one_quarter_keeps_the_others():
    con = _table()
    assert replace_rows(con, "t", pl.DataFrame({"quarter": ["2026Q3"], "v": [9]}), "2026Q3") == 1
    assert con.execute("SELECT quarter, v FROM t ORDER BY v").fetchall() == [("2026Q4", 3), ("2026Q3", 9)]


def test_replace_rows_of_the_whole_table_and_with_nothing():
    con = _table()
    assert replace_rows(con, "t", pl.DataFrame({"v": [7], "quarter": ["2026Q1"]})) == 1  # by column name
    assert con.execute("SELECT quarter, v FROM t").fetchall() == [("2026Q1", 7)]
    assert replace_rows(con, "t", pl.DataFrame()) == 0
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_a_bad_table_name_touches_nothing():
    con = _table()
    with pytest.raises(ValueError):
        replace_rows(con, "t; DELETE FROM t", pl.DataFrame({"quarter": ["x"], "v": [1]}))
    with pytest.raises(ValueError):
        insert_frame(con, "t --", pl.DataFrame({"quarter": ["x"], "v": [1]}))
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 3
