"""The rule table of `ledger advise` (pipeline/curated/advise_rules.csv) and what each rule does
to an option: which input switches it on, what it excludes or credits, with which evidence."""

from __future__ import annotations

import pytest

from pipeline.advise.inputs import InputError, Inputs
from pipeline.advise.rules import RULES_FILE, TESTS, judge, load_rules
from pipeline.core.curated import CuratedError
from schemas.curated import ADVISE_TESTS

LLAMA_CLAUSE = ("… is greater than 700 million monthly active users in the preceding calendar month, you must "
                "request a license from Meta …")
LLAMA = {"license_id": "llama3.1", "source_url": "https://example.org/llama3_1/LICENSE", "version_sha256": "abc",
         "first_seen": "2024-07-23 00:00:00", "mau_threshold": 700_000_000, "mau_threshold_evidence": LLAMA_CLAUSE,
         "non_commercial": False}
MRL = {"license_id": "mrl", "source_url": "https://example.org/MRL-0.1.md", "version_sha256": "def",
       "first_seen": "2024-07-24 00:00:00", "mau_threshold": None, "non_commercial": True,
       "non_commercial_evidence": "You shall only use the Mistral Models … for Research Purposes."}


def option(kind: str, tier=3, weights=True, params=None, license=None, weights_gb=None, precision=None) -> dict:
    return {"key": f"{kind}:x", "kind": kind, "id": "x", "provider": None, "model": "m/x",
            "facts": {"tier": tier, "openness": None, "weights_open": weights, "params_b": params, "license": license,
                      "weights_gb": weights_gb, "precision": precision},
            "evidence": [{"what": "openness", "table": "openness_spectrum", "category": "c"}]}


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def ask(**kw) -> Inputs:
    return Inputs(requests_per_month=1000, input_tokens=10, output_tokens=10, **kw)


def excluded_by(c: dict, rules, **kw) -> list[str]:
    return [e["rule"] for e in judge(c, rules, ask(**kw))["exclusions"]]


def test_every_shipped_rule_is_cited_and_uses_a_known_test(rules):
    assert len(rules) >= 12 and len({r.rule_id for r in rules}) == len(rules)
    for r in rules:
        assert r.test in ADVISE_TESTS and r.test in TESTS
        assert "http" in r.citation or "assumptions.yaml" in r.citation, r.rule_id
        assert r.explanation.endswith(".")


def test_data_in_house_excludes_every_api_and_keeps_self_hosting(rules):
    assert excluded_by(option("closed_api", weights=False), rules, data_in_house=True) == ["data_in_house"]
    assert excluded_by(option("managed"), rules, data_in_house=True) == ["data_in_house"]
    assert excluded_by(option("self_hosted"), rules, data_in_house=True) == []


def test_no_ml_ops_excludes_self_hosting_only(rules):
    assert excluded_by(option("self_hosted"), rules, no_ml_ops=True) == ["no_ml_ops"]
    assert excluded_by(option("managed"), rules, no_ml_ops=True) == []


def test_edge_keeps_self_hosted_weights_within_the_budget(rules):
    fits = option("self_hosted", params=8, weights_gb=4.8, precision="int4")
    too_big = option("self_hosted", params=8, weights_gb=19.2, precision="fp16")
    assert excluded_by(fits, rules, edge=True) == []
    verdict = judge(too_big, rules, ask(edge=True))
    assert [e["rule"] for e in verdict["exclusions"]] == ["edge_memory"]
    memory = verdict["exclusions"][0]["evidence"][1]
    assert (memory["weights_gb"], memory["budget_gb"]) == (19.2, 8.0) and "over the 8 GB budget" in memory["detail"]
    assert excluded_by(option("managed"), rules, edge=True) == ["edge_off_device"]


def test_full_fine_tuning_needs_weights_known_to_be_open(rules):
    assert excluded_by(option("closed_api", weights=False), rules, fine_tune="full") == ["fine_tune_full"]
    assert excluded_by(option("closed_api", weights=None), rules, fine_tune="full") == ["fine_tune_full"]
    assert excluded_by(option("managed", weights=True), rules, fine_tune="full") == []
    lora = judge(option("closed_api", weights=False), rules, ask(fine_tune="lora"))
    assert lora["exclusions"] == [] and [n["rule"] for n in lora["notes"]] == ["fine_tune_lora_closed"]


