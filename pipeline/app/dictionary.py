"""The data dictionary, generated from the pandera schemas in schemas/*.py (Markdown and JSON).

Each table, column, type, unit, meaning and allowed range comes from the schema that validates
it — its Field description, `metadata={"unit": ...}` and checks — so nothing is written twice. A
model documents the table its docstring names first (`` `model_prices`: ... ``); a family's
parser schema documents the family's observation table. With a warehouse connection, each column
also gets its warehouse type, and tables with no schema are listed with their columns.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import duckdb
import pandera.polars as pa

import schemas
from pipeline.core.export import EXPORT_SCHEMA_VERSION, atomic_write, quarterly_tables, reference_tables

DICTIONARY_JSON = "dictionary.json"
DICTIONARY_MD = "dictionary.md"
_TABLE_NAME = re.compile(r"^\s*`([a-z_][a-z0-9_]*)`")
_BOUNDS = {"greater_than_or_equal_to": "≥ {min_value}", "greater_than": "> {min_value}",
           "less_than_or_equal_to": "≤ {max_value}", "less_than": "< {max_value}",
           "equal_to": "= {value}", "not_equal_to": "≠ {value}", "str_matches": "matches {pattern}",
           "str_startswith": "starts with {string}", "str_endswith": "ends with {string}"}


def schema_models() -> list[type]:
    """Every DataFrameModel defined in the schemas package, in module then source order."""
    found = []
    for info in sorted(pkgutil.iter_modules(schemas.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"schemas.{info.name}")
        members = [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                   if issubclass(obj, pa.DataFrameModel) and obj is not pa.DataFrameModel
                   and obj.__module__ == module.__name__]
        found.extend(sorted(members, key=lambda m: inspect.getsourcelines(m)[1]))
    return found


def _observation_tables() -> dict[type, str]:
    from pipeline.core.sources import discover_families

    return {f.schema: f.observation_table for f in discover_families().values()}


def allowed(checks) -> str:
    """A column's checks in words: '≥ 0', 'one of a, b', 'between 0 and 100'…"""
    parts = []
    for check in checks:
        stats = check.statistics or {}
        if check.name == "isin":
            parts.append("one of " + ", ".join(str(v) for v in stats.get("allowed_values", [])))
        elif check.name == "notin":
            parts.append("not " + ", ".join(str(v) for v in stats.get("forbidden_values", [])))
        elif check.name == "in_range":
            lo = "[" if stats.get("include_min", True) else "("
            hi = "]" if stats.get("include_max", True) else ")"
            parts.append(f"{lo}{stats.get('min_value')}, {stats.get('max_value')}{hi}")
        elif check.name == "str_length":
            words = {"exact_value": "length {}", "min_value": "length ≥ {}", "max_value": "length ≤ {}"}
            parts.extend(words[k].format(v) for k, v in stats.items() if v is not None and k in words)
        elif check.name in _BOUNDS:
            parts.append(_BOUNDS[check.name].format(**stats))
        else:
            parts.append(f"check: {check.name}")
    return "; ".join(parts)


def describe_model(model: type, table: str) -> dict:
    schema = model.to_schema()
    doc = inspect.getdoc(model) or ""
    meaning = _TABLE_NAME.sub("", doc.splitlines()[0] if doc else "").lstrip(": ").strip()
    meaning = meaning[:1].upper() + meaning[1:]
    columns = []
    for name, col in schema.columns.items():
        metadata = col.metadata or {}
        columns.append({"column": name, "type": str(col.dtype), "nullable": bool(col.nullable),
                        "unit": metadata.get("unit"), "meaning": col.description or "",
                        "allowed": allowed(col.checks)})
    return {"table": table, "schema": f"{model.__module__}.{model.__name__}", "meaning": meaning,
            "columns": columns}


def build_dictionary(con: duckdb.DuckDBPyConnection | None = None) -> dict:
    observation = _observation_tables()
    tables: dict[str, dict] = {}
    for model in schema_models():
        match = _TABLE_NAME.match(inspect.getdoc(model) or "")
        table = match.group(1) if match else observation.get(model)
        if table and table not in tables:
            tables[table] = describe_model(model, table)
    if con is not None:
        _add_warehouse(con, tables)
    return {"schema_version": EXPORT_SCHEMA_VERSION,
            "tables": [tables[t] for t in sorted(tables)]}


def _add_warehouse(con: duckdb.DuckDBPyConnection, tables: dict[str, dict]) -> None:
    """Warehouse types per column; columns and tables the schemas do not describe, named as such."""
    exported = set(quarterly_tables(con)) | set(reference_tables(con))
    rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        by_table.setdefault(table, []).append((column, dtype))
    for table in sorted(exported):
        entry = tables.setdefault(table, {"table": table, "schema": None,
                                          "meaning": "(no schema: see warehouse/*.sql)", "columns": []})
        entry["exported"] = True
        known = {c["column"]: c for c in entry["columns"]}
        for column, dtype in by_table.get(table, []):
            if column in known:
                known[column]["warehouse_type"] = dtype
            else:
                entry["columns"].append({"column": column, "type": dtype, "warehouse_type": dtype,
                                         "nullable": True, "unit": None, "allowed": "",
                                         "meaning": "(not described by a schema)"})


def _cell(value) -> str:
    return str(value or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(dictionary: dict) -> str:
    lines = ["# Data dictionary", "",
             f"Generated from the pandera schemas in `schemas/` (export schema version "
             f"{dictionary['schema_version']}). Do not edit: `ledger export` rewrites it.", ""]
    for t in dictionary["tables"]:
        lines += [f"## {t['table']}", "", t["meaning"], ""]
        if t.get("schema"):
            lines += [f"Schema: `{t['schema']}`", ""]
        lines += ["| column | type | unit | meaning | allowed |", "|---|---|---|---|---|"]
        for c in t["columns"]:
            dtype = c["type"] + ("" if not c["nullable"] else ", nullable")
            lines.append(f"| {_cell(c['column'])} | {_cell(dtype)} | {_cell(c['unit'])} | {_cell(c['meaning'])} "
                         f"| {_cell(c['allowed'])} |")
        lines.append("")
    return "\n".join(lines)


def write_dictionary(exports_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> list[Path]:
    dictionary = build_dictionary(con)
    json_path, md_path = Path(exports_dir) / DICTIONARY_JSON, Path(exports_dir) / DICTIONARY_MD
    atomic_write(json_path, lambda p: p.write_text(json.dumps(dictionary, indent=2, ensure_ascii=False) + "\n",
                                                    encoding="utf-8"))
    atomic_write(md_path, lambda p: p.write_text(render_markdown(dictionary), encoding="utf-8"))
    return [json_path, md_path]
