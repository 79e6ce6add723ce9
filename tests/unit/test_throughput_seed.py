"""The throughput family's bundled seed and cited maps: every file dated and cited to a commit of
its date, parsable, and showing measurements change between versions."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import polars as pl
import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.recorded import load_index
from pipeline.core.sources import discover_sources
from pipeline.throughput import rows as names

SOURCES = {s.name: s for s in discover_sources("throughput")}
PINNED = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/blob/[0-9a-f]{40}/\S+$")


def _entries(source):
    return json.loads((source.recorded_dir / "index.json").read_text(encoding="utf-8"))["responses"]


def _csv(path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#")))))


def _parsed(name: str) -> dict[date, pl.DataFrame]:
    src = SOURCES[name]
    return {e.observed_on: src.parse(e.body(), e.observed_at, e.url).rows for e in load_index(name, src.recorded_dir)}


def test_the_family_has_its_three_sources():
    assert sorted(SOURCES) == ["inferencex", "mlperf_inference", "trtllm_perf_overview"]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_entry_is_cited_to_a_commit_of_its_date(name):
    seen: dict[bytes, str] = {}
    for e in _entries(SOURCES[name]):
        assert e["citation"].strip() and e.get("facts_from") == name
        observed = date.fromisoformat(e["observed_on"])
        assert e["evidence"], e["file"]
        for ev in e["evidence"]:
            assert ev["kind"] == "git_commit" and PINNED.match(ev["url"]), ev
            until = date.fromisoformat(ev.get("unchanged_until") or ev["published_on"])
            assert date.fromisoformat(ev["published_on"]) <= observed <= until, e["file"]
        body = (SOURCES[name].recorded_dir / e["file"]).read_bytes()
        assert body not in seen, f"{e['file']} repeats {seen.get(body)}"
        seen[body] = e["file"]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_bundled_file_parses_and_no_model_predates_its_release(name):
    released = {r["canonical_model"]: date.fromisoformat(r["release_date"]) for r in _csv(CURATED_DIR / "models.csv")}
    for observed, rows in _parsed(name).items():
        assert rows.height > 0, observed
        for model in rows["canonical_model"].drop_nulls().unique():
            assert released[model] <= observed, (model, observed)


def test_history_shows_new_measurements_landing():
    trt = _parsed("trtllm_perf_overview")
    key = (pl.col("model_name") == "LLaMA 70B") & (pl.col("gpu") == "H100-SXM") & (pl.col("input_tokens") == 128) \
        & (pl.col("output_tokens") == 128)
    figures = {d: rows.filter(key)["output_tokens_per_s_per_gpu"].to_list() for d, rows in trt.items()}
    # v0.6.1 (2023-12-08) -> v0.8.0 (2024-03-12) -> v0.9.0 (2024-04-24), H100 FP8 TP2
    assert figures == {date(2023, 12, 8): [2657.0], date(2024, 3, 12): [3269.0], date(2024, 4, 24): [3214.0]}
    ix = _parsed("inferencex")
    b200 = (pl.col("gpu") == "B200") & (pl.col("framework") == "trt") & (pl.col("concurrency") == 4)
    runs = {d: rows.filter(b200).select("measured_on", "output_tokens_per_s_per_gpu").rows() for d, rows in ix.items()}
    assert [(m, round(v, 1)) for m, v in runs[date(2026, 5, 5)]] == [(date(2026, 1, 29), 46.2)]
    assert [(m, round(v, 1)) for m, v in runs[date(2026, 6, 14)]] == [(date(2026, 5, 18), 54.4)]
    ml = _parsed("mlperf_inference")
    assert {d: sorted(r["benchmark"].unique().to_list()) for d, r in ml.items()} == {
        date(2024, 8, 28): ["mlperf-inference-v4.1:llama2-70b-99"],
        date(2025, 9, 9): ["mlperf-inference-v5.1:llama2-70b-99"]}


def test_every_source_url_has_a_bundled_response_of_its_own_group():
    for src in SOURCES.values():
        groups = {e.group for e in load_index(src.name, src.recorded_dir)}
        assert set(src.url_list(CURATED_DIR)) <= groups, src.name


def test_maps_are_cited_and_name_known_or_proposed_gpus():
    here = names.HERE
    registry = {r["gpu"] for r in _csv(CURATED_DIR / "gpus.csv")}
    proposed = {r["gpu"]: r for r in _csv(here / "new_gpus.csv")}
    assert not registry & set(proposed) and all(r["citation"].startswith("https://") for r in proposed.values())
    for r in _csv(here / "gpu_names.csv"):
        assert r["gpu"] in registry | set(proposed) and r["citation"].strip(), r
    for r in _csv(here / "gpu_bandwidth.csv"):
        assert r["gpu"] in registry | set(proposed) and "https://" in r["citation"], r
    canonical = {r["canonical_model"] for r in _csv(CURATED_DIR / "models.csv")}
    for r in _csv(here / "models.csv"):
        assert float(r["model_size_b"]) > 0 and "https://" in r["citation"], r
        assert not r["canonical_model"] or r["canonical_model"] in canonical, r
    assert all(names.MAPS_DIGEST in s.parser_version for s in SOURCES.values())
