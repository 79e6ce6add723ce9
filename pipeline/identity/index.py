"""Exact lookups over the registry: ids, Hugging Face ids and normalised keys.

Every lookup is an equality: an id, a case-folded Hugging Face id, or a normalised key
(normalise.key) of a registry id, of OpenRouter's dated `canonical_slug`, of a Hugging Face
repository name, of a display name or of a curated alias's name. A key shared by several
registry models is ambiguous and maps nothing, unless the source names the developer and only
one of them is that developer's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from pipeline.identity.normalise import key, snapshot_of

# Trailing tokens that name a release's role, not the model: dropped to find a fine-tune's base.
ROLE_TOKENS = {"instruct", "chat", "it", "base", "hf"}
MIN_BASE_TOKENS = 3


@dataclass(frozen=True)
class Hit:
    canonical: str | None
    rule: str
    ambiguous: tuple[str, ...] = ()


@dataclass
class Index:
    ids: set[str]
    authors: dict[str, str]
    hf: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    bases: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    namespaces: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # canonical -> registry `origin`


def _contradicts(slug_key: str, id_key: str) -> bool:
    """OpenRouter's `canonical_slug` is the slug's history: `gemini-2.5-pro-preview-05-06` keeps the
    slug of 03-25. A slug with numbers the id lacks while the id has numbers the slug lacks names
    another model and is not indexed."""
    def numbers(k: str) -> set[str]:
        return {t for t in k.split("-") if t[:1].isdigit()}
    return bool(numbers(slug_key) - numbers(id_key)) and bool(numbers(id_key) - numbers(slug_key))


def build_index(registry: pl.DataFrame, curated_aliases: pl.DataFrame | None = None) -> Index:
    cols = ["canonical_model", "author", "hugging_face_id", "openrouter_slug", "name", "origin"]
    rows = registry.select(cols).iter_rows(named=True)
    idx = Index(ids=set(), authors={})
    org_authors: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        cid = r["canonical_model"]
        idx.ids.add(cid)
        idx.authors[cid] = r["author"] or cid.split("/", 1)[0]
        idx.origins[cid] = r["origin"] or ""
        slug = cid.split("/", 1)[-1]
        idx.by_key[key(slug)].add(cid)
        if r["openrouter_slug"]:
            slug_key = key(snapshot_of(r["openrouter_slug"].split("/", 1)[-1])[0])
            if not _contradicts(slug_key, key(slug)):
                idx.by_key[slug_key].add(cid)
        if r["hugging_face_id"]:
            hf = r["hugging_face_id"]
            idx.hf[hf.casefold()].add(cid)
            idx.by_key[key(hf.split("/", 1)[-1])].add(cid)
            org_authors[hf.split("/", 1)[0].lower()].add(idx.authors[cid])
        if r["name"]:
            idx.by_name[key(r["name"])].add(cid)
        tokens = key(slug).split("-")
        while tokens and tokens[-1] in ROLE_TOKENS:
            tokens.pop()
        if len(tokens) >= MIN_BASE_TOKENS:
            idx.bases[tokens[0]]["-".join(tokens)].add(cid)
    # A curated alias's name is a name of its model (`mistral-large-3` is Mistral Large 2512).
    if curated_aliases is not None:
        for source_id, cid in curated_aliases.select("source_model_id", "canonical_model").iter_rows():
            if cid in idx.ids:
                idx.by_name[key(source_id.rsplit("/", 1)[-1])].add(cid)
    # A Hugging Face organisation whose repos OpenRouter files under one author is that author.
    idx.namespaces = {org: next(iter(a)) for org, a in org_authors.items() if len(a) == 1}
    return idx


def _pick(found: set[str], author: str | None, prefer: str | None, idx: Index, rule: str) -> Hit | None:
    """The one model in `found`. `author`: the developer the source names (a model filed under
    another developer is not this one); `prefer`: the developer the name's family suggests, used
    only to choose among several."""
    if not found:
        return None
    if author:
        found = {c for c in found if idx.authors.get(c) == author}
        if not found:
            return None
    if len(found) > 1 and prefer:
        found = {c for c in found if idx.authors.get(c) == prefer} or found
    if len(found) == 1:
        return Hit(next(iter(found)), rule)
    return Hit(None, rule, tuple(sorted(found)))


def lookup_id(candidate: str, idx: Index) -> str | None:
    return candidate if candidate in idx.ids else None


def lookup_hf(repo: str, idx: Index) -> Hit | None:
    return _pick(idx.hf.get(repo.casefold(), set()), None, None, idx, "hugging_face_id")


def lookup_key(name: str, author: str | None, prefer: str | None, idx: Index) -> Hit | None:
    return lookup_normalised(key(name), author, prefer, idx)


def lookup_normalised(k: str, author: str | None, prefer: str | None, idx: Index) -> Hit | None:
    """Lookup by a key already normalised (normalise.key): never normalised twice."""
    return (_pick(idx.by_key.get(k, set()), author, prefer, idx, "normalised_name")
            or _pick(idx.by_name.get(k, set()), author, prefer, idx, "normalised_name"))


OPENROUTER_ORIGINS = ("openrouter", "openrouter+curated", "openrouter_entry")


def role_siblings(canonical: str, idx: Index) -> tuple[str, ...]:
    """`meta-llama/llama-3.1-8b` (a base model) -> ('meta-llama/llama-3.1-8b-instruct',) when the
    registry also holds the tuned release of the same name; () otherwise."""
    slug_key = key(canonical.split("/", 1)[-1])
    if slug_key.rsplit("-", 1)[-1] in ROLE_TOKENS:
        return ()
    found = set()
    for role in ("instruct", "chat", "it"):
        found |= {c for c in idx.by_key.get(f"{slug_key}-{role}", set()) if idx.authors[c] == idx.authors[canonical]}
    return tuple(sorted(found))


def base_of_finetune(name: str, idx: Index) -> tuple[str, ...]:
    """Registry models whose base name (role tokens dropped) sits inside `name` after other
    words: `dobby-unhinged-llama-3.3-70b` holds `llama-3.3-70b`. A diagnosis for the reason
    column only; it never maps anything."""
    tokens = key(name).split("-")
    best: tuple[int, set[str]] = (0, set())
    for start in range(1, len(tokens)):
        for base, cids in idx.bases.get(tokens[start], {}).items():
            length = base.count("-") + 1
            if tokens[start:start + length] == base.split("-") and length >= best[0]:
                best = (length, cids if length > best[0] else best[1] | cids)
    return tuple(sorted(best[1]))
