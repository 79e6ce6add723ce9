"""The three license parsers and the curated URL lists, on hand-made files showing each quirk."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.core.curated import CuratedError
from pipeline.core.family import GuardContext
from pipeline.core.sources import SourceFormatError
from pipeline.core.validate import schema_failures, validate
from pipeline.licenses import FAMILY
from pipeline.licenses.curated import canonical_url, load_license_urls, load_model_cards
from pipeline.licenses.hf_model_cards import parse as parse_card
from pipeline.licenses.license_texts import parse as parse_text
from pipeline.licenses.spdx import parse as parse_spdx
from tests.conftest import FIXTURES

OBSERVED = datetime(2026, 10, 15)
LIC = FIXTURES / "licenses"
LLAMA_URL = "https://raw.githubusercontent.com/meta-llama/llama-models/main/models/llama3_1/LICENSE"


def text_row(name: str, url: str = LLAMA_URL) -> dict:
    parsed = parse_text((LIC / name).read_bytes(), OBSERVED, url)
    assert parsed.rows.height == 1 and parsed.entries == 1
    return parsed.rows.row(0, named=True)


def test_a_license_text_is_recognised_by_its_title_and_hashed():
    row = text_row("llama3_1_license.txt")
    assert (row["kind"], row["subject"], row["license_id"]) == ("text", LLAMA_URL, "llama3.1")
    assert row["license_evidence"] == "title: LLAMA 3.1 COMMUNITY LICENSE AGREEMENT"
    assert row["text_format"] == "plain" and len(row["version_sha256"]) == 64


def test_byte_order_mark_crlf_and_rewrapping_make_a_new_body_but_not_a_new_version():
    plain, rewrapped = text_row("llama3_1_license.txt"), text_row("llama3_1_license_rewrapped.txt")
    assert (LIC / "llama3_1_license.txt").read_bytes() != (LIC / "llama3_1_license_rewrapped.txt").read_bytes()
    assert rewrapped["version_sha256"] == plain["version_sha256"]
    assert "\r" not in rewrapped["text"] and not rewrapped["text"].startswith("\ufeff")


def test_an_html_terms_page_is_reduced_to_its_article_without_navigation_or_scripts():
    row = text_row("gemma_terms_page.html", "https://ai.google.dev/gemma/terms")
    assert (row["text_format"], row["license_id"]) == ("html", "gemma")
    assert row["text"].startswith("Gemma Terms of Use\nLast modified: March 24, 2025\n2.2 Use\n")
    for chrome in ("Sign in", "gtag", "Privacy", "Creative Commons", "margin"):
        assert chrome not in row["text"], chrome
    assert "which is hereby incorporated by reference into this Agreement" in row["text"]


def test_an_empty_body_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="no text"):
        parse_text(b"\xef\xbb\xbf \r\n ", OBSERVED, LLAMA_URL)
    with pytest.raises(SourceFormatError, match="no text in the html body"):
        parse_text(b"<html><body><nav>Menu</nav></body></html>", OBSERVED, "https://ai.google.dev/gemma/terms")


def test_an_error_page_served_as_200_is_quarantined_not_recorded_as_a_version():
    page = b"<html><body><main><p>Page not found. Try the search box.</p></main></body></html>"
    rows = parse_text(page, OBSERVED, "https://ai.google.dev/gemma/terms").rows
    checked = validate(FAMILY, rows, GuardContext("license_texts", rows.head(0)))
    assert checked.clean.height == 0
    assert checked.quarantined["rule"].to_list() == ["license_text_too_short"]
    assert "text of 35 characters" in checked.quarantined["detail"][0]


def test_spdx_flags_deprecated_ids_and_rejects_entries_it_cannot_read():
    parsed = parse_spdx((LIC / "spdx_quirks.json").read_bytes(), OBSERVED)
    rows = {r["subject"]: r for r in parsed.rows.iter_rows(named=True)}
    assert sorted(rows) == ["AAL", "Apache-2.0", "CC-BY-NC-4.0", "GPL-2.0"]
    assert parsed.entries == 6
    assert rows["Apache-2.0"]["osi_approved"] is True and rows["CC-BY-NC-4.0"]["osi_approved"] is False
    assert rows["AAL"]["fsf_libre"] is False          # absent isFsfLibre: not listed as libre
    assert rows["GPL-2.0"]["deprecated"] is True and rows["GPL-2.0"]["osi_approved"] is True
    assert rows["Apache-2.0"]["list_version"] == "3.27.0"
    reasons = dict(zip(parsed.rejects["record_key"], parsed.rejects["reason"]))
    assert reasons == {"licenses[4]": "entry without a string 'licenseId'", "0BSD": "'isOsiApproved' is not true/false"}
    assert schema_failures(FAMILY.schema, parsed.rows).height == 0


def test_spdx_without_a_list_version_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="licenseListVersion"):
        parse_spdx(b'{"licenses": []}', OBSERVED)


def test_a_card_naming_other_reads_its_license_name_and_recognises_the_embedded_text():
    row = parse_card((LIC / "hf_mistral_large.json").read_bytes(), OBSERVED,
                     "https://huggingface.co/api/models/mistralai/Mistral-Large-Instruct-2407").rows.row(0, named=True)
    assert (row["subject"], row["license_id"], row["card_license"], row["name"]) == (
        "mistralai/Mistral-Large-Instruct-2407", "mrl", "other", "mrl")
    assert row["embedded_license_id"] == "mrl"
    assert row["license_evidence"] == ("license: other, license_name: mrl; embedded text in extra_gated_prompt: "
                                       "'Mistral AI Research License' -> mrl")
    assert row["url"] == "https://mistral.ai/licenses/MRL-0.1.md"


def test_a_card_without_card_license_falls_back_to_the_license_tag():
    row = parse_card((LIC / "hf_llama_tags_only.json").read_bytes(), OBSERVED, "x").rows.row(0, named=True)
    assert (row["license_id"], row["card_license"], row["gated"]) == ("llama3.1", "llama3.1", "manual")


def test_a_card_with_no_license_is_kept_with_an_empty_license_id():
    parsed = parse_card((LIC / "hf_no_license.json").read_bytes(), OBSERVED, "x")
    row = parsed.rows.row(0, named=True)
    assert (row["subject"], row["license_id"], row["license_evidence"]) == (
        "EleutherAI/pythia-12b", None, "no license declared")
    assert parsed.rejects.height == 0


def test_a_readme_card_takes_its_repository_from_the_url_and_its_embedded_gemma_terms():
    url = "https://huggingface.co/lmstudio-ai/gemma-2b-it-GGUF/raw/main/README.md"
    row = parse_card((LIC / "hf_readme_gemma.md").read_bytes(), OBSERVED, url).rows.row(0, named=True)
    assert (row["subject"], row["license_id"], row["embedded_license_id"]) == ("lmstudio-ai/gemma-2b-it-GGUF", "gemma", "gemma")
    assert "embedded text in README body: 'Google's Gemma Terms of Use' -> gemma" in row["license_evidence"]
    with pytest.raises(SourceFormatError, match="cannot tell which repository"):
        parse_card((LIC / "hf_readme_gemma.md").read_bytes(), OBSERVED, "file:///tmp/README.md")


def test_a_card_body_of_neither_shape_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="neither a Hub API JSON body nor a README"):
        parse_card(b"<html>Too Many Requests</html>", OBSERVED, "https://huggingface.co/api/models/a/b")


def test_curated_license_urls_with_spaces_are_percent_encoded(tmp_path):
    (tmp_path / "license_urls.csv").write_text(
        "url,license_id,document,observed_on,citation\n"
        "https://raw.githubusercontent.com/QwenLM/Qwen/main/Tongyi Qianwen LICENSE AGREEMENT,tongyi-qianwen,"
        "license,2023-08-03,https://github.com/QwenLM/Qwen\n", encoding="utf-8")
    urls = load_license_urls(tmp_path)["url"].to_list()
    assert urls == ["https://raw.githubusercontent.com/QwenLM/Qwen/main/Tongyi%20Qianwen%20LICENSE%20AGREEMENT"]
    assert canonical_url(urls[0]) == urls[0]  # already encoded: unchanged


def test_curated_lists_refuse_unknown_documents_and_repeated_repositories(tmp_path):
    (tmp_path / "license_urls.csv").write_text("url,license_id,document,observed_on,citation\n"
                                               "https://a/LICENSE,MIT,readme,2025-01-01,x\n", encoding="utf-8")
    with pytest.raises(CuratedError, match="document must be one of"):
        load_license_urls(tmp_path)
    (tmp_path / "hf_model_cards.csv").write_text("repo_id,canonical_model,observed_on,citation\n"
                                                 "a/b,x/y,2025-01-01,c\na/b,x/z,2025-01-01,c\n", encoding="utf-8")
    with pytest.raises(CuratedError, match="repository listed twice"):
        load_model_cards(tmp_path)


def test_every_parser_output_has_the_family_shape():
    frames = [parse_text((LIC / "gemma_terms_page.html").read_bytes(), OBSERVED, "https://ai.google.dev/gemma/terms").rows,
              parse_card((LIC / "hf_mistral_large.json").read_bytes(), OBSERVED, "x").rows]
    for frame in frames:
        assert schema_failures(FAMILY.schema, frame).height == 0
    broken = frames[0].with_columns(pl.lit(None, pl.String).alias("version_sha256"))
    assert "text_rows_have_text" in schema_failures(FAMILY.schema, broken)["check"].to_list()
