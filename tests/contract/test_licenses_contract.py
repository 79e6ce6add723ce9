"""The license parsers and clause reader on the real public samples in ../shared/real-sources/licenses."""

from datetime import datetime

import pytest

from pipeline.licenses.changes import classify
from pipeline.licenses.clauses import extract
from pipeline.licenses.hf_model_cards import parse as parse_card
from pipeline.licenses.license_texts import parse as parse_text
from pipeline.licenses.spdx import parse as parse_spdx
from tests.conftest import real_source

pytestmark = pytest.mark.contract
OBSERVED = datetime(2025, 9, 4)
TEXTS = {"3.1": "meta_llama3_1_LICENSE.txt", "3.2": "meta_llama3_2_LICENSE.txt", "3.3": "meta_llama3_3_LICENSE.txt",
         "qwen": "qwen_tongyi_qianwen_LICENSE_AGREEMENT.txt", "qwen-research": "qwen_tongyi_qianwen_RESEARCH_LICENSE_AGREEMENT.txt",
         "apache": "Apache-2.0.txt", "bloom": "bigscience_bloom_rail_1.0_BLOOMLICENSE.txt", "aup": "meta_llama3_1_USE_POLICY.md"}


@pytest.fixture(scope="module")
def texts():
    out = {}
    for key, name in TEXTS.items():
        path = real_source(f"licenses/{name}")
        out[key] = parse_text(path.read_bytes(), OBSERVED, f"https://example.org/{name}").rows.row(0, named=True)
    return out


@pytest.fixture(scope="module")
def clauses(texts):
    return {key: extract(row["text"]) for key, row in texts.items()}


def test_llama_3_1_has_a_700_million_user_threshold_attribution_and_an_aup_by_reference(texts, clauses):
    c = clauses["3.1"]
    assert texts["3.1"]["license_id"] == "llama3.1"
    assert c.mau_threshold == 700_000_000
    assert c.attribution_required and "Built with Llama" in c.attribution_evidence
    assert c.aup_by_reference and "https://llama.meta.com/llama3_1/use-policy" in c.aup_evidence
    assert c.commercial_use is True and c.non_commercial is False


def test_llama_3_1_to_3_2_is_cosmetic_urls_dates_and_names(texts):
    change = classify(texts["3.1"]["text"], texts["3.2"]["text"])
    assert (change.material, change.clauses_changed, change.cosmetic_kinds) == (False, (), ("urls", "dates", "names"))
    assert texts["3.1"]["version_sha256"] != texts["3.2"]["version_sha256"]


def test_llama_3_2_to_3_3_adds_markdown_emphasis_and_stays_cosmetic(texts, clauses):
    assert texts["3.3"]["text_format"] == "markdown"
    change = classify(texts["3.2"]["text"], texts["3.3"]["text"])
    assert (change.material, change.clauses_changed) == (False, ())
    assert change.cosmetic_kinds == ("formatting", "urls", "dates", "names")
    assert clauses["3.3"].values() == clauses["3.2"].values()


def test_a_clause_change_between_the_qwen_agreements_is_material(texts):
    change = classify(texts["qwen"]["text"], texts["qwen-research"]["text"])
    assert change.material and change.clauses_changed == ("commercial_use", "mau_threshold", "non_commercial")


def test_the_qwen_research_license_is_non_commercial(texts, clauses):
    c = clauses["qwen-research"]
    assert texts["qwen-research"]["license_id"] == "tongyi-qianwen-research"
    assert (c.non_commercial, c.commercial_use, c.mau_threshold) == (True, False, None)
    assert "FOR NON-COMMERCIAL PURPOSES ONLY" in c.non_commercial_evidence
    assert clauses["qwen"].mau_threshold == 100_000_000 and clauses["qwen"].output_use_terms == "prohibited"


def test_apache_2_0_is_permissive(texts, clauses):
    c = clauses["apache"]
    assert texts["apache"]["license_id"] == "Apache-2.0"
    assert (c.commercial_use, c.non_commercial, c.mau_threshold, c.use_restrictions, c.restricts_output_use) == (
        True, False, None, False, False)
    assert c.restrictions() == {}


