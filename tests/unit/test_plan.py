"""What a refresh does: which quarters it recomputes and which sources it reads, decided by one
pure function from the settings and what is already published."""

from datetime import datetime
from pathlib import Path

import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.plan import PlanError, PlanInputs, PublishedState, fingerprint, make_plan
from pipeline.core.quarters import Quarter
from pipeline.core.recorded import bundled_fetch_id, load_index
from pipeline.core.sources import discover_sources, source_by_name

NOW = datetime(2026, 11, 28, 12)
SOURCES = discover_sources()


def labels(plan):
    return [q.label for q in plan.quarters]


def plan_for(state=PublishedState(), **inputs):
    return make_plan(PlanInputs(**inputs), state, "run-1", NOW, SOURCES)


def consistent_state(**kw) -> PublishedState:
    return PublishedState(exists=True, consistent_fingerprint=fingerprint(CURATED_DIR), **kw)


def all_bundled_ids() -> frozenset[str]:
    return frozenset(bundled_fetch_id(s.name, e.observed_on, e.body())
                     for s in SOURCES for e in load_index(s.name, s.recorded_dir))


def test_a_first_run_recomputes_every_quarter_and_records_its_fingerprint():
    plan = plan_for(mode="replay")
    assert labels(plan)[0] == "2024Q1" and labels(plan)[-1] == "2026Q4" and len(plan.quarters) == 12
    assert plan.quarters_reason.startswith("all quarters")
    assert plan.consistent_fingerprint == plan.fingerprint == fingerprint(CURATED_DIR)


def test_nothing_new_recomputes_the_running_quarter_and_the_one_before():
    plan = plan_for(consistent_state(bundled_fetch_ids=all_bundled_ids()), mode="replay")
    assert labels(plan) == ["2026Q3", "2026Q4"]
    # A replay with nothing new reads only the curated files (always read).
    assert set(plan.sources) == {s.name for s in SOURCES if s.local}


def test_new_bundled_history_reaches_back_to_its_quarter():
    openrouter = source_by_name("openrouter")
    entries = load_index("openrouter", openrouter.recorded_dir)
    oldest = min(entries, key=lambda e: e.observed_on)
    known = all_bundled_ids() - {bundled_fetch_id("openrouter", oldest.observed_on, oldest.body())}
    plan = plan_for(consistent_state(bundled_fetch_ids=known), mode="replay")
    start = Quarter.of(oldest.observed_on)
    assert labels(plan)[0] == min(start, Quarter(2026, 3)).label and "new bundled responses" in plan.quarters_reason
    assert "openrouter" in plan.sources and "litellm" not in plan.sources


def test_a_changed_fingerprint_recomputes_everything():
    plan = plan_for(PublishedState(exists=True, consistent_fingerprint="old"), mode="replay")
    assert len(plan.quarters) == 12 and plan.consistent_fingerprint == plan.fingerprint


def test_quarters_asked_for_are_computed_as_asked_and_leave_the_published_state_mixed():
    plan = plan_for(PublishedState(exists=True, consistent_fingerprint="old"), mode="replay",
                    quarters=(Quarter(2025, 3),))
    assert labels(plan) == ["2025Q3"] and plan.quarters_reason == "as asked"
    assert plan.consistent_fingerprint is None


def test_an_ingested_file_recomputes_from_its_quarter():
    plan = plan_for(consistent_state(), mode="file", only=("litellm",), ingest_file=Path("x.json"),
                    ingest_observed_at=datetime(2025, 8, 5))
    assert labels(plan)[0] == "2025Q3" and "ingested file" in plan.quarters_reason


@pytest.mark.parametrize("mode", ["live", "auto"])
def test_as_of_is_refused_where_bodies_are_fetched_now(mode):
    with pytest.raises(PlanError, match="cannot be used with mode"):
        plan_for(mode=mode, as_of=datetime(2025, 1, 1))


def test_live_runs_at_the_clock_and_replays_may_run_in_the_past():
    assert plan_for(mode="live").as_of == NOW
    assert plan_for(mode="replay", as_of=datetime(2025, 2, 1)).running == Quarter(2025, 1)


@pytest.mark.parametrize("inputs, message", [
    ({"only": ("nope",)}, "unknown source"),
    ({"quarters": (Quarter(2023, 4),)}, "outside 2024Q1"),
    ({"quarters": (Quarter(2027, 1),)}, "outside 2024Q1"),
    ({"mode": "backfill"}, "first quarter"),
    ({"mode": "file"}, "needs one source"),
])
def test_settings_that_cannot_run_are_refused_with_the_reason(inputs, message):
    with pytest.raises(PlanError, match=message):
        plan_for(**{"mode": "replay", **inputs})


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
