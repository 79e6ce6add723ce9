"""Iceberg columns for a warehouse table: types, required flags and docs.

Where a pandera model in schemas/ validates the table (matched as the data dictionary matches
them: the table its docstring names first, or the family's observation table), the model gives
each column's type, whether it is required and its description (with the unit) as the Iceberg
column doc; other columns keep the type DuckDB gives them. The model's type wins only when it is
of the same kind as DuckDB's (integer, floating, text…), so the type of a column never depends on
a row. A column is created required only when the model says so and the data agrees: Iceberg
cannot make an optional column required later, but can relax a required one.

Iceberg has no unsigned integers, intervals or durations: narrow unsigned types widen to signed
ones, and a column Iceberg cannot hold stops the export with its table, column and type.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.scale_out.target import IcebergExportError

DOC_KEY = b"doc"  # the field metadata pyiceberg reads as an Iceberg column doc
_TABLE_NAME = re.compile(r"^\s*`([a-z_][a-z0-9_]*)`")
_PANDERA_TYPES = ((pl.String, pa.string()), (pl.Int64, pa.int64()), (pl.Int32, pa.int32()),
                  (pl.Float64, pa.float64()), (pl.Float32, pa.float32()), (pl.Boolean, pa.bool_()),
                  (pl.Date, pa.date32()))


@functools.cache
def models_by_table() -> dict[str, type]:
    """Published table name → the pandera model that describes it."""
    from pipeline.core.sources import discover_families
    from pipeline.app.dictionary import schema_models

    observation = {f.schema: f.observation_table for f in discover_families().values()}
    found: dict[str, type] = {}
    for model in schema_models():
        match = _TABLE_NAME.match(inspect.getdoc(model) or "")
        table = match.group(1) if match else observation.get(model)
        if table:
            found.setdefault(table, model)
    return found


def table_comment(table: str) -> str | None:
    """The model's one-line meaning of the table (Spark and Trino show it as the table comment)."""
    model = models_by_table().get(table)
    doc = inspect.getdoc(model) if model else None
    meaning = _TABLE_NAME.sub("", doc.splitlines()[0]).lstrip(": ").strip() if doc else ""
    return meaning[:1].upper() + meaning[1:] or None


def normalise(dtype: pa.DataType, where: str) -> pa.DataType:
    """The Arrow type Iceberg stores for an Arrow type DuckDB produced."""
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return pa.string()
    if pa.types.is_null(dtype):
        return pa.string()  # a column DuckDB typed from NULLs alone
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or pa.types.is_binary_view(dtype):
        return pa.binary()
    if pa.types.is_boolean(dtype) or pa.types.is_floating(dtype) and dtype.bit_width >= 32:
        return dtype
    if pa.types.is_float16(dtype):
        return pa.float32()
    if pa.types.is_integer(dtype):
        if pa.types.is_uint64(dtype):
            return pa.decimal128(20, 0)
        signed_bits = dtype.bit_width if pa.types.is_signed_integer(dtype) else dtype.bit_width * 2
        return pa.int64() if signed_bits > 32 else pa.int32()
    if pa.types.is_decimal128(dtype) and dtype.precision <= 38 or pa.types.is_date32(dtype):
        return dtype
    if pa.types.is_date64(dtype):
        return pa.date32()
    if pa.types.is_timestamp(dtype):
        return pa.timestamp("us", tz="UTC" if dtype.tz else None)
    if pa.types.is_time(dtype):
        return pa.time64("us")
    if pa.types.is_dictionary(dtype):
        return normalise(dtype.value_type, where)
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_list_view(dtype):
        return pa.list_(normalise(dtype.value_type, where))
    if pa.types.is_map(dtype):
        return pa.map_(normalise(dtype.key_type, where), normalise(dtype.item_type, where))
    if pa.types.is_struct(dtype):
        return pa.struct([pa.field(f.name, normalise(f.type, where), f.nullable) for f in dtype])
    raise IcebergExportError(f"{where} has the type {dtype}, which an Iceberg table cannot hold; "
                             "cast it in the warehouse DDL (e.g. an interval to its seconds)")


