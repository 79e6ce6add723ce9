"""What a source's id is made of, once its naming rules have read it; OpenRouter's id form.

`IdParts`: the namespace (developer, organisation or vendor prefix), the model name, and what the
naming put around it (variants, quantisation, a dated snapshot), plus the names of the rules that
read it, or the reason it is not a model at all (`exclusion`).

- `openrouter_variant`: OpenRouter's `:free`, `:batch`, `:thinking`… -> variant of that name;
  `~author/…-latest` ids are floating aliases; `openrouter/…` ids are routers;
- `name_exclusion`: a `router` or `embed`/`embedding` token in the name says it is not a
  text-generation model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OR_VARIANT = re.compile(r":([a-z][a-z0-9-]*)$")
_ROUTER = re.compile(r"(?:^|[-_/.])(?:model[-_])?router(?:$|[-_.])")
_EMBEDDING = re.compile(r"(?:^|[-_/.])embed(?:ding)?(?:$|[-_.])")


@dataclass
class IdParts:
    namespace: str | None
    name: str
    variants: list[str] = field(default_factory=list)
    quantization: str | None = None
    snapshot: str | None = None
    rules: list[str] = field(default_factory=list)
    exclusion: tuple[str, str] | None = None  # (rule, reason)
    first_party: str | None = None
    alternatives: list[str] = field(default_factory=list)  # other readings of the name, tried after `name`

    def apply(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)


def split_namespace(text: str) -> tuple[str | None, str]:
    head, sep, rest = text.rpartition("/")
    return (head or None, rest) if sep else (None, text)


def openrouter_parts(model_id: str) -> IdParts:
    """An OpenRouter id: `author/slug[:variant]`; `~author/…-latest` floating aliases."""
    parts = IdParts(None, model_id)
    m = _OR_VARIANT.search(model_id)
    if m:
        parts.variants.append(m.group(1))
        parts.apply("openrouter_variant")
        model_id = model_id[: m.start()]
    if model_id.startswith("~"):
        parts.exclusion = ("floating_alias", "floating alias: follows whichever model is newest")
    elif model_id.startswith("openrouter/"):
        parts.exclusion = ROUTER
    else:
        parts.exclusion = name_exclusion(model_id)
    parts.namespace, parts.name = split_namespace(model_id)
    return parts


ROUTER = ("router", "router: picks another model per request, not a model")


def name_exclusion(text: str) -> tuple[str, str] | None:
    """Ids whose own name says they are not a text-generation model."""
    low = text.lower()
    if _ROUTER.search(low):
        return ROUTER
    if _EMBEDDING.search(low):
        return ("embedding", "embedding model (its name says embed): input-only pricing, not generation")
    return None
