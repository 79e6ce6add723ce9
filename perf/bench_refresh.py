"""The scale harness: how a refresh's cost grows with the sources, side by side with its goals.

Run by hand (`make benchmark`, or `.venv/bin/python perf/bench_refresh.py`), never inside
the test suite. Every refresh runs in a child process (perf/driver.py) with a fresh
warehouse and Dagster instance (SQLite on disk, as `ledger refresh` uses), timed from outside
with its peak RSS. The sources are the synthetic ones of perf/synth.py.

1. offline: a replay refresh of one quarter at each scale (goal at 1×: ≤ 8 s, ≤ 600 MB);
2. live: a live refresh of every fetched source at 1× from loopback hosts answering after 100 ms,
   against the latency bound (requests × latency ÷ per-host limit, largest over hosts; ≤ 1.2×);
3. rerun: the same live refresh again, sources unchanged: bytes against the first (≤ 5 %) and new
   observation rows (0);
4. throughput: parse + validate + load of one body per format at 10×, against DuckDB reading the
   same file (≥ 0.3×);
5. history: 40 quarters of two price sources at 10×: warehouse size against one quarter's (≤ 3×),
   p50 of an as-of query and a drift query (≤ 100 ms).
`bundled` (not in the default set) is the replay of all bundled history, cold then warm.
Prints a table and writes perf/results/bench_refresh.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from measures import history, throughput  # noqa: E402
from pipeline.core.sources import discover_families  # noqa: E402
from pipeline.core.warehouse import ident  # noqa: E402
from serve import SyntheticWeb, busy_seconds, latency_bound  # noqa: E402
from synth import generate, write_recorded  # noqa: E402

DRIVER = [sys.executable, str(HERE / "driver.py")]
PER_HOST_LIMIT = 2  # HttpResource's default


def run_child(args: list[str], env: dict[str, str]) -> dict:
    """Wall seconds, peak RSS (MB) and the driver's JSON line, for one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out_r = proc.stdout
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out = out_r.read()
    last = next((line for line in reversed(out.splitlines()) if line.startswith("{")), "{}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "exit_code": os.waitstatus_to_exitcode(status), **json.loads(last)}


def fresh(tmp: Path, name: str) -> dict[str, str]:
    home = tmp / name / "dagster"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(home), "LEDGER_DAGSTER_STORAGE": str(home / "storage"),
            "LEDGER_WAREHOUSE_DIR": str(tmp / name / "warehouse"), "LEDGER_EXPORTS_DIR": str(tmp / name / "exports")}


def offline(scales: list[float], tmp: Path, profile: bool) -> list[dict]:
    rows = []
    for scale in scales:
        recorded = write_recorded(generate(scale), tmp / f"recorded-{scale:g}x", "2026-11-01")
        mb = sum(p.stat().st_size for p in recorded.rglob("*.bin")) / 2**20
        stats = tmp / f"offline-{scale:g}x.pstats"
        args = [*DRIVER, "--mode", "replay", "--recorded", str(recorded)]
        args += ["--profile", str(stats)] if profile else []
        got = run_child(args, fresh(tmp, f"offline-{scale:g}x"))
        rows.append({"measure": "offline", "scale": scale, "source_mb": round(mb, 1), **_brief(got)})
        if profile and stats.exists():
            rows[-1]["profile"] = _top(stats)
    return rows


