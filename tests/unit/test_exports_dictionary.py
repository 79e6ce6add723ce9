"""The data dictionary is generated from the pandera schemas: what a Field says is what it prints."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipeline.app.dictionary import build_dictionary, render_markdown, write_dictionary


@pytest.fixture(scope="module")
def dictionary():
    return build_dictionary()


def table(dictionary, name):
    return next(t for t in dictionary["tables"] if t["table"] == name)


def column(dictionary, name, col):
    return next(c for c in table(dictionary, name)["columns"] if c["column"] == col)


def test_units_meanings_and_ranges_come_from_the_schema_fields(dictionary):
    price = column(dictionary, "model_prices", "input_usd_per_mtok")
    assert price == {"column": "input_usd_per_mtok", "type": "Float64", "nullable": True,
                     "unit": "USD per 1M tokens", "meaning": "Price of input tokens", "allowed": "≥ 0"}
    assert column(dictionary, "model_prices", "service_tier")["allowed"] == "one of standard, priority, flex"
    assert column(dictionary, "model_prices", "quarter")["allowed"] == r"matches ^\d{4}Q[1-4]$"
    assert table(dictionary, "model_prices")["meaning"].startswith("Per quarter, the latest price")


def test_a_parser_schema_documents_its_familys_observation_table(dictionary):
    assert table(dictionary, "price_observations")["schema"] == "schemas.prices.PriceObservation"


def test_markdown_and_json_are_written_with_warehouse_types(tmp_path, dictionary):
    con = duckdb.connect()
    con.execute("CREATE TABLE model_prices (quarter VARCHAR, provisional BOOLEAN, input_usd_per_mtok DOUBLE, extra INT)")
    con.execute("CREATE TABLE undocumented_things (id INT)")
    json_path, md_path = write_dictionary(tmp_path, con)
    written = json.loads(json_path.read_text())
    assert column(written, "model_prices", "input_usd_per_mtok")["warehouse_type"] == "DOUBLE"
    assert column(written, "model_prices", "extra")["meaning"] == "(not described by a schema)"
    assert table(written, "undocumented_things")["meaning"] == "(no schema: see warehouse/*.sql)"
    text = md_path.read_text()
    assert "## model_prices" in text
    assert "| input_usd_per_mtok | Float64, nullable | USD per 1M tokens | Price of input tokens | ≥ 0 |" in text
    assert render_markdown(dictionary).startswith("# Data dictionary")