def _kind(dtype: pa.DataType) -> str:
    if pa.types.is_integer(dtype):
        return "integer"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number"
    return str(dtype).split("[")[0].split("(")[0]


def _pandera_type(column) -> pa.DataType | None:
    dtype = column.dtype.type
    if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
        return pa.timestamp("us", tz="UTC" if getattr(dtype, "time_zone", None) else None)
    return next((arrow for polars_type, arrow in _PANDERA_TYPES if dtype == polars_type), None)


def _doc(column) -> str | None:
    unit = (column.metadata or {}).get("unit")
    text = (column.description or "").strip()
    return f"{text} ({unit})" if text and unit else text or None


def wanted_schema(table: str, data: pa.Table) -> pa.Schema:
    """The Iceberg columns of `table` for this publish, in the warehouse's column order."""
    model = models_by_table().get(table)
    columns = model.to_schema().columns if model is not None else {}
    fields = []
    for field in data.schema:
        dtype = normalise(field.type, f"column {field.name} of table {table}")
        described = columns.get(field.name)
        metadata, required = None, False
        if described is not None:
            typed = _pandera_type(described)
            if typed is not None and _kind(typed) == _kind(dtype):
                dtype = typed
            doc = _doc(described)
            metadata = {DOC_KEY: doc.encode()} if doc else None
            required = not described.nullable and data.column(field.name).null_count == 0
        fields.append(pa.field(field.name, dtype, nullable=not required, metadata=metadata))
    return pa.schema(fields)


_WIDENINGS = {(pa.int32(), pa.int64()), (pa.float32(), pa.float64())}


def evolution(wanted: pa.Schema, current: pa.Schema, data: pa.Table) -> tuple[pa.Schema, list[str]]:
    """The schema to union into the table's `current` one (Arrow form), and the changes in words.

    New columns come in optional; a required column whose data now holds nulls becomes optional;
    int→long and float→double widen; any other type change keeps the table's type (the data is
    cast to it, or the export stops naming the column).
    """
    existing = {f.name: f for f in current}
    fields, changes = [], []
    for field in wanted:
        old = existing.get(field.name)
        if old is None:
            fields.append(field.with_nullable(True))
            changes.append(f"added column {field.name} ({field.type})")
            continue
        dtype = field.type if (normalise(old.type, field.name), field.type) in _WIDENINGS else old.type
        if dtype != old.type:
            changes.append(f"widened {field.name} from {old.type} to {dtype}")
        nullable = old.nullable or data.column(field.name).null_count > 0
        if nullable and not old.nullable:
            changes.append(f"{field.name} is no longer required (the data holds nulls)")
        fields.append(pa.field(field.name, dtype, nullable=nullable, metadata=field.metadata))
    fields += [f.with_nullable(True) for name, f in existing.items() if name not in wanted.names]
    changes += [f"{name} is no longer in the warehouse: kept, null from now on" for name in existing
                if name not in wanted.names and not existing[name].nullable]
    return pa.schema(fields), changes


def conform(data: pa.Table, schema: pa.Schema, table: str) -> pa.Table:
    """`data` in the table's column order and types; columns the warehouse dropped are null."""
    arrays = []
    for field in schema:
        if field.name not in data.column_names:
            arrays.append(pa.nulls(data.num_rows, field.type))
            continue
        try:
            arrays.append(data.column(field.name).cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise IcebergExportError(f"column {field.name} of table {table} cannot be written as the Iceberg "
                                     f"table's {field.type}: {exc}") from None
    return pa.Table.from_arrays(arrays, schema=schema)


def content_hash(data: pa.Table, schema: pa.Schema) -> str:
    """sha256 of a table's columns (names, types, required, docs) and rows, in a fixed order."""
    digest = hashlib.sha256(json.dumps([[f.name, str(f.type), f.nullable, (f.metadata or {}).get(DOC_KEY, b"").decode()]
                                        for f in schema]).encode())
    # Parquet, not Arrow IPC: IPC copies the bytes under null slots, which DuckDB leaves unset.
    sink = pa.BufferOutputStream()
    pq.write_table(conform(data, schema, ""), sink, compression="none", write_statistics=False)
    digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()
