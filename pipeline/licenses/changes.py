"""What changed between two versions of a license text, and whether it matters.

A change is *material* when what the license allows changed: one of the extracted clauses reads
differently, or the wording changed beyond formatting, URLs, dates and product names/versions
(listed as `other_terms`: a clause the ledger does not extract, e.g. a scope or termination
term). It is *cosmetic* otherwise, with the kinds of cosmetic change found: `formatting`
(Markdown, punctuation, case, whitespace), `urls`, `dates`, `names` (product names and version
numbers, e.g. "Llama 3.2" -> "Llama 3.3").

Material or not is decided on the whole texts: their word sequences with every mask applied
differ, or a clause reads differently. The kinds are then read passage by passage: each differing
passage is named by the first mask (formatting, then URLs, dates, names) under which it reads the
same; a passage no mask explains is wording.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from pipeline.licenses.clauses import CLAUSE_KEYS, extract
from pipeline.licenses.text import collapse, mask_dates, mask_names, mask_urls, strip_markup, words

OTHER_TERMS = "other_terms"
DIFF_CONTEXT = 2
MAX_DIFF_CHARS = 200_000


@dataclass(frozen=True)
class Change:
    material: bool
    clauses_changed: tuple[str, ...]
    cosmetic_kinds: tuple[str, ...]
    diff: str


KINDS = ("formatting", "urls", "dates", "names")
CONTEXT_TOKENS = 3
# Each mask in turn, on top of the previous ones; the first that makes two passages read the
# same names the kind of their difference.
_STEPS = (("formatting", strip_markup), ("urls", mask_urls), ("dates", mask_dates), ("names", mask_names))


def _final(text: str) -> list[str]:
    for _, step in _STEPS:
        text = step(text)
    return words(text)


def _kind(old: str, new: str) -> str | None:
    """The kind of difference between two passages, or None when it is wording."""
    for kind, step in _STEPS:
        old, new = step(old), step(new)
        if words(old) == words(new):
            return kind
    return None


def cosmetic_kinds(old: str, new: str) -> tuple[str, ...]:
    """Kinds of the differing passages (runs of whitespace-separated tokens) that are not
    wording changes."""
    a, b = collapse(old).split(" "), collapse(new).split(" ")
    found = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        # The same context on both sides (the old text's neighbours): it completes a split date
        # without bringing in a neighbouring difference.
        before, after = " ".join(a[max(0, i1 - CONTEXT_TOKENS): i1]), " ".join(a[i2: i2 + CONTEXT_TOKENS])
        kind = _kind(f"{before} {' '.join(a[i1:i2])} {after}", f"{before} {' '.join(b[j1:j2])} {after}")
        if kind:
            found.add(kind)
    return tuple(k for k in KINDS if k in found)


def unified_diff(old: str, new: str, old_label: str = "old", new_label: str = "new") -> str:
    """A line diff of the two texts (paragraph per line, whitespace normalised within lines)."""
    a = [collapse(line) for line in old.split("\n") if line.strip()]
    b = [collapse(line) for line in new.split("\n") if line.strip()]
    diff = "\n".join(difflib.unified_diff(a, b, old_label, new_label, n=DIFF_CONTEXT, lineterm=""))
    return diff if len(diff) <= MAX_DIFF_CHARS else diff[:MAX_DIFF_CHARS] + "\n… (diff cut)"


def classify(old: str, new: str, old_label: str = "old", new_label: str = "new") -> Change:
    """Classify the change from `old` to `new` (two texts of the same URL, or two versions)."""
    old_clauses, new_clauses = extract(old).values(), extract(new).values()
    changed = [k for k in CLAUSE_KEYS if old_clauses[k] != new_clauses[k]]
    if _final(old) != _final(new) and not changed:
        changed.append(OTHER_TERMS)
    return Change(material=bool(changed), clauses_changed=tuple(changed), cosmetic_kinds=cosmetic_kinds(old, new),
                  diff=unified_diff(old, new, old_label, new_label))
