"""Which quarters a refresh recomputes."""

from datetime import datetime

from pipeline.core.incremental import fingerprint, plan
from pipeline.core.quarters import Quarter

FIRST, RUNNING = Quarter(2024, 1), Quarter(2026, 4)


def labels(qs):
    return [q.label for q in qs]


def test_inconsistent_state_recomputes_everything():
    quarters, why = plan(FIRST, RUNNING, consistent=False, new_quarters=[])
    assert labels(quarters)[0] == "2024Q1" and labels(quarters)[-1] == "2026Q4" and len(quarters) == 12
    assert why.startswith("all quarters")


def test_nothing_new_recomputes_the_running_quarter_and_the_one_before():
    quarters, _ = plan(FIRST, RUNNING, consistent=True, new_quarters=[])
    assert labels(quarters) == ["2026Q3", "2026Q4"]


def test_new_bundled_history_reaches_back_to_its_quarter():
    quarters, why = plan(FIRST, RUNNING, consistent=True, new_quarters=[Quarter(2025, 4), Quarter(2026, 2)])
    assert labels(quarters) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"] and "2025Q4" in why


def test_fingerprint_follows_curated_files_and_assumptions(tmp_path):
    curated = tmp_path / "curated"
    curated.mkdir()
    (curated / "prices.csv").write_text("provider,model\n")
    base = fingerprint(curated)
    assert fingerprint(curated) == base
    (curated / "prices.csv").write_text("provider,model\nopenai,openai/gpt-4o\n")
    changed = fingerprint(curated)
    assert changed != base
    what_if = tmp_path / "what-if.yaml"
    what_if.write_text("hours_per_month: 700\n")
    assert fingerprint(curated, what_if) != changed


def test_a_replay_reads_only_sources_with_bundled_responses_not_yet_ingested(tmp_path):
    from pipeline.core.archive import sha256_hex
    from pipeline.core.paths import Paths
    from pipeline.core.recorded import load_index
    from pipeline.core.sources import source_by_name
    from pipeline.core.warehouse import apply_ddl, connect
    from pipeline.runner import _replay_sources

    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    paths.warehouse_dir.mkdir()
    assert _replay_sources(paths, datetime(2026, 11, 28)) is None  # nothing published: every source runs
    openrouter = source_by_name("openrouter")
    con = connect(paths.db)
    apply_ddl(con)
    for entry in load_index("openrouter", openrouter.recorded_dir):
        fetch_id = f"replay-openrouter-{entry.observed_on.isoformat()}-{sha256_hex(entry.body())[:12]}"
        con.execute("INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, "
                    "group_id, run_id) VALUES (?, 'openrouter', 'prices', ?, ?, now(), ?, 'replay', ?, 'r')",
                    [fetch_id, entry.url, entry.group, entry.observed_at, fetch_id])
    con.close()
    chosen = _replay_sources(paths, datetime(2026, 11, 28))
    assert "openrouter" not in chosen  # all its bundled responses are in the warehouse
    assert "litellm" in chosen  # none of these are
    assert {"curated_prices", "curated_gpu_rates", "curated_benchmarks"} <= set(chosen)  # curated: always read
