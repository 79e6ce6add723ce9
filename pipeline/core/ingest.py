"""One source, one run: the collected responses → parse → validate → versions, in the staging warehouse.

A response is a group of pages (one for most sources) standing for one endpoint at one time.
A group whose bytes equal the previous response of the same endpoint is not parsed again; any
other group is parsed page by page, validated as a whole, and merged into the family's
observation table as versions (pipeline/core/versions.py). A group with a page that cannot be
parsed, or whose rows fail the family's schema, changes nothing: its fetches are recorded with
the error.

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

from pipeline.core.family import Family, GuardContext
from pipeline.core.fetch_records import Fetched
from pipeline.core.fetch_table import insert_fetches, known_fetch_ids
from pipeline.core.sources import Source, SourceFormatError
from pipeline.core.validate import deduplicated, quarantine_records, schema_failures_of_many, validate
from pipeline.core.versions import apply_changes, diff_versions, load_versions, valid_at
from pipeline.core.warehouse import insert_frame

SCHEMA_VALID = "schema_valid"
USABLE_SHARE = "usable_share"
NO_QUARANTINED_ROWS = "no_quarantined_rows"
SAMPLE = 10
CARRY = ("fetch_id",)  # bookkeeping a row carries through validation: the page it was read from
# Every whole response already merged, per endpoint (every page parsed, none failed).
APPLIED = """
SELECT endpoint, min(observed_at), list(sha256 ORDER BY page), min(parser_version) FROM raw_fetch
WHERE source = ? GROUP BY endpoint, group_id
HAVING bool_and(parsed_fetch_id IS NOT NULL AND error IS NULL)
"""


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
    rows_ended: int = 0
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
    # auto mode: no response and nothing to fall back to; left out of this run (a warning).
    gap: bool = False
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
                "fetches": len(self.fetches), "rows_added": self.rows_added, "rows_ended": self.rows_ended,
                "rejected": self.rejected, "excluded": self.excluded,
                "quarantined": self.quarantined, "exact_duplicates": self.exact_duplicates,
                "reused_parses": self.reused_parses, "stale": self.stale, "error": self.error, "gap": self.gap,
                "stale_reason": next((f["stale_reason"] for f in self.fetches if f.get("stale_reason")), None),
                "checks": {c.name: c.passed for c in self.checks}}


def groups_of(fetched: list[Fetched]) -> list[list[Fetched]]:
    """The responses in `fetched`, pages in order, oldest response first."""
    groups: dict[str, list[Fetched]] = {}
    for item in fetched:
        groups.setdefault(item.record["group_id"], []).append(item)
    ordered = [sorted(g, key=lambda f: f.record["page"]) for g in groups.values()]
    return sorted(ordered, key=lambda g: (g[0].record["observed_at"], g[0].record["requested_at"]))


@dataclass
class EndpointHistory:
    """The whole responses already merged, per endpoint: (observed_at, page sha256s, parser version)."""

    known: dict[str, list[tuple[datetime, list, str]]]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, source: str) -> EndpointHistory:
        known: dict[str, list] = {}
        for endpoint, at, shas, version in con.execute(APPLIED, [source]).fetchall():
            known.setdefault(endpoint, []).append((at, list(shas), version))
        return cls(known)

    def neighbours(self, endpoint: str, t: datetime) -> tuple[tuple | None, datetime | None]:
        """The response just before (or at) `t`, and the time of the one just after."""
        seen = sorted(self.known.get(endpoint, []), key=lambda r: r[0])
        before = [r for r in seen if r[0] <= t]
        after = [r[0] for r in seen if r[0] > t]
        return (before[-1] if before else None), (after[0] if after else None)

    def add(self, endpoint: str, t: datetime, shas: list, version: str) -> None:
        self.known.setdefault(endpoint, []).append((t, shas, version))


@dataclass
class _Read:
    """One response parsed: its pages' rows (deduplicated, numbered), rejects, entries."""

    group: list[Fetched]
    rows: pl.DataFrame
    rejects: pl.DataFrame
    entries: int
    exact_duplicates: int
    failures: pl.DataFrame | None = None


def ingest_fetched(source: Source, family: Family, fetched: list[Fetched], con: duckdb.DuckDBPyConnection,
                   confirmations: pl.DataFrame | None, releases: pl.DataFrame | None = None) -> SourceOutcome:
    outcome = SourceOutcome(source.name, family.name)
    history = EndpointHistory.load(con, source.name)
    reads: list[_Read] = []
    for group in groups_of(fetched):
        read = _read(source, group, history, outcome)
        if read is not None:
            reads.append(read)
    for read, failures in zip(reads, schema_failures_of_many(family.schema, [r.rows for r in reads], CARRY)):
        read.failures = failures
    for read in reads:
        _merge(source, family, read, con, confirmations, releases, history, outcome)
    outcome.fetches = [f.record for f in fetched]
    insert_fetches(con, outcome.fetches)
    outcome.checks = checks_for(source, outcome)
    return outcome


