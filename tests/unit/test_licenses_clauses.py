"""Clause reading and license recognition on the bundled license texts (one per license)."""

from datetime import datetime

import pytest

from pipeline.licenses.clauses import extract, mau_number
from pipeline.licenses.license_texts import SOURCE, parse
from pipeline.licenses.recognise import card_license_id, recognise

RECORDED_TEXTS = SOURCE.recorded_dir

FILES = {"llama2": "llama2_LICENSE.txt", "llama3": "llama3_LICENSE.txt", "llama3.1": "llama3_1_LICENSE.txt",
         "llama3.3": "llama3_3_LICENSE.txt", "llama4": "llama4_LICENSE.txt", "aup3.1": "llama3_1_USE_POLICY.md",
         "gemma": "gemma_terms_2025-03-24.html", "mrl": "MRL-0.1.md", "qwen": "qwen_LICENSE.txt",
         "tongyi": "tongyi_qianwen_LICENSE_AGREEMENT.txt", "tongyi-research": "tongyi_qianwen_RESEARCH_LICENSE_AGREEMENT.txt",
         "apache": "Apache-2.0.txt", "mit": "deepseek_r1_LICENSE.txt", "bloom": "BLOOMLICENSE.txt"}


@pytest.fixture(scope="module")
def texts():
    out = {}
    for key, name in FILES.items():
        row = parse((RECORDED_TEXTS / name).read_bytes(), datetime(2025, 7, 15), f"https://example.org/{name}").rows
        out[key] = row.row(0, named=True)
    return out


@pytest.fixture(scope="module")
def clauses(texts):
    return {key: extract(row["text"]) for key, row in texts.items()}


def test_each_bundled_text_is_recognised_as_its_license(texts):
    expected = {"llama2": "llama2", "llama3": "llama3", "llama3.1": "llama3.1", "llama3.3": "llama3.3",
                "llama4": "llama4", "aup3.1": "llama3.1", "gemma": "gemma", "mrl": "mrl", "qwen": "qwen",
                "tongyi": "tongyi-qianwen", "tongyi-research": "tongyi-qianwen-research", "apache": "Apache-2.0",
                "mit": "MIT", "bloom": "bigscience-bloom-rail-1.0"}
    assert {k: row["license_id"] for k, row in texts.items()} == expected


def test_llama_licenses_allow_commercial_use_below_700_million_monthly_active_users(clauses):
    for key in ("llama2", "llama3", "llama3.1", "llama3.3", "llama4"):
        c = clauses[key]
        assert (c.commercial_use, c.mau_threshold, c.aup_by_reference, c.attribution_required) == (
            True, 700_000_000, True, True), key
        assert "greater than 700 million monthly active users" in c.mau_threshold_evidence
        assert "incorporated by reference" in c.aup_evidence


def test_llama_2_and_3_forbid_using_outputs_to_improve_other_models_and_3_1_only_asks_for_the_name(clauses):
    assert clauses["llama2"].output_use_terms == "prohibited"
    assert clauses["llama3"].output_use_evidence.startswith("You will not use the Llama Materials or any output")
    assert clauses["llama3.1"].output_use_terms == "conditions"
    # Evidence is quoted from the plain text: typographic quotes become straight ones.
    assert 'include "Llama" at the beginning of any such AI model name' in clauses["llama3.1"].output_use_evidence
    assert "Built with Llama" in clauses["llama3.1"].attribution_evidence


def test_research_licenses_are_non_commercial_with_the_grant_as_evidence(clauses):
    mrl, research = clauses["mrl"], clauses["tongyi-research"]
    assert (mrl.non_commercial, mrl.commercial_use) == (True, False)
    assert mrl.non_commercial_evidence.startswith("You shall only use the Mistral Models")
    assert (research.non_commercial, research.commercial_use, research.mau_threshold) == (True, False, None)
    assert research.non_commercial_evidence.endswith("FOR NON-COMMERCIAL PURPOSES ONLY.")


def test_qwen_licenses_set_a_100_million_user_threshold(clauses):
    assert clauses["qwen"].mau_threshold == clauses["tongyi"].mau_threshold == 100_000_000
    assert clauses["qwen"].output_use_terms == "conditions" and clauses["tongyi"].output_use_terms == "prohibited"
    assert "Built with Qwen" in clauses["qwen"].attribution_evidence


def test_gemma_incorporates_its_prohibited_use_policy_and_binds_distilled_models(clauses):
    g = clauses["gemma"]
    assert (g.commercial_use, g.aup_by_reference, g.use_restrictions, g.mau_threshold) == (True, True, True, None)
    assert "Gemma Prohibited Use Policy" in g.aup_evidence
    assert g.output_use_terms == "conditions" and "transfer of patterns" in g.output_use_evidence
    assert "a copy of this Agreement" in g.redistribution_evidence


def test_apache_and_mit_are_permissive_with_attribution_and_redistribution_conditions_only(clauses):
    for key in ("apache", "mit"):
        c = clauses[key]
        assert (c.commercial_use, c.attribution_required, c.redistribution_conditions) == (True, True, True), key
        assert c.restrictions() == {}, key
    assert "You must give any other recipients of the Work" in clauses["apache"].redistribution_evidence


def test_bloom_rail_carries_use_based_restrictions(clauses):
    b = clauses["bloom"]
    assert (b.commercial_use, b.use_restrictions, b.aup_by_reference) == (True, True, False)
    assert b.use_restrictions_evidence == ("Therefore You cannot use the Model and the Derivatives of the Model "
                                           "for the specified restricted uses.")
    assert list(b.restrictions()) == ["use_restrictions"]


def test_a_use_policy_restricts_use_but_grants_nothing(clauses):
    aup = clauses["aup3.1"]
    assert (aup.commercial_use, aup.use_restrictions, aup.attribution_required) == (None, True, False)
    assert aup.use_restrictions_evidence == "You agree you will not use, or allow others to use, Llama 3.1 to:"


def test_restrictions_name_each_clause_with_its_passage(clauses):
    r = clauses["llama3.1"].restrictions()
    assert list(r) == ["mau_threshold", "aup_by_reference"]
    assert r["mau_threshold"].startswith("700,000,000 monthly active users: ")


@pytest.mark.parametrize(("amount", "unit", "users"), [("700", "million", 700_000_000), ("1.5", "billion", 1_500_000_000),
                                                       ("100,000,000", None, 100_000_000)])
def test_user_thresholds_become_numbers(amount, unit, users):
    assert mau_number(amount, unit) == users


def test_titles_are_read_from_the_head_unless_asked_to_search_everywhere():
    text = "Model card\n\n" + "Some prose. " * 80 + "\n\nMistral AI Research License\n"
    assert recognise(text) == (None, None)
    assert recognise(text, anywhere=True) == ("mrl", "Mistral AI Research License")


@pytest.mark.parametrize(("value", "name", "expected"), [
    ("apache-2.0", None, ("Apache-2.0", "license: apache-2.0")),
    ("other", "qwen-research", ("qwen-research", "license: other, license_name: qwen-research")),
    ("other", "google-gemma-terms-of-use", ("gemma", "license: other, license_name: google-gemma-terms-of-use")),
    ("other", "my-own-terms", (None, "license: other, license_name: my-own-terms (unknown name)")),
    ("openrail", None, ("openrail", "license: openrail (not mapped; kept as declared)")),
    (None, None, (None, "no license declared")),
])
def test_card_license_values_map_to_ledger_ids(value, name, expected):
    assert card_license_id(value, name) == expected
