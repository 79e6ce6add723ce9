"""Which license a text is, from its title, and which license id a model card declares.

License ids follow the registry's convention: SPDX ids where one exists (Apache-2.0, MIT),
otherwise slugs (llama3.1, gemma, qwen, tongyi-qianwen, mrl, bigscience-bloom-rail-1.0, …).
`qwen-research` names the Qwen RESEARCH LICENSE AGREEMENT of Qwen2.5 (2024), a text distinct
from the older Tongyi Qianwen research license.
"""

from __future__ import annotations

import re

from pipeline.licenses.text import plain

# Title patterns, most specific first ("RESEARCH" before the plain agreement). A title sits in
# the first lines of a license file; a card may embed one anywhere.
TITLES: tuple[tuple[str, str], ...] = (
    (r"llama 2 community license", "llama2"),
    (r"meta llama 3 community license", "llama3"),
    (r"meta llama 3 acceptable use policy", "llama3"),
    (r"llama 3\.1 community license", "llama3.1"),
    (r"llama 3\.1 acceptable use policy", "llama3.1"),
    (r"llama 3\.2 community license", "llama3.2"),
    (r"llama 3\.2 acceptable use policy", "llama3.2"),
    (r"llama 3\.3 community license", "llama3.3"),
    (r"llama 3\.3 acceptable use policy", "llama3.3"),
    (r"llama 4 community license", "llama4"),
    (r"llama 4 acceptable use policy", "llama4"),
    (r"llama 2 acceptable use policy", "llama2"),
    (r"gemma terms of use", "gemma"),
    (r"gemma prohibited use policy", "gemma"),
    (r"mistral ai research license", "mrl"),
    (r"tongyi qianwen research license agreement", "tongyi-qianwen-research"),
    (r"tongyi qianwen license agreement", "tongyi-qianwen"),
    (r"qwen research license agreement", "qwen-research"),
    (r"qwen license agreement", "qwen"),
    (r"bigscience rail license v1\.0|bigscience bloom rail", "bigscience-bloom-rail-1.0"),
    (r"apache license,?\s+version 2\.0", "Apache-2.0"),
    (r"\bmit license\b", "MIT"),
)
_TITLES = tuple((re.compile(p, re.IGNORECASE), lid) for p, lid in TITLES)
HEAD_CHARS = 600

# Hugging Face card `license` values -> our ids (HF uses lower-case SPDX-like ids).
HF_LICENSES = {
    "apache-2.0": "Apache-2.0", "mit": "MIT", "bsd-3-clause": "BSD-3-Clause", "bsd-2-clause": "BSD-2-Clause",
    "cc-by-4.0": "CC-BY-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0", "cc-by-nc-4.0": "CC-BY-NC-4.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0", "gpl-3.0": "GPL-3.0-only", "agpl-3.0": "AGPL-3.0-only",
    "llama2": "llama2", "llama3": "llama3", "llama3.1": "llama3.1", "llama3.2": "llama3.2",
    "llama3.3": "llama3.3", "llama4": "llama4", "gemma": "gemma",
    "bigscience-bloom-rail-1.0": "bigscience-bloom-rail-1.0",
}
# `license: other` cards name their license in `license_name` (free text chosen by the author).
HF_LICENSE_NAMES = {
    "qwen": "qwen", "qwen-research": "qwen-research", "tongyi-qianwen": "tongyi-qianwen",
    "tongyi-qianwen-research": "tongyi-qianwen-research", "mrl": "mrl", "mistral-research-license": "mrl",
    "google-gemma-terms-of-use": "gemma", "gemma-terms-of-use": "gemma", "gemma": "gemma",
}


def recognise(text: str, anywhere: bool = False) -> tuple[str | None, str | None]:
    """(license id, the title passage) for a license text; (None, None) when no title is known.

    A file's title is in its head; `anywhere` searches the whole text (a card embedding a license
    in its prose), taking the earliest title found."""
    body = plain(text)
    region = body if anywhere else body[:HEAD_CHARS]
    found = [(m.start(), lid, m.group(0)) for rx, lid in _TITLES if (m := rx.search(region))]
    if not found:
        return None, None
    start, lid, title = min(found)
    line_start = region.rfind("\n", 0, start) + 1
    line_end = region.find("\n", start)
    line = region[line_start: line_end if line_end != -1 else len(region)].strip()
    return lid, line[:200] or title


def card_license_id(license_value: str | None, license_name: str | None) -> tuple[str | None, str]:
    """(license id, how it was read) from a card's `license` and `license_name`."""
    value = (license_value or "").strip().lower()
    name = (license_name or "").strip().lower()
    if value and value != "other":
        mapped = HF_LICENSES.get(value)
        return (mapped, f"license: {value}") if mapped else (value, f"license: {value} (not mapped; kept as declared)")
    if name:
        mapped = HF_LICENSE_NAMES.get(name)
        return (mapped, f"license: other, license_name: {name}") if mapped else (
            None, f"license: other, license_name: {name} (unknown name)")
    if value == "other":
        return None, "license: other, without a license_name"
    return None, "no license declared"
