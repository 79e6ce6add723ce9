"""The openness rule: a test per category and per boundary, then one quarter's spectrum."""

from datetime import date, datetime

import polars as pl
import pytest

from pipeline.licenses.openness import (FULLY_CLOSED, FULLY_OPEN, OPEN_WEIGHT_PERMISSIVE, OPEN_WEIGHT_RESTRICTED,
                                        LicenseFacts, evidence, openness)
from pipeline.licenses.spectrum import spectrum, unclassified_required

APACHE = LicenseFacts("Apache-2.0", True, "SPDX License List 3.27.0: isOsiApproved=true")
LLAMA = LicenseFacts("llama3.1", False, "not on the SPDX License List 3.27.0",
                     {"mau_threshold": "700,000,000 monthly active users: …"})


def test_closed_weights_are_fully_closed():
    result = openness(False, False, False, LicenseFacts("proprietary", False, "not on the SPDX License List 3.27.0"))
    assert result.category == FULLY_CLOSED
    assert result.reasons == ("weights not public (weights_open=false, data_open=false, code_open=false)",
                              "license proprietary")


def test_closed_weights_stay_closed_even_with_public_data_and_code_and_an_osi_license():
    assert openness(False, True, True, APACHE).category == FULLY_CLOSED


def test_weights_under_a_license_off_the_osi_list_are_restricted_with_its_clauses():
    result = openness(True, False, False, LLAMA)
    assert result.category == OPEN_WEIGHT_RESTRICTED
    assert result.reasons == ("license llama3.1 not shown OSI-approved (not on the SPDX License List 3.27.0)",
                              "mau_threshold: 700,000,000 monthly active users: …")


def test_weights_with_data_and_code_are_still_restricted_when_the_license_is_not_osi_approved():
    bloom = LicenseFacts("bigscience-bloom-rail-1.0", False, "not on the SPDX License List 3.27.0",
                         {"use_restrictions": "Therefore You cannot use the Model …"})
    assert openness(True, True, True, bloom).category == OPEN_WEIGHT_RESTRICTED


def test_an_spdx_license_that_the_osi_has_not_approved_is_restricted():
    nc = LicenseFacts("CC-BY-NC-4.0", False, "SPDX License List 3.27.0: isOsiApproved=false")
    assert openness(True, True, True, nc).reasons[0] == (
        "license CC-BY-NC-4.0 not shown OSI-approved (SPDX License List 3.27.0: isOsiApproved=false)")


def test_weights_without_a_known_license_are_restricted():
    result = openness(True, True, True, LicenseFacts(None, None))
    assert result.category == OPEN_WEIGHT_RESTRICTED
    assert "no license id is known" in result.reasons[0]


def test_an_unobserved_spdx_list_shows_no_osi_approval():
    result = openness(True, True, True, LicenseFacts("Apache-2.0", None))
    assert (result.category, result.reasons) == (
        OPEN_WEIGHT_RESTRICTED, ("license Apache-2.0 not shown OSI-approved (the SPDX list was not observed)",))


def test_an_osi_approved_id_whose_text_carries_use_restrictions_is_restricted():
    odd = LicenseFacts("Apache-2.0", True, "SPDX", {"non_commercial": "for non-commercial purposes only"})
    result = openness(True, False, False, odd)
    assert result.category == OPEN_WEIGHT_RESTRICTED
    assert result.reasons[1] == "non_commercial: for non-commercial purposes only"


@pytest.mark.parametrize(("data", "code", "missing"), [(False, False, "training data and training code"),
                                                       (True, False, "training code"), (False, True, "training data")])
def test_weights_under_an_osi_license_without_data_or_code_are_permissive(data, code, missing):
    result = openness(True, data, code, APACHE)
    assert result.category == OPEN_WEIGHT_PERMISSIVE
    assert result.reasons[1].startswith(f"{missing} not public")


def test_weights_data_and_code_under_an_osi_license_are_fully_open():
    result = openness(True, True, True, APACHE)
    assert result.category == FULLY_OPEN
    assert result.reasons == ("license Apache-2.0 OSI-approved (SPDX License List 3.27.0: isOsiApproved=true)",
                              "weights, training data and training code public (weights_open=true, data_open=true, code_open=true)")


