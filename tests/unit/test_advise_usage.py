"""Usage exports -> volume and token mix: LiteLLM spend logs (CSV), OpenAI Chat Completions logged
as JSON Lines, an OpenAI Usage API page; every bad row counted and named, never dropped silently.
The fixtures are small files written here in each export's shape (column names as documented in
docs/advise.md)."""

from __future__ import annotations

import json

import pytest

from pipeline.advise.answer import from_usage
from pipeline.advise.usage import UsageError, read_usage

SPEND_LOGS = """request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,status
r1,acompletion,h1,0.0004,1500,1000,500,2025-01-01T00:00:10Z,2025-01-01T00:00:12Z,gpt-4o-mini,success
r2,acompletion,h1,0.0009,3700,3000,700,2025-01-01T12:00:00+00:00,2025-01-01T12:00:03+00:00,gpt-4o-mini,success
r3,acompletion,h1,0.0001,,abc,10,2025-01-01T13:00:00Z,2025-01-01T13:00:01Z,gpt-4o-mini,success
r4,acompletion,h1,0.0005,2300,2000,300,2025-01-02 23:59:00,2025-01-02 23:59:02,gpt-4o-mini,success
r5,acompletion,h1,0.0001,5,-5,10,2025-01-02T01:00:00Z,2025-01-02T01:00:01Z,gpt-4o-mini,success
r6,acompletion,h1,0.0001,20,10,10,,,gpt-4o-mini,failure
"""


def test_litellm_spend_logs_give_volume_mean_and_p95_and_name_each_bad_row(tmp_path):
    path = tmp_path / "spend_logs.csv"
    path.write_text(SPEND_LOGS)
    usage = read_usage(path, hours_per_month=730)
    assert usage["columns"] == {"input_tokens": "prompt_tokens", "output_tokens": "completion_tokens",
                                "time": "startTime"}
    assert (usage["format"], usage["rows"], usage["rows_used"], usage["requests"]) == ("csv", 6, 3, 3)
    assert (usage["mean_input_tokens"], usage["mean_output_tokens"]) == (2000, 500)
    assert (usage["p95_input_tokens"], usage["p95_output_tokens"], usage["p95_note"]) == (3000, 700, None)
    # 00:00:10 on Jan 1 to 23:59 on Jan 2: two days; 3 requests x 730 h / 24 h / 2 days = 45.625 -> 46.
    assert (usage["first"], usage["last"], usage["days"], usage["requests_per_month"]) == (
        "2025-01-01 00:00:10", "2025-01-02 23:59:00", 2, 46)
    assert usage["bad_rows"] == 3 and usage["bad"] == [
        {"where": "line 4", "reason": "prompt_tokens is not a number ('abc')"},
        {"where": "line 6", "reason": "prompt_tokens must be a whole number of at least 0, not '-5'"},
        {"where": "line 7", "reason": "no time (startTime / start_time / created / created_at / timestamp)"}]


def test_chat_completions_logged_as_json_lines_read_the_nested_usage(tmp_path):
    lines = [{"id": "chatcmpl-1", "object": "chat.completion", "created": 1735689600, "model": "gpt-4o-mini",
              "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}},
             {"id": "chatcmpl-2", "object": "chat.completion", "created": 1736294400, "model": "gpt-4o-mini",
              "usage": {"prompt_tokens": 80, "completion_tokens": 50.0, "total_tokens": 130}}]
    path = tmp_path / "completions.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n\n"
                    + json.dumps({"id": "chatcmpl-3", "created": 1736294401, "usage": {"prompt_tokens": 7.5,
                                                                                     "completion_tokens": 1}}) + "\n")
    usage = read_usage(path, hours_per_month=730)
    assert (usage["format"], usage["requests"], usage["mean_input_tokens"], usage["mean_output_tokens"]) == (
        "jsonl", 2, 100, 40)
    # 2025-01-01 00:00 to 2025-01-08 00:00 UTC: 7 days; 2 x 730 / 24 / 7 = 8.69 -> 9.
    assert (usage["days"], usage["requests_per_month"], usage["columns"]["time"]) == (7, 9, "created")
    assert [b["where"] for b in usage["bad"]] == ["line 3", "line 5"]
    assert usage["bad"][0]["reason"].startswith("not a JSON object")
    assert usage["bad"][1]["reason"] == "prompt_tokens must be a whole number of at least 0, not 7.5"


def test_an_openai_usage_api_page_counts_bucket_requests_and_has_no_p95(tmp_path):
    page = {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 1730419200, "end_time": 1730505600, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": 10_000, "output_tokens": 4_000,
             "input_cached_tokens": 0, "num_model_requests": 8, "project_id": None, "model": None, "batch": None}]},
        {"object": "bucket", "start_time": 1730505600, "end_time": 1730592000, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": 2_000, "output_tokens": 2_000,
             "num_model_requests": 2}]}]}
    path = tmp_path / "usage_completions.json"
    path.write_text(json.dumps(page))
    usage = read_usage(path, hours_per_month=730)
    assert (usage["format"], usage["requests"], usage["mean_input_tokens"], usage["mean_output_tokens"]) == (
        "json", 10, 1200, 600)
    # Two whole daily buckets: 10 requests x 730 / 24 / 2 = 152.08 -> 152.
    assert (usage["days"], usage["requests_per_month"], usage["p95_input_tokens"]) == (2, 152, None)
    assert "num_model_requests" in usage["p95_note"] and usage["bad_rows"] == 0
    ask = from_usage({"requests_per_month": None, "task": "structured"}, usage)
    assert (ask.requests_per_month, ask.input_tokens, ask.output_tokens, ask.task) == (152, 1200, 600, "structured")
    assert "10 requests in 2 day(s)" in ask.provenance["requests_per_month"]
    assert from_usage({"requests_per_month": 5_000}, usage).provenance["requests_per_month"] == "--requests-per-month"


def test_a_file_with_no_usable_row_is_refused_naming_the_file_and_the_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("date,tokens\n2025-01-01,100\n2025-01-02,200\n")
    with pytest.raises(UsageError, match=r"export\.csv: no usable row \(2 bad: line 2: no input tokens "
                                         r"\(prompt_tokens / input_tokens\)"):
        read_usage(path, hours_per_month=730)
