"""The in-process measurements: parse + validate + load throughput, and 40 quarters of history.

Both call the pure core directly (no Dagster): what is measured is the pipeline's own work on a
body, and the warehouse that years of observations make.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipeline.core.archive import RawArchive
from pipeline.core.family import GuardContext
from pipeline.core.fetch_records import FetchPlan
from pipeline.core.ingest import ingest_source
from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import discover_families, source_by_name
from pipeline.core.validate import validate
from pipeline.core.warehouse import apply_ddl, connect, insert_frame, query
from pipeline.prices.registry import rebuild_identity
from synth import generate

OBSERVED = Quarter(2026, 4).start + timedelta(days=31)
# One body per source, in each format DuckDB reads itself: CSV and JSON (object, dict, nested dict).
THROUGHPUT = {"skypilot_catalog": "/aws/vms.csv", "openrouter": "", "litellm": "", "lmarena": "leaderboard-text.json",
              "spdx": ""}
HISTORY_SOURCES = ("openrouter", "litellm")

AS_OF = "SELECT count(*), avg(input_usd_per_mtok) FROM prices_asof(?)"
DRIFT = """
WITH a AS (SELECT * FROM prices_asof(?)), b AS (SELECT * FROM prices_asof(?))
SELECT count(*), avg((b.input_usd_per_mtok - a.input_usd_per_mtok) / a.input_usd_per_mtok * 100)
FROM a JOIN b USING (canonical_model, provider, source, source_model_id, service_tier, context_tier_min_tokens)
WHERE a.input_usd_per_mtok IS DISTINCT FROM b.input_usd_per_mtok AND a.input_usd_per_mtok > 0
"""


def _duckdb_read(path: Path) -> float:
    """Seconds DuckDB takes to read the same file into a table of its own."""
    con = duckdb.connect()
    started = time.perf_counter()
    if path.suffix == ".csv":
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    else:
        con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, maximum_object_size = 1000000000)", [str(path)])
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def throughput(scale: float, tmp: Path) -> list[dict]:
    families = discover_families()
    bodies = generate(scale, only=set(THROUGHPUT))
    con = connect(tmp / "throughput.duckdb")
    apply_ddl(con)
    out = []
    for name, suffix in THROUGHPUT.items():
        item = next(b for b in bodies[name] if b.url.endswith(suffix))
        source = source_by_name(name)
        family = families[source.family]
        path = tmp / f"{name}{'.csv' if item.url.endswith('.csv') else '.json'}"
        path.write_bytes(item.body)
        conf = family.confirmations(CURATED_DIR) if family.confirmations else None
        started = time.perf_counter()
        parsed = source.parse(item.body, OBSERVED, item.url)
        parsed_at = time.perf_counter()
        checked = validate(family, parsed.rows, GuardContext(name, pl.DataFrame(), conf))
        validated_at = time.perf_counter()
        # A first response into an empty table: every row a new version, valid from its observation.
        stamp = [pl.lit(name).alias("source"), pl.lit(f"bench-{name}").alias("fetch_id"),
                 pl.lit(OBSERVED).cast(pl.Datetime("us")).alias("observed_at"), pl.lit(item.url).alias("endpoint"),
                 pl.lit(OBSERVED).cast(pl.Datetime("us")).alias("valid_from")]
        insert_frame(con, family.observation_table, checked.clean.with_columns(stamp))
        loaded_at = time.perf_counter()
        duck = _duckdb_read(path)
        pipeline_s = loaded_at - started
        out.append({"source": name, "mb": round(len(item.body) / 2**20, 2), "rows": checked.clean.height,
                    "parse_s": round(parsed_at - started, 3), "validate_s": round(validated_at - parsed_at, 3),
                    "load_s": round(loaded_at - validated_at, 3), "pipeline_s": round(pipeline_s, 3),
                    "duckdb_s": round(duck, 3), "ratio": round(duck / pipeline_s, 3)})
    con.close()
    return out


def _build_history(folder: Path, quarters: list[Quarter], first_index: int, scale: float) -> Path:
    """A warehouse holding one observation of each history source per quarter (file mode)."""
    folder.mkdir(parents=True)
    db = folder / "ledger.duckdb"
    con = connect(db)
    apply_ddl(con)
    archive, families = RawArchive(folder / "raw"), discover_families()
    for i, quarter in enumerate(quarters):
        bodies = generate(scale, drift=first_index + i, only=set(HISTORY_SOURCES))
        observed = quarter.start + timedelta(days=45)
        for name in HISTORY_SOURCES:
            source = source_by_name(name)
            (item,) = bodies[name]
            path = folder / f"{name}.body"
            path.write_bytes(item.body)
            plan = FetchPlan(mode="file", as_of=observed + timedelta(days=1), run_id=f"history-{quarter.label}",
                             curated_dir=CURATED_DIR, ingest_file=path, ingest_observed_at=observed,
                             ingest_endpoint=item.url, env={})
            outcome = ingest_source(source, families[source.family], plan, None, archive, con)
            if outcome.parse_errors or not outcome.rows_added:
                raise RuntimeError(f"{name} {quarter}: {outcome.parse_errors or 'no rows'}")
    rebuild_identity(con, CURATED_DIR)
    con.execute("CHECKPOINT")
    con.close()
    return db


def _last_day(quarter: Quarter) -> str:
    return str(quarter.end.date() - timedelta(days=1))


def _p50_ms(con, sql: str, params: list[list], repeat: int) -> float:
    times = []
    for p in params[:repeat]:
        started = time.perf_counter()
        con.execute(sql, p).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def history(scale: float, n_quarters: int, tmp: Path, repeat: int = 25) -> dict:
    # Forward from the bundled seed's newest quarter: a synthetic listing observed in 2017 would
    # name models released years later, which the release-date guard rightly holds back.
    first = last = Quarter(2026, 4)
    for _ in range(n_quarters - 1):
        last = last.next()
    quarters = quarter_range(first, last)
    started = time.perf_counter()
    one = _build_history(tmp / "history-1", quarters[-1:], n_quarters - 1, scale)
    many = _build_history(tmp / "history-all", quarters, 0, scale)
    build_s = time.perf_counter() - started
    con = duckdb.connect(str(many), read_only=True)
    rows = con.execute("SELECT count(*) FROM price_observations").fetchall()[0][0]
    rng = random.Random(40)
    days = [[_last_day(rng.choice(quarters))] for _ in range(repeat)]
    pairs = []
    for _ in range(repeat):
        i = rng.randrange(1, len(quarters))
        pairs.append([_last_day(quarters[i - 1]), _last_day(quarters[i])])
    con.execute(AS_OF, days[0]).fetchall()  # first touch reads the file; the p50 is of warm queries
    as_of_ms, drift_ms = _p50_ms(con, AS_OF, days, repeat), _p50_ms(con, DRIFT, pairs, repeat)
    con.close()
    size_one, size_many = one.stat().st_size, many.stat().st_size
    raw_one, raw_many = (sum(p.stat().st_size for p in (d.parent / "raw").rglob("*") if p.is_file())
                         for d in (one, many))
    return {"quarters": n_quarters, "scale": scale, "observation_rows": rows, "build_s": round(build_s, 1),
            "warehouse_mb_one_quarter": round(size_one / 2**20, 2), "warehouse_mb_all": round(size_many / 2**20, 2),
            "size_ratio": round(size_many / size_one, 2), "raw_mb_one_quarter": round(raw_one / 2**20, 2),
            "raw_mb_all": round(raw_many / 2**20, 2), "as_of_p50_ms": round(as_of_ms, 1),
            "drift_p50_ms": round(drift_ms, 1)}
