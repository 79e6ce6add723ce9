"""Tokens in a run: only the ones the sources declare are kept, and their values show up nowhere
but in the request headers to their origin — not in the plan's repr, the records, the journal,
an error message or the log."""

import dataclasses
import json
import logging
from datetime import datetime

import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.credentials import Secret, declared_names, secrets_from_env
from pipeline.core.fetch_history import FetchHistory
from pipeline.core.fetch_records import FetchPlan, SourceUnavailable
from pipeline.core.fetching import collect_many
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.sources import Parsed, Source
from tests.support.loopback import Reply

TOKEN = "hf_TOKENVALUE0123456789abcdef"
GITHUB = "ghp_GITHUBVALUE0123456789"
NOW = datetime(2026, 11, 28, 12, 0)


def _parse(body: bytes, observed_at: datetime, url: str = "") -> Parsed:
    raise AssertionError("not parsed here")


def source(name: str, path: str, auth_env: str | None = "ITEMS_TOKEN") -> Source:
    return Source(name=name, family="prices", parse=_parse, parser_version="1",
                  urls=(f"https://data.example.org{path}",), auth_env=auth_env)


def plan(tmp_path, **kw) -> FetchPlan:
    return FetchPlan(mode="live", as_of=NOW, run_id="run-1", curated_dir=tmp_path, **kw)


def test_a_secret_shows_its_name_and_never_its_value():
    secret = Secret("HF_TOKEN", TOKEN)
    assert repr(secret) == str(secret) == f"{secret}" == "Secret('HF_TOKEN', ***)"
    assert TOKEN not in repr({"HF_TOKEN": secret}) and secret.reveal() == TOKEN


def test_the_plan_holds_only_the_tokens_the_sources_declare(tmp_path):
    environ = {"ITEMS_TOKEN": TOKEN, "GITHUB_TOKEN": GITHUB, "AWS_SECRET_ACCESS_KEY": "aws-SECRET-value",
               "HOME": "/root", "OTHER_TOKEN": "other-SECRET-value", "UNSET_TOKEN": ""}
    sources = [source("items", "/a"), source("free", "/b", auth_env=None), source("unset", "/c", "UNSET_TOKEN")]
    assert declared_names(sources) == ["GITHUB_TOKEN", "ITEMS_TOKEN", "UNSET_TOKEN"]
    secrets = secrets_from_env(environ, sources)
    assert sorted(secrets) == ["GITHUB_TOKEN", "ITEMS_TOKEN"]  # an empty variable is no token
    p = plan(tmp_path, secrets=secrets)
    shown = repr(p) + str(p) + repr(dataclasses.asdict(p)) + repr(dataclasses.replace(p, run_id="run-2"))
    assert "Secret('ITEMS_TOKEN', ***)" in repr(p) and "HOME" not in repr(p)
    assert [v for v in environ.values() if v and v in shown] == []


def test_a_plan_given_the_whole_environment_keeps_only_declared_variables(tmp_path):
    # Older callers pass os.environ; the real sources declare HF_TOKEN (licenses/hf_model_cards).
    p = plan(tmp_path, env={"HF_TOKEN": TOKEN, "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "aws-SECRET-value"})
    assert set(p.secrets) == {"HF_TOKEN"} and p.secrets["HF_TOKEN"].reveal() == TOKEN
    assert TOKEN not in repr(p) and "aws-SECRET-value" not in repr(p)


def test_a_plan_refuses_a_token_that_is_not_a_secret(tmp_path):
    with pytest.raises(TypeError, match="Secret values"):
        plan(tmp_path, secrets={"ITEMS_TOKEN": TOKEN})


def test_the_token_is_sent_and_appears_in_no_record_journal_message_or_log(tmp_path, loopback, caplog):
    ok, down = source("items", "/ok"), source("down", "/down")
    loopback.route("/ok", Reply(200, b'{"v": 1}'))
    loopback.route("/down", Reply(500, b'{"error": "maintenance"}'))
    secrets = secrets_from_env({"ITEMS_TOKEN": TOKEN, "GITHUB_TOKEN": GITHUB}, [ok, down])
    http = HttpClient(HttpPolicy(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.01),
                      origin_overrides={"https://data.example.org": loopback.origin}, sleep=lambda s: None)
    archive = RawArchive(tmp_path / "raw")
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    with http:
        got = collect_many([ok, down], plan(tmp_path, secrets=secrets), http, archive, FetchHistory(()), {})

    assert {r.headers.get("authorization") for r in loopback.requests} == {f"Bearer {TOKEN}"}
    assert isinstance(got["down"], SourceUnavailable) and "HTTP 500" in str(got["down"])
    assert loopback.origin in caplog.text  # the log did record the requests
    shown = {
        "records": json.dumps([f.record for f in got["items"]] + got["down"].failures, default=str),
        "error": str(got["down"]) + repr(got["down"].__dict__),
        "journal": archive.journal_path.read_text(),
        "log": caplog.text,
    }
    assert [where for where, text in shown.items() if TOKEN in text or GITHUB in text] == []