def live(tmp: Path, latency_s: float) -> list[dict]:
    bodies = generate(1.0)
    fetched = ",".join(sorted(bodies))
    with SyntheticWeb(bodies, latency_s) as web:
        env = fresh(tmp, "live")
        args = [*DRIVER, "--mode", "live", "--only", fetched] + [f"--mirror={o}={u}" for o, u in web.overrides.items()]
        first = run_child(args, env)
        served_first = list(web.stats.served)
        db = Path(env["LEDGER_WAREHOUSE_DIR"]) / "ledger.duckdb"
        rows_before = _observation_rows(db)
        second = run_child(args, env)
        served_second = web.stats.since(len(served_first))
        rows_after = _observation_rows(db)
    bound = latency_bound(served_first, latency_s, PER_HOST_LIMIT)
    busy = busy_seconds(served_first)
    bytes_first = sum(s.body_bytes for s in served_first)
    bytes_second = sum(s.body_bytes for s in served_second)
    return [
        {"measure": "live", "scale": 1.0, "requests": len(served_first), "hosts": len(web.overrides),
         "bound_s": round(bound, 2), "busy_s": round(busy, 2), "busy_ratio": round(busy / bound, 2),
         "wall_ratio": round(first["wall_s"] / bound, 2), **_brief(first)},
        {"measure": "rerun", "scale": 1.0, "requests": len(served_second),
         "not_modified": sum(s.status == 304 for s in served_second),
         "bytes_first": bytes_first, "bytes_second": bytes_second,
         "bytes_ratio": round(bytes_second / bytes_first, 4) if bytes_first else None,
         "new_observation_rows": rows_after - rows_before, **_brief(second)},
    ]


def bundled(tmp: Path) -> list[dict]:
    env, rows = fresh(tmp, "bundled"), []
    for kind in ("cold", "warm"):
        got = run_child([sys.executable, "-m", "pipeline.app.cli", "refresh", "--mode", "replay",
                         "--as-of", "2026-11-28T12:00:00"], {**env, "PYTHONPATH": str(ROOT)})
        rows.append({"measure": f"bundled {kind}", "scale": None, **_brief(got)})
    return rows


def _observation_rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = sorted({f.observation_table for f in discover_families().values()})
        # names cannot be ? parameters: ident() admits only a plain identifier
        return sum(con.execute(f"SELECT count(*) FROM {ident(t)}").fetchall()[0][0] for t in tables)
    finally:
        con.close()


def _brief(got: dict) -> dict:
    keys = ("wall_s", "peak_rss_mb", "exit_code", "published", "seconds", "failures", "blocking")
    return {k: got.get(k) for k in keys}


# Where a refresh's time goes, by the code it is spent in (self time, from cProfile).
BUCKETS = (("Dagster's SQLite event log (sqlite3, SQLAlchemy)", ("sqlite3", "sqlalchemy")),
           ("HTML parsing (BeautifulSoup, lxml)", ("bs4", "lxml")), ("DuckDB", ("duckdb",)),
           ("polars and pandera", ("polars", "pandera")), ("Dagster itself", ("dagster",)),
           ("the ledger's own code", (str(ROOT / "pipeline"),)))