def test_evidence_joins_reasons_the_text_read_and_the_flags_citation():
    facts = LicenseFacts("Apache-2.0", True, "SPDX", {}, "548fa041f0 of https://www.apache.org/licenses/LICENSE-2.0.txt")
    line = evidence(openness(True, False, False, facts), facts, "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.1")
    assert line.endswith("; license text read: 548fa041f0 of https://www.apache.org/licenses/LICENSE-2.0.txt; "
                         "artifact flags: https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.1")


MODELS = pl.DataFrame([
    ("openai/gpt-4o", False, False, False, "proprietary", True, date(2024, 5, 13), "https://openai.com/index/hello-gpt-4o/"),
    ("meta-llama/llama-3.1-8b-instruct", True, False, False, "llama3.1", True, date(2024, 7, 23), "https://hf.co/ll"),
    ("google/gemma-4-31b-it", True, False, False, None, False, date(2026, 4, 2), "https://hf.co/g4"),
    ("allenai/olmo-2-1124-7b-instruct", True, True, True, "Apache-2.0", True, date(2024, 11, 26), "https://hf.co/olmo"),
], schema=["canonical_model", "weights_open", "data_open", "code_open", "license_id", "required", "release_date",
           "citation"], orient="row")
SPDX = pl.DataFrame({"subject": ["Apache-2.0", "MIT"], "osi_approved": [True, True], "list_version": ["3.27.0"] * 2})
CARDS = pl.DataFrame({"subject": ["google/gemma-4-31B-it", "allenai/OLMo-2-1124-7B-Instruct"],
                      "license_id": ["Apache-2.0", "MIT"]})
CARD_MAP = pl.DataFrame({"repo_id": ["google/gemma-4-31B-it", "allenai/OLMo-2-1124-7B-Instruct"],
                         "canonical_model": ["google/gemma-4-31b-it", "allenai/olmo-2-1124-7b-instruct"]})
NO_TEXTS = pl.DataFrame()


def test_a_quarter_uses_the_card_license_only_where_the_registry_has_none():
    rows = {r["canonical_model"]: r for r in spectrum("2026Q4", True, MODELS, SPDX, NO_TEXTS, CARDS, CARD_MAP).iter_rows(named=True)}
    assert {m: r["category"] for m, r in rows.items()} == {
        "openai/gpt-4o": FULLY_CLOSED, "meta-llama/llama-3.1-8b-instruct": OPEN_WEIGHT_RESTRICTED,
        "google/gemma-4-31b-it": OPEN_WEIGHT_PERMISSIVE, "allenai/olmo-2-1124-7b-instruct": FULLY_OPEN}
    gemma4 = rows["google/gemma-4-31b-it"]
    assert (gemma4["license_id"], gemma4["license_id_source"]) == ("Apache-2.0", "model card google/gemma-4-31B-it")
    olmo = rows["allenai/olmo-2-1124-7b-instruct"]
    assert (olmo["license_id"], olmo["card_license_id"]) == ("Apache-2.0", "MIT")
    assert "model card allenai/OLMo-2-1124-7B-Instruct declares MIT" in olmo["evidence"]
    assert rows["openai/gpt-4o"]["evidence"] == ("weights not public (weights_open=false, data_open=false, "
                                                 "code_open=false); license proprietary; artifact flags: "
                                                 "https://openai.com/index/hello-gpt-4o/")


def test_before_the_spdx_list_is_observed_only_closed_models_are_classified():
    rows = spectrum("2025Q2", False, MODELS, SPDX.head(0), NO_TEXTS, CARDS, CARD_MAP)
    assert rows["canonical_model"].to_list() == ["openai/gpt-4o"]


def test_required_models_without_a_category_are_listed_per_covered_quarter():
    rows = spectrum("2026Q4", True, MODELS.head(2), SPDX, NO_TEXTS, CARDS, CARD_MAP)
    missing = unclassified_required(MODELS, rows, {"2026Q4": datetime(2027, 1, 1)})
    assert missing.rows() == [("2026Q4", "allenai/olmo-2-1124-7b-instruct", "no category with evidence")]
    assert unclassified_required(MODELS.drop("required"), rows, {"2026Q4": datetime(2027, 1, 1)}).height == 0