def test_bloom_rail_carries_use_restrictions_and_its_byte_order_mark_is_ignored(texts, clauses):
    assert texts["bloom"]["license_id"] == "bigscience-bloom-rail-1.0"
    assert not texts["bloom"]["text"].startswith("\ufeff")
    assert clauses["bloom"].use_restrictions and "restricted uses" in clauses["bloom"].use_restrictions_evidence
    assert clauses["bloom"].commercial_use is True


def test_the_llama_use_policy_lists_restricted_uses(texts, clauses):
    assert texts["aup"]["license_id"] == "llama3.1" and texts["aup"]["text_format"] == "markdown"
    assert clauses["aup"].use_restrictions and clauses["aup"].commercial_use is None


def test_spdx_counts_and_flags():
    parsed = parse_spdx(real_source("licenses/spdx_licenses_v3.27.0.json").read_bytes(), OBSERVED)
    rows = parsed.rows
    assert (rows.height, parsed.entries, parsed.rejects.height) == (699, 699, 0)
    assert rows["osi_approved"].sum() == 145 and rows["fsf_libre"].sum() == 127 and rows["deprecated"].sum() == 32
    assert set(rows["list_version"]) == {"3.27.0"}
    flags = {r["subject"]: (r["osi_approved"], r["fsf_libre"]) for r in rows.iter_rows(named=True)}
    assert flags["Apache-2.0"] == (True, True) and flags["MIT"] == (True, True)
    assert flags["CC-BY-NC-4.0"] == (False, False)
    assert not any(k.lower().startswith(("llama", "gemma", "bigscience")) for k in flags)


CARDS = {
    "EleutherAI_pythia-70m": ("Apache-2.0", "apache-2.0", None, None),
    "Qwen_Qwen2.5-3B": ("qwen-research", "other", "qwen-research", None),
    "Qwen_Qwen2.5-72B-Instruct": ("qwen", "other", "qwen", None),
    "Qwen_Qwen2.5-7B-Instruct": ("Apache-2.0", "apache-2.0", None, None),
    "allenai_OLMo-7B": ("Apache-2.0", "apache-2.0", None, None),
    "bartowski_Mistral-Small-Instruct-2409-GGUF": ("mrl", "other", "mrl", None),
    "bartowski_gemma-2-9b-it-GGUF": ("gemma", "gemma", None, None),
    "bigscience_bloom": ("bigscience-bloom-rail-1.0", "bigscience-bloom-rail-1.0", None, None),
    "lmstudio-ai_gemma-2b-it-GGUF": ("gemma", "other", "google-gemma-terms-of-use", "gemma"),
}


@pytest.mark.parametrize("card", sorted(CARDS))
def test_the_hf_cards_yield_their_license_ids(card):
    org, name = card.split("_", 1)
    body = real_source(f"licenses/hf_model_cards/{card}.README.md").read_bytes()
    row = parse_card(body, OBSERVED, f"https://huggingface.co/{org}/{name}/raw/main/README.md").rows.row(0, named=True)
    assert row["subject"] == f"{org}/{name}"
    assert (row["license_id"], row["card_license"], row["name"], row["embedded_license_id"]) == CARDS[card]


def test_the_mistral_card_names_the_research_license_by_name_and_link():
    body = real_source("licenses/hf_model_cards/bartowski_Mistral-Small-Instruct-2409-GGUF.README.md").read_bytes()
    row = parse_card(body, OBSERVED, "https://huggingface.co/bartowski/Mistral-Small-Instruct-2409-GGUF/raw/main/README.md"
                     ).rows.row(0, named=True)
    # This copy of the card carries no license text in its front matter: the id rests on
    # license_name and license_link (see pipeline/licenses/hf_model_cards.py for the embedded case).
    assert (row["license_id"], row["url"]) == ("mrl", "https://mistral.ai/licenses/MRL-0.1.md")