def _top(stats_file: Path, n: int = 10) -> list[str]:
    """Self time per kind of code, then the ledger's functions with the most cumulative time."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    spent = dict.fromkeys([b for b, _ in BUCKETS] + ["other"], 0.0)

    def bucket(path: str) -> str:
        return next((b for b, marks in BUCKETS if any(m in path for m in marks)), "other")
    for (path, _, _), v in stats.items():
        if path != "~":
            spent[bucket(path)] += v[2]
            continue
        # A built-in (sqlite3's commit, polars' collect…) is charged to its callers, per caller.
        for caller, timing in v[4].items():
            spent[bucket(caller[0])] += timing[2]
    lines = [f"{sec:7.2f}s {sec / total:4.0%}  {bucket}"
             for bucket, sec in sorted(spent.items(), key=lambda kv: -kv[1])]
    ours = sorted(((k, v) for k, v in stats.items() if k[0].startswith(str(ROOT / "pipeline"))),
                  key=lambda kv: kv[1][3], reverse=True)
    lines += [f"{v[3]:7.2f}s cumulative  {k[0].replace(str(ROOT) + '/', '')}:{k[1]}({k[2]})" for k, v in ours[:n]]
    return lines


def table(results: dict) -> str:
    lines = [f"{'measure':<36}{'scale':>5}  {'figure':<70}{'goal':<26}met"]

    def add(name, scale, figure, goal, ok):
        verdict = "-" if ok is None else "yes" if ok else "NO"
        lines.append(f"{name:<36}{'' if scale is None else f'{scale:g}x':>5}  {figure:<70}{goal:<26}{verdict}")
    for r in results.get("offline", []):
        add("offline refresh, one quarter", r["scale"], f"{r['wall_s']} s wall, {r['peak_rss_mb']} MB peak RSS "
            f"({r['source_mb']} MB of sources)", "<= 8 s, <= 600 MB at 1x",
            None if r["scale"] != 1 else (r["wall_s"] <= 8 and r["peak_rss_mb"] <= 600 and bool(r["published"])))
    for r in results.get("live", []):
        if r["measure"] == "live":
            add("live refresh, 100 ms per response", 1, f"{r['wall_s']} s wall = {r['wall_ratio']}x bound "
                f"{r['bound_s']} s; network busy {r['busy_s']} s = {r['busy_ratio']}x", "<= 1.2x bound",
                r["wall_ratio"] <= 1.2)
        else:
            add("second live refresh, unchanged", 1, f"{r['bytes_second']:,} of {r['bytes_first']:,} bytes "
                f"({r['bytes_ratio']:.2%}); {r['new_observation_rows']} new rows", "<= 5 %, 0 rows",
                r["bytes_ratio"] is not None and r["bytes_ratio"] <= 0.05 and r["new_observation_rows"] == 0)
    for r in results.get("throughput", []):
        add(f"parse+validate+load {r['source']}", 10, f"{r['mb']} MB in {r['pipeline_s']} s vs DuckDB "
            f"{r['duckdb_s']} s = {r['ratio']}x", ">= 0.3x DuckDB", r["ratio"] >= 0.3)
    h = results.get("history")
    if h:
        add(f"{h['quarters']} quarters of history", h["scale"], f"{h['warehouse_mb_all']} MB vs "
            f"{h['warehouse_mb_one_quarter']} MB = {h['size_ratio']}x", "<= 3x one quarter", h["size_ratio"] <= 3)
        add("as-of query / drift query, p50", h["scale"], f"{h['as_of_p50_ms']} ms / {h['drift_p50_ms']} ms "
            f"over {h['observation_rows']:,} rows", "<= 100 ms", max(h["as_of_p50_ms"], h["drift_p50_ms"]) <= 100)
    for r in results.get("bundled", []):
        add(f"replay of all bundled history ({r['measure'].split()[1]})", None,
            f"{r['wall_s']} s wall, {r['peak_rss_mb']} MB peak RSS", "-", None)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", default="offline,live,throughput,history",
                        help="comma-separated: offline, live (with rerun), throughput, history, bundled")
    parser.add_argument("--scales", default="1,10", help="scales of the offline refresh (100 is slow: minutes, GBs)")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--history-quarters", type=int, default=40)
    parser.add_argument("--history-scale", type=float, default=10)
    parser.add_argument("--profile", action="store_true", help="profile the offline refreshes (cProfile)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    chosen = args.measures.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    results: dict = {}
    try:
        if "offline" in chosen:
            results["offline"] = offline([float(s) for s in args.scales.split(",")], tmp, args.profile)
        if "live" in chosen:
            results["live"] = live(tmp, args.latency)
        if "throughput" in chosen:
            (tmp / "throughput").mkdir()
            results["throughput"] = throughput(10, tmp / "throughput")
        if "history" in chosen:
            results["history"] = history(args.history_scale, args.history_quarters, tmp)
        if "bundled" in chosen:
            results["bundled"] = bundled(tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(table(results))
    for r in results.get("offline", []):
        for line in r.get("profile", []):
            print(f"  {r['scale']:g}x profile: {line}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_refresh.json").write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results}, indent=2, default=str) + "\n")
    print(f"wrote {out / 'bench_refresh.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