def test_monthly_active_users_above_the_license_threshold_exclude_with_the_clause_quoted(rules):
    llama = option("self_hosted", license=LLAMA)
    assert excluded_by(llama, rules, monthly_active_users=700_000_000) == []  # "greater than" 700M
    verdict = judge(llama, rules, ask(monthly_active_users=800_000_000))
    (exclusion,) = verdict["exclusions"]
    rule, clause = exclusion["evidence"]
    assert exclusion["rule"] == "mau_license" and "700 million" in rule["citation"]
    assert (clause["passage"], clause["threshold"], clause["monthly_active_users"]) == (LLAMA_CLAUSE, 700_000_000,
                                                                                       800_000_000)
    assert (clause["license_id"], clause["source_url"]) == ("llama3.1", "https://example.org/llama3_1/LICENSE")
    assert excluded_by(option("self_hosted", license=None), rules, monthly_active_users=10**12) == []


def test_a_non_commercial_license_is_excluded_always(rules):
    verdict = judge(option("managed", license=MRL), rules, ask())
    assert [e["rule"] for e in verdict["exclusions"]] == ["non_commercial"]
    assert verdict["exclusions"][0]["evidence"][1]["passage"].startswith("You shall only use")


def test_tasks_set_the_tier_and_structured_credits_large_open_models(rules):
    assert excluded_by(option("closed_api", tier=2, weights=False), rules, task="complex") == ["task_complex"]
    assert excluded_by(option("closed_api", tier=1, weights=False), rules, task="complex") == []
    assert excluded_by(option("closed_api", tier=2, weights=False), rules, task="structured") == []
    big_open = option("self_hosted", tier=3, params=70)
    verdict = judge(big_open, rules, ask(task="structured"))
    assert verdict["exclusions"] == [] and verdict["task_tier"] == 2
    assert [c["rule"] for c in verdict["credits"]] == ["structured_open_70b"]
    assert excluded_by(option("self_hosted", tier=3, params=8), rules, task="structured") == ["task_structured"]
    assert excluded_by(option("closed_api", tier=3, weights=False, params=200), rules,
                       task="structured") == ["task_structured"]  # the credit is for open weights only
    assert excluded_by(big_open, rules, task="complex") == ["task_complex"]


def test_min_tier_needs_a_tier_and_every_active_tier_rule_holds(rules):
    assert excluded_by(option("closed_api", tier=None, weights=False), rules, min_tier=3) == ["min_tier"]
    assert excluded_by(option("closed_api", tier=2, weights=False), rules, min_tier=2) == []
    assert excluded_by(option("self_hosted", tier=3, params=70), rules, task="structured", min_tier=1) == ["min_tier"]


def test_vendor_independence_excludes_closed_weights(rules):
    assert excluded_by(option("closed_api", weights=False), rules, vendor_independence=True) == ["vendor_independence"]
    assert excluded_by(option("managed"), rules, vendor_independence=True) == []


def test_inputs_are_checked_once_with_every_problem_named():
    with pytest.raises(InputError, match=r"requests_per_month must be .* got 0.*task must be one of"):
        Inputs(requests_per_month=0, task="chat")


def test_a_rule_table_that_breaks_a_rule_is_refused_with_the_file_and_line(tmp_path):
    header = RULES_FILE.read_text().splitlines()
    header = [line for line in header if not line.startswith("#")][0]
    bad = tmp_path / "advise_rules.csv"
    bad.write_text(header + "\nr1,edge,phones,kind,,,exclude,Why.,,https://example.org\n")
    with pytest.raises(CuratedError, match=r"advise_rules\.csv:2: applies_to must list"):
        load_rules(bad)
    bad.write_text(header + "\nr1,edge,self_hosted,edge_memory,,,exclude,Why.,,https://example.org\n")
    with pytest.raises(CuratedError, match=r"advise_rules\.csv:2: test edge_memory needs a threshold"):
        load_rules(bad)
    bad.write_text(header + "\nr1,sometimes,any,kind,,,exclude,Why.,,\n")
    with pytest.raises(CuratedError, match=r"input must be one of .*'sometimes'.*column 'citation' is required"):
        load_rules(bad)
