"""The bundled recorded responses are a cited seed: every entry traces its facts to a dated public
record, is dated inside what that record supports, and is not a copy of earlier bytes under a new
date; no price row names a model before the model existed."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from pipeline.core.paths import CURATED_DIR, ROOT
from pipeline.core.recorded import RecordedResponse, entry_problems, load_index, repeat_problems
from pipeline.core.sources import discover_sources
from pipeline.prices.registry import load_aliases, load_models, openrouter_canonical

INDEXES = sorted(ROOT.glob("pipeline/*/recorded/*/index.json"))
PRICE_SOURCES = [s for s in discover_sources("prices") if not s.local and s.recorded_dir is not None]
COMMIT = "https://github.com/acme/prices/blob/" + "a" * 40 + "/prices.json"


def _label(path: Path) -> str:
    return f"{path.parent.parent.parent.name}/{path.parent.name}"


def _seed_problems(index: Path) -> list[str]:
    family = index.parent.parent.parent.name
    entries = json.loads(index.read_text(encoding="utf-8")).get("responses", [])
    repeats = repeat_problems(entries, index.parent, family)
    out = []
    for i, entry in enumerate(entries):
        where = f"{index.relative_to(ROOT)} entry #{i} ({entry.get('observed_on')}, {entry.get('file')})"
        out += [f"{where}: {p}" for p in entry_problems(entry)]
        if i in repeats:
            out.append(f"{where}: {repeats[i]}")
    return out


def test_every_bundled_index_is_found():
    assert {_label(p) for p in INDEXES} >= {"prices/litellm", "prices/openrouter", "gpu_rates/azure_retail_prices"}


@pytest.mark.parametrize("index", INDEXES, ids=_label)
def test_every_entry_is_cited_dated_within_its_evidence_and_not_a_copy(index):
    problems = _seed_problems(index)
    assert not problems, "\n".join(problems)


def _entry(**overrides) -> dict:
    entry = {"observed_on": "2025-09-30", "url": "https://example.org/prices.json", "file": "a.json",
             "citation": "prices.json at commit aaaa…", "facts_from": "litellm",
             "evidence": [{"kind": "git_commit", "url": COMMIT, "published_on": "2025-09-30"}]}
    return entry | overrides


def _evidence(**overrides) -> list[dict]:
    return [{"kind": "git_commit", "url": COMMIT, "published_on": "2025-09-30"} | overrides]


@pytest.mark.parametrize(("entry", "expected"), [
    (_entry(citation=" "), "no citation"),
    (_entry(evidence=[]), "no evidence"),
    ({k: v for k, v in _entry().items() if k != "evidence"}, "no evidence"),
    (_entry(evidence=["a commit"]), "not an object"),
    (_entry(evidence=_evidence(kind="blog")), "kind 'blog'"),
    (_entry(evidence=_evidence(url="https://github.com/acme/prices/blob/main/prices.json")), "not pinned"),
    (_entry(evidence=_evidence(kind="archived_page", url="https://example.org/p")), "web.archive.org"),
    (_entry(evidence=_evidence(published_on="30/09/2025")), "not an ISO date"),
    (_entry(evidence=_evidence(published_on="2025-10-01")), "before the record's date"),
    (_entry(observed_on="2025-10-01"), "after 2025-09-30"),
    (_entry(observed_on="2025-12-01", evidence=_evidence(unchanged_until="2025-11-30")), "after 2025-11-30"),
    (_entry(evidence=_evidence(unchanged_until="2025-09-01")), "before published_on"),
    (_entry(facts_from=""), "facts_from is empty"),
])
def test_each_rule_names_what_an_entry_breaks(entry, expected):
    problems = entry_problems(entry)
    assert any(expected in p for p in problems), problems


def test_an_entry_keeping_the_rules_has_no_problem():
    assert entry_problems(_entry(observed_on="2025-11-30", evidence=_evidence(unchanged_until="2025-11-30"))) == []
    archived = _evidence(kind="archived_page", url="https://web.archive.org/web/20250930120000/https://example.org/p")
    assert entry_problems(_entry(evidence=archived)) == []


def _two_entries(tmp_path: Path, second: dict, same_bytes: bool) -> list[dict]:
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.json").write_text("{}" if same_bytes else "{\"x\": 1}")
    return [_entry(), _entry(file="b.json") | second]


def test_a_catalog_never_repeats_earlier_bytes(tmp_path):
    entries = _two_entries(tmp_path, {"observed_on": "2025-12-01", "evidence": _evidence(
        unchanged_until="2025-12-31")}, same_bytes=True)
    for family in ("prices", "gpu_rates"):
        assert "never re-dated" in repeat_problems(entries, tmp_path, family)[1]


def test_a_document_repeats_only_as_far_as_its_evidence_says_it_was_unchanged(tmp_path):
    vouched = _two_entries(tmp_path, {"observed_on": "2025-12-01", "evidence": _evidence(
        unchanged_until="2025-12-31")}, same_bytes=True)
    assert repeat_problems(vouched, tmp_path, "licenses") == {}
    copied = _two_entries(tmp_path, {"observed_on": "2025-12-01"}, same_bytes=True)
    assert "no evidence unchanged_until" in repeat_problems(copied, tmp_path, "licenses")[1]
    changed = _two_entries(tmp_path, {"observed_on": "2025-12-01"}, same_bytes=False)
    assert repeat_problems(changed, tmp_path, "prices") == {}


def test_the_loader_carries_evidence_and_provenance_and_still_reads_old_entries(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    old = {k: v for k, v in _entry().items() if k not in ("evidence", "facts_from")}
    (tmp_path / "index.json").write_text(json.dumps({"responses": [_entry(), old]}))
    new, legacy = load_index("litellm", tmp_path)
    assert new.evidence[0].published_on == date(2025, 9, 30) and new.evidence[0].url == COMMIT
    assert new.facts_from == "litellm" and new.citation.startswith("prices.json")
    assert new.provenance == f"bundled:{tmp_path / 'a.json'}; {COMMIT}"
    assert legacy.evidence == () and legacy.facts_from == "litellm"
    assert legacy.provenance == f"bundled:{tmp_path / 'a.json'}; prices.json at commit aaaa…"


def test_the_loader_names_the_entry_whose_evidence_is_malformed(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "index.json").write_text(json.dumps({"responses": [_entry(evidence=[{"kind": "git_commit"}])]}))
    with pytest.raises(ValueError, match=r"response #0 \(a\.json\): evidence item lacks \['url', 'published_on'\]"):
        load_index("litellm", tmp_path)


def test_a_bundled_file_names_its_repository_path_in_its_provenance():
    entry = next(e for s in PRICE_SOURCES for e in load_index(s.name, s.recorded_dir) if s.name == "litellm")
    assert entry.provenance.startswith(f"bundled:pipeline/prices/recorded/litellm/{entry.path.name}; https://github.com/")


def _canonical(source: str, source_model_id: str, aliases: dict) -> str | None:
    if source == "openrouter":
        return openrouter_canonical(source_model_id)
    return aliases.get((source, source_model_id))


def _created_too_late(entry: RecordedResponse) -> list[str]:
    """OpenRouter models whose own `created` time is after the day the file is dated."""
    end_of_day = datetime(*entry.observed_on.timetuple()[:3], 23, 59, 59, tzinfo=timezone.utc).timestamp()
    return [f"{m['id']} created {datetime.fromtimestamp(m['created'], timezone.utc):%Y-%m-%d}"
            for m in json.loads(entry.body())["data"] if isinstance(m.get("created"), int) and m["created"] > end_of_day]


@pytest.mark.parametrize("source", PRICE_SOURCES, ids=lambda s: s.name)
def test_no_price_row_is_dated_before_its_models_release(source):
    entries = load_index(source.name, source.recorded_dir)
    if not entries:
        pytest.skip(f"{source.name} bundles no response (no dated public record)")
    released = {m["canonical_model"]: m["release_date"] for m in load_models(CURATED_DIR).iter_rows(named=True)}
    aliases = {(a["source"], a["source_model_id"]): a["canonical_model"]
               for a in load_aliases(CURATED_DIR).iter_rows(named=True)}
    early, checked = [], 0
    for entry in entries:
        if source.name == "openrouter":
            early += [f"{entry.path.name}: {m}" for m in _created_too_late(entry)]
        rows = source.parse(entry.body(), entry.observed_at, entry.url).rows
        for model_id in rows["source_model_id"].unique().to_list():
            day = released.get(_canonical(source.name, model_id, aliases))
            if day is None:
                continue
            checked += 1
            if entry.observed_on < day:
                early.append(f"{entry.path.name} ({entry.observed_on}): {model_id} released {day}")
    assert not early, "\n".join(early)
    assert checked > 0, f"{source.name}: no bundled row maps to a registry model with a release date"