def _read(source: Source, group: list[Fetched], history: EndpointHistory, outcome: SourceOutcome) -> _Read | None:
    """Parse a response's pages; None when there is nothing to merge (failed, or unchanged)."""
    recs = [f.record for f in group]
    if any(f.body is None for f in group):
        return None  # a failed request: recorded with its error, nothing to read
    first = recs[0]
    t = datetime.fromisoformat(first["observed_at"])
    previous, _ = history.neighbours(first["endpoint"], t)
    shas = [r["sha256"] for r in recs]
    if previous is not None and previous[1] == shas and previous[2] == source.parser_version:
        for r in recs:  # the same bytes as the response before: nothing changes
            r["parsed_fetch_id"] = r["fetch_id"]
        outcome.reused_parses += len(recs)
        history.add(first["endpoint"], t, shas, source.parser_version)
        return None
    frames, rejects, entries = [], [], 0
    for item in group:
        rec = item.record
        try:
            parsed = source.parse(item.body, datetime.fromisoformat(rec["observed_at"]), rec["url"])
        except SourceFormatError as exc:
            rec["error"] = f"parse failed: {exc}"
            outcome.parse_errors.append(f"{source.name}: {rec['url']}: {exc}")
            return None
        frames.append(parsed.rows.with_columns(pl.lit(rec["fetch_id"]).alias("fetch_id")))
        rejects.append(parsed.rejects.with_columns(pl.lit(rec["fetch_id"]).alias("fetch_id")))
        entries += parsed.entries if parsed.entries is not None else parsed.rows.height + parsed.rejects.filter(
            pl.col("kind") == "rejected").height
    rows, duplicates = deduplicated(pl.concat(frames, how="diagonal_relaxed"), CARRY)
    return _Read(group, rows, pl.concat(rejects, how="vertical_relaxed"), entries, duplicates)


def _merge(source: Source, family: Family, read: _Read, con: duckdb.DuckDBPyConnection,
           confirmations: pl.DataFrame | None, releases: pl.DataFrame | None, history: EndpointHistory,
           outcome: SourceOutcome) -> None:
    """Validate a parsed response against the versions before it and merge it into them."""
    recs = [f.record for f in read.group]
    first = recs[0]
    t = datetime.fromisoformat(first["observed_at"])
    _, t_next = history.neighbours(first["endpoint"], t)
    dated = "observed_at" in read.rows.columns
    key = [c for c in family.key_columns if c in read.rows.columns]
    if dated and "observed_at" not in key:
        key.append("observed_at")  # rows that date themselves: each date of a key is its own history
    versions = load_versions(con, family.observation_table, source.name, first["endpoint"])
    ctx = GuardContext(source.name, valid_at(versions, t), confirmations, observed_at=t, releases=releases)
    checked = validate(family, read.rows, ctx, carry=CARRY, failures=read.failures,
                       exact_duplicates=read.exact_duplicates)
    if checked.schema_errors.height:
        outcome.schema_errors.extend(checked.schema_errors.head(SAMPLE).to_dicts())
        for r in recs:
            r["error"] = "rows fail the schema: " + "; ".join(
                f"{e['column']}: {e['check']}" for e in checked.schema_errors.head(3).to_dicts())
        return
    clean = checked.clean
    if dated:
        clean = clean.with_columns(pl.col("observed_at").cast(pl.Datetime("us")))
    changes = diff_versions(versions, clean, key, t, t_next, dated_rows=dated)
    added, ended = apply_changes(con, family.observation_table, source.name, first["endpoint"], key, changes)
    _record_held(con, source, family, checked, [read.rejects], t, outcome)
    for r in recs:
        r["parsed_fetch_id"] = r["fetch_id"]
    history.add(first["endpoint"], t, [r["sha256"] for r in recs], source.parser_version)
    outcome.rows_added += added
    outcome.rows_ended += ended
    outcome.entries += read.entries


def _record_held(con, source: Source, family: Family, checked, rejects: list[pl.DataFrame], t: datetime,
                 outcome: SourceOutcome) -> None:
    stamp = [pl.lit(source.name).alias("source"), pl.lit(t).cast(pl.Datetime("us")).alias("observed_at")]
    rejected = pl.concat(rejects, how="vertical_relaxed")
    if checked.exact_duplicates:
        rejected = pl.concat([rejected, pl.DataFrame([{
            "record_key": "*", "field": None, "value": str(checked.exact_duplicates),
            "reason": f"{checked.exact_duplicates} exact duplicate row(s) removed", "kind": "excluded",
            "fetch_id": rejected["fetch_id"][0] if rejected.height else None}], schema=rejected.schema)])
    insert_frame(con, "rejects", rejected.with_columns(stamp))
    held = quarantine_records(family, checked)
    if held:
        insert_frame(con, "quarantine", pl.DataFrame(held).with_columns(*stamp, pl.lit(family.name).alias("family")))
    outcome.rejected += rejected.filter(pl.col("kind") == "rejected").height
    outcome.excluded += rejected.filter(pl.col("kind") == "excluded").height
    outcome.quarantined += len(held)
    outcome.exact_duplicates += checked.exact_duplicates
    outcome.quarantine_samples.extend(
        {**json.loads(h["row_key"]), "rule": h["rule"], "detail": h["detail"]} for h in held[:SAMPLE])


def checks_for(source: Source, o: SourceOutcome) -> list[CheckOutcome]:
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


def ingest_source(source: Source, family: Family, plan, http, archive, con: duckdb.DuckDBPyConnection) -> SourceOutcome:
    """Collect `source`'s responses for `plan` and ingest them (one source on its own: tests, tools).
    Raises SourceUnavailable, after recording the failed fetches."""
    from pipeline.core.fetch_history import FetchHistory
    from pipeline.core.fetch_records import SourceUnavailable
    from pipeline.core.fetching import collect

    try:
        fetched = collect(source, plan, http, archive, known_fetch_ids(con, source.name),
                          FetchHistory.from_connection(con, [source]))
    except SourceUnavailable as exc:
        insert_fetches(con, exc.failures)
        raise
    confirmations = family.confirmations(plan.curated_dir) if family.confirmations else None
    releases = family.releases(plan.curated_dir) if family.releases else None
    return ingest_fetched(source, family, fetched, con, confirmations, releases)
