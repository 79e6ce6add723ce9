"""The coverage numbers `ledger status` shows: per source, mapped / excluded / unmapped and the
most frequent unmapped ids."""

import polars as pl

from pipeline.identity.coverage import coverage, coverage_report
from pipeline.identity.resolve import RESOLUTION_SCHEMA


def resolutions(*rows: tuple) -> pl.DataFrame:
    """(source, id, status, canonical, reason, rows)."""
    frame = pl.DataFrame([{"source": s, "source_model_id": m, "status": st, "canonical_model": c, "reason": r,
                           "rule": "x"} for s, m, st, c, r, _ in rows],
                         schema={k: RESOLUTION_SCHEMA[k] for k in ("source", "source_model_id", "status",
                                                                   "canonical_model", "reason", "rule")})
    return frame.with_columns(pl.Series("rows", [n for *_, n in rows], dtype=pl.Int64))


FRAME = resolutions(
    ("litellm", "gpt-4o", "mapped", "openai/gpt-4o", "", 3),
    ("litellm", "azure/gpt-4o", "mapped", "openai/gpt-4o", "", 1),
    ("litellm", "gpt-4o-mini", "mapped", "openai/gpt-4o-mini", "", 1),
    ("litellm", "ollama/llama3", "excluded", None, "local runtime", 1),
    ("litellm", "b-model", "unmapped", None, "no registry entry", 1),
    ("litellm", "a-model", "unmapped", None, "no registry entry", 1),
    ("litellm", "z-model", "unmapped", None, "ambiguous: x/a, x/b", 4),
    ("lmarena", "koala-13b", "unmapped", None, "no registry entry", 7),
    ("lmarena", "gpt-4o-2024-05-13", "mapped", "openai/gpt-4o", "", 7),
)


def test_counts_per_source():
    table = coverage(FRAME)
    litellm = table.filter(pl.col("source") == "litellm").row(0, named=True)
    assert {k: litellm[k] for k in ("ids", "mapped", "excluded", "unmapped", "canonical_models")} == {
        "ids": 7, "mapped": 3, "excluded": 1, "unmapped": 3, "canonical_models": 2}
    assert litellm["resolved_share"] == 4 / 7


def test_most_frequent_unmapped_first_then_alphabetical_and_capped():
    table = coverage(FRAME, top=2)
    litellm = table.filter(pl.col("source") == "litellm").row(0, named=True)
    assert litellm["top_unmapped"] == ["z-model (ambiguous: x/a, x/b)", "a-model (no registry entry)"]


def test_report_text():
    text = coverage_report(coverage(FRAME))
    assert "  lmarena                       2       1         0         1       1  (50.0% resolved)" in text
    assert "most frequent unmapped: koala-13b (no registry entry)" in text
    assert coverage_report(coverage(FRAME.head(0))) == "model identity coverage: no source ids"


def test_exclusions_are_counted_per_rule_most_frequent_first():
    rules = {"ollama/llama3": "local_runtime", "ollama/mistral": "local_runtime", "openrouter/auto": "router"}
    frame = pl.concat([FRAME, resolutions(
        ("litellm", "ollama/mistral", "excluded", None, "local runtime", 1),
        ("litellm", "openrouter/auto", "excluded", None, "router", 1))]).with_columns(
        pl.col("source_model_id").replace_strict(rules, default=pl.col("rule")).alias("rule"))
    litellm = coverage(frame).filter(pl.col("source") == "litellm").row(0, named=True)
    assert litellm["excluded_by_rule"] == ["local_runtime 2", "router 1"]
    assert "    excluded: local_runtime 2, router 1" in coverage_report(coverage(frame))
    lmarena = coverage(frame).filter(pl.col("source") == "lmarena").row(0, named=True)
    assert lmarena["excluded_by_rule"] == []
