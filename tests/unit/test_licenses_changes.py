"""Material or cosmetic: what changed between two versions of a license text."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.licenses.changes import classify, cosmetic_kinds, unified_diff
from pipeline.licenses.history import changes, versions
from pipeline.licenses.license_texts import SOURCE, parse
from pipeline.licenses.text import version_sha256

RECORDED = SOURCE.recorded_dir


def text(name: str) -> str:
    return parse((RECORDED / name).read_bytes(), datetime(2025, 7, 15), f"https://example.org/{name}").rows["text"][0]


@pytest.fixture(scope="module")
def gemma():
    return text("gemma_terms_2025-03-24.html"), text("gemma_terms_2026-04-01.html")


def test_the_gemma_terms_revision_of_april_2026_is_material_its_date_cosmetic(gemma):
    change = classify(*gemma, "v2025", "v2026")
    assert change.material and change.clauses_changed == ("other_terms",)
    assert change.cosmetic_kinds == ("dates",)
    assert "+The terms below apply to Gemma models listed in the Appendix at bottom of this page." in change.diff
    assert "-Last modified: March 24, 2025" in change.diff and "+Last modified: April 1, 2026" in change.diff
    assert change.diff.startswith("--- v2025\n+++ v2026\n")


def test_a_changed_clause_is_material_and_named():
    change = classify(text("tongyi_qianwen_LICENSE_AGREEMENT.txt"), text("tongyi_qianwen_RESEARCH_LICENSE_AGREEMENT.txt"))
    assert change.material
    assert change.clauses_changed == ("commercial_use", "mau_threshold", "non_commercial")


def test_markdown_emphasis_alone_is_cosmetic_formatting():
    plain = "2. Additional Commercial Terms. If, on the version release date, the monthly active users ..."
    marked = "2\\. **Additional Commercial Terms**. If, on the version release date, the monthly active users ..."
    change = classify(plain, marked)
    assert (change.material, change.clauses_changed, change.cosmetic_kinds) == (False, (), ("formatting",))


@pytest.mark.parametrize(("old", "new", "kinds"), [
    ("available at https://llama.meta.com/doc/overview today", "available at https://www.llama.com/docs/overview today", ("urls",)),
    ("Release Date: July 23, 2024 here", "Release Date: September 25, 2024 here", ("dates",)),
    ("licensed under the Llama 3.1 Community License", "licensed under the Llama 3.2 Community License", ("names",)),
    ("at [https://www.llama.com/x](https://www.llama.com/x) now", "at https://www.llama.com/x now", ("formatting",)),
    ("you may not sublicense", "you may sublicense", ()),
])
def test_each_kind_of_cosmetic_difference_is_named(old, new, kinds):
    assert cosmetic_kinds(old, new) == kinds


def test_a_wording_change_outside_the_extracted_clauses_is_material_other_terms():
    old = "Sections 3, 4 and 7 shall survive the termination of this Agreement."
    new = "Sections 3 and 4 shall survive the termination of this Agreement."
    change = classify(old, new)
    assert (change.material, change.clauses_changed) == (True, ("other_terms",))


def test_the_diff_is_a_unified_diff_of_paragraphs():
    diff = unified_diff("a\n\nb   c\nd", "a\nb c\ne", "old", "new")
    assert diff.splitlines() == ["--- old", "+++ new", "@@ -1,3 +1,3 @@", " a", " b c", "-d", "+e"]


def _fetches(rows):
    return pl.DataFrame(rows, schema={"source_url": pl.String, "observed_at": pl.Datetime("us"), "fetch_id": pl.String,
                                      "version_sha256": pl.String, "text": pl.String, "text_format": pl.String,
                                      "title": pl.String, "recognised_id": pl.String}, orient="row")


def test_versions_and_changes_follow_each_url_fetch_by_fetch(gemma):
    url = "https://ai.google.dev/gemma/terms"
    old, new = gemma
    a, b = version_sha256(old), version_sha256(new)
    fetches = _fetches([
        (url, datetime(2026, 1, 15), "f1", a, old, "html", "Gemma Terms of Use", "gemma"),
        (url, datetime(2026, 4, 15), "f2", b, new, "html", "Gemma Terms of Use", "gemma"),
        (url, datetime(2026, 7, 15), "f3", b, new, "html", "Gemma Terms of Use", "gemma"),
    ])
    urls = pl.DataFrame({"url": [url], "license_id": ["gemma"], "document": ["license"], "citation": ["c"]})
    spdx = pl.DataFrame({"subject": ["Apache-2.0"], "osi_approved": [True], "list_version": ["3.27.0"]})
    got = versions(fetches, urls, spdx).sort("first_seen")
    assert got.select("version_sha256", "first_seen", "last_seen", "fetches").rows() == [
        (a, datetime(2026, 1, 15), datetime(2026, 1, 15), 1), (b, datetime(2026, 4, 15), datetime(2026, 7, 15), 2)]
    assert got["osi_approved"].to_list() == [False, False]
    assert got["osi_evidence"][0] == "not on the SPDX License List 3.27.0"
    changed = changes(fetches, urls)
    assert changed.select("old_sha256", "new_sha256", "observed_at", "fetch_id", "material").rows() == [
        (a, b, datetime(2026, 4, 15), "f2", True)]
