"""One source, one run: fetch → archive → parse → validate → store, into a staging warehouse.

Returns a SourceOutcome whose checks the Dagster asset reports as asset checks:
- `schema_valid` (blocking): every body parsed and its rows have the family's shape;
- `usable_share` (blocking): rejected + quarantined entries stay under the source's share and
  the source yielded rows (a layout or unit change shows up here, not as silently empty data);
- `no_quarantined_rows` (warning): rows held back by a row rule, listed for review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from pipeline.core.archive import RawArchive
from pipeline.core.family import Family, GuardContext
from pipeline.core.fetch_records import Fetched, FetchPlan, SourceUnavailable, utcnow
from pipeline.core.fetching import collect
from pipeline.core.http import HttpClient
from pipeline.core.sources import Source, SourceFormatError
from pipeline.core.validate import quarantine_records, validate
from pipeline.core.warehouse import ident, insert_frame, query

SCHEMA_VALID = "schema_valid"
USABLE_SHARE = "usable_share"
NO_QUARANTINED_ROWS = "no_quarantined_rows"
SAMPLE = 10


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    blocking: bool
    summary: str
    samples: list[dict] = field(default_factory=list)


@dataclass
class SourceOutcome:
    source: str
    family: str
    fetches: list[dict] = field(default_factory=list)
    rows_added: int = 0
    rejected: int = 0
    excluded: int = 0
    quarantined: int = 0
    exact_duplicates: int = 0
    entries: int = 0
    reused_parses: int = 0
    parse_errors: list[str] = field(default_factory=list)
    schema_errors: list[dict] = field(default_factory=list)
    quarantine_samples: list[dict] = field(default_factory=list)
    error: str | None = None
    checks: list[CheckOutcome] = field(default_factory=list)

    @property
    def modes(self) -> str:
        return ",".join(sorted({f["mode"] for f in self.fetches})) or "none"

    @property
    def stale(self) -> bool:
        return any(f.get("stale") for f in self.fetches)

    @property
    def bad_share(self) -> float:
        bad = self.rejected + self.quarantined
        return bad / self.entries if self.entries else 0.0

    def summary(self) -> dict:
        return {"source": self.source, "family": self.family, "modes": self.modes,
                "fetches": len(self.fetches), "rows_added": self.rows_added,
                "rejected": self.rejected, "excluded": self.excluded,
                "quarantined": self.quarantined, "exact_duplicates": self.exact_duplicates,
                "reused_parses": self.reused_parses, "stale": self.stale, "error": self.error,
                "stale_reason": next((f["stale_reason"] for f in self.fetches if f.get("stale_reason")), None),
                "checks": {c.name: c.passed for c in self.checks}}


def known_fetch_ids(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT fetch_id FROM raw_fetch WHERE source = ?", [source]).fetchall()}


def previous_observations(con: duckdb.DuckDBPyConnection, family: Family, source: str,
                          before: datetime) -> pl.DataFrame:
    keys = ", ".join(ident(c) for c in family.key_columns)
    return query(con, f"""
        SELECT * FROM {ident(family.observation_table)}
        WHERE source = ? AND observed_at < ?
        QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY observed_at DESC, fetch_id DESC) = 1
    """, [source, before])


def ingest_source(source: Source, family: Family, plan: FetchPlan, http: HttpClient | None,
                  archive: RawArchive, con: duckdb.DuckDBPyConnection) -> SourceOutcome:
    outcome = SourceOutcome(source.name, family.name)
    try:
        fetched = collect(source, plan, http, archive, known_fetch_ids(con, source.name))
    except SourceUnavailable as exc:
        outcome.fetches = exc.failures
        outcome.error = str(exc)
        _insert_fetches(con, exc.failures)
        raise
    confirmations = family.confirmations(plan.curated_dir) if family.confirmations else None
    for item in fetched:
        _ingest_body(source, family, item, con, confirmations, outcome)
    outcome.fetches = [f.record for f in fetched]
    _insert_fetches(con, outcome.fetches)
    outcome.checks = _checks(source, outcome)
    return outcome


def _ingest_body(source: Source, family: Family, item: Fetched, con: duckdb.DuckDBPyConnection,
                 confirmations: pl.DataFrame | None, outcome: SourceOutcome) -> None:
    rec, body = item.record, item.body
    if body is None:
        return
    done = con.execute("SELECT fetch_id FROM parsed_bodies WHERE source = ? AND sha256 = ? AND parser_version = ?",
                       [source.name, rec["sha256"], source.parser_version]).fetchall()
    if done:
        rec["parsed_fetch_id"] = done[0][0]
        outcome.reused_parses += 1
        return
    observed_at = datetime.fromisoformat(rec["observed_at"])
    try:
        parsed = source.parse(body, observed_at, rec["url"])
    except SourceFormatError as exc:
        message = f"{source.name}: {rec['url']}: {exc}"
        rec["error"] = f"parse failed: {exc}"
        outcome.parse_errors.append(message)
        return
    ctx = GuardContext(source.name, previous_observations(con, family, source.name, observed_at), confirmations)
    checked = validate(family, parsed.rows, ctx)
    if checked.schema_errors.height:
        outcome.schema_errors.extend(checked.schema_errors.head(SAMPLE).to_dicts())
        rec["error"] = "rows fail the schema: " + "; ".join(
            f"{r['column']}: {r['check']}" for r in checked.schema_errors.head(3).to_dicts())
        return
    stamp = [pl.lit(source.name).alias("source"), pl.lit(rec["fetch_id"]).alias("fetch_id"),
             pl.lit(observed_at).cast(pl.Datetime("us")).alias("observed_at")]
    clean = checked.clean
    if "observed_at" in clean.columns:  # rows dated one by one (curated files)
        clean = clean.with_columns(pl.col("observed_at").cast(pl.Datetime("us")))
        row_stamp = stamp[:2]
    else:
        row_stamp = stamp
    added = insert_frame(con, family.observation_table, clean.with_columns(row_stamp))
    rejects = parsed.rejects
    if checked.exact_duplicates:
        rejects = pl.concat([rejects, pl.DataFrame([{
            "record_key": "*", "field": None, "value": str(checked.exact_duplicates),
            "reason": f"{checked.exact_duplicates} exact duplicate row(s) removed", "kind": "excluded"}],
            schema=rejects.schema)])
    insert_frame(con, "rejects", rejects.with_columns(stamp))
    held = quarantine_records(family, checked)
    if held:
        insert_frame(con, "quarantine", pl.DataFrame(held).with_columns(
            *stamp, pl.lit(family.name).alias("family")))
    n_rejected = rejects.filter(pl.col("kind") == "rejected").height
    n_excluded = rejects.filter(pl.col("kind") == "excluded").height
    con.execute("INSERT INTO parsed_bodies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [source.name, rec["sha256"], source.parser_version, rec["fetch_id"], utcnow(),
                 added, n_rejected, n_excluded, len(held)])
    rec["parsed_fetch_id"] = rec["fetch_id"]
    outcome.rows_added += added
    outcome.rejected += n_rejected
    outcome.excluded += n_excluded
    outcome.quarantined += len(held)
    outcome.exact_duplicates += checked.exact_duplicates
    outcome.entries += parsed.entries if parsed.entries is not None else (
        parsed.rows.height + n_rejected)
    outcome.quarantine_samples.extend(
        {**json.loads(h["row_key"]), "rule": h["rule"], "detail": h["detail"]} for h in held[:SAMPLE])


def _checks(source: Source, o: SourceOutcome) -> list[CheckOutcome]:
    schema_ok = not o.parse_errors and not o.schema_errors
    schema_summary = ("every body parsed with the family's shape" if schema_ok else
                      "; ".join(o.parse_errors[:3]) or
                      f"{len(o.schema_errors)} schema-level failure(s): " + "; ".join(
                          f"{e['column']}: {e['check']}" for e in o.schema_errors[:3]))
    parsed_anything = o.entries > 0 or o.reused_parses > 0 or not o.fetches
    share_ok = o.bad_share <= source.max_bad_share and parsed_anything
    urls = ", ".join(sorted({f["url"] for f in o.fetches})) or "no fetch"
    share_summary = (f"{o.rejected} rejected + {o.quarantined} quarantined of {o.entries} entries "
                     f"({o.bad_share:.1%}; limit {source.max_bad_share:.0%}) in {urls}")
    if not parsed_anything:
        share_summary = f"no usable rows in {urls}"
    return [
        CheckOutcome(SCHEMA_VALID, schema_ok, True, schema_summary, o.schema_errors[:SAMPLE]),
        CheckOutcome(USABLE_SHARE, share_ok, True, share_summary),
        CheckOutcome(NO_QUARANTINED_ROWS, o.quarantined == 0, False,
                     f"{o.quarantined} row(s) quarantined", o.quarantine_samples[:SAMPLE]),
    ]


RAW_FETCH_COLUMNS = ["fetch_id", "source", "family", "url", "endpoint", "requested_at", "observed_at", "status",
                     "sha256", "bytes", "content_type", "mode", "error", "etag", "last_modified",
                     "attempts", "elapsed_ms", "stale", "stale_reason", "reused_fetch_id", "group_id",
                     "page", "run_id", "parser_version", "parsed_fetch_id", "provenance"]
RAW_FETCH_SCHEMA = {c: pl.String for c in RAW_FETCH_COLUMNS} | {
    "status": pl.Int32, "bytes": pl.Int64, "attempts": pl.Int32, "elapsed_ms": pl.Int64,
    "stale": pl.Boolean, "page": pl.Int32}


def _insert_fetches(con: duckdb.DuckDBPyConnection, records: list[dict]) -> None:
    if not records:
        return
    frame = pl.DataFrame([{c: r.get(c) for c in RAW_FETCH_COLUMNS} for r in records], schema=RAW_FETCH_SCHEMA)
    frame = frame.with_columns(pl.col("requested_at").str.to_datetime(time_unit="us"),
                               pl.col("observed_at").str.to_datetime(time_unit="us"))
    con.register("_ledger_fetches", frame)
    try:
        con.execute("INSERT OR REPLACE INTO raw_fetch BY NAME SELECT * FROM _ledger_fetches")
    finally:
        con.unregister("_ledger_fetches")
