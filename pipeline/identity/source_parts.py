"""How each source writes model ids: its naming style and whether it may create registry entries.

Styles:
- `openrouter`: ids are canonical ids (`author/slug[:variant]`);
- `litellm`: LiteLLM keys, read with the provider's naming rules (vendors.py);
- `hugging_face`: Hugging Face repository ids (`org/Name`), e.g. the Open LLM Leaderboard;
- `board`: leaderboard names (`claude-3-5-sonnet-20241022`, Aider's `gpt-5 (high)`, Epoch's
  `o3-2025-04-16_high`);
- `plain`: any other source's names, matched and never creating entries.

Sources that may create entries (docs/identity.md, "New entries") are listed in CREATING.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from pipeline.identity.developers import author_of_namespace
from pipeline.identity.normalise import QUANTIZATIONS
from pipeline.identity.id_parts import IdParts, openrouter_parts
from pipeline.identity.vendors import litellm_parts

SOURCE_STYLES = {"openrouter": "openrouter", "litellm": "litellm", "open_llm_leaderboard": "hugging_face",
                 "lmarena": "board", "aider": "board", "epoch": "board", "lmarena_prices": "board"}
CREATING = frozenset({"litellm", "open_llm_leaderboard", "lmarena", "aider", "epoch"})

# A configuration written after the model's name (reasoning effort, thinking budget): a variant.
# A bare token budget is only read in Epoch's `_16K` form: `-128k` in a name is a context size.
_MODE = re.compile(r"(?:[-_](no[-_]?thinking|thinking(?:[-_]\d+k)?|xhigh|high|medium|low|minimal)|_(\d+k))$", re.I)
_PAREN = re.compile(r"^(?P<name>.+?)\s*\((?P<config>[^()]*)\)\s*$")
_VERSION_CODE = re.compile(r"^(\d{4}|20\d\d-\d\d-\d\d)$")
_EDIT_FORMAT = re.compile(r"\s+(diff|whole|udiff|architect)$", re.I)
_VENDOR_DOTTED = re.compile(r"^(?P<vendor>[a-z0-9-]+)\.(?P<name>[a-z][\w.-]*?)(?::\d+)?$")


def style_of(source: str) -> str:
    return SOURCE_STYLES.get(source, "plain")


def take_mode(text: str) -> tuple[str, list[str]]:
    """`claude-opus-4-thinking-16k` -> ('claude-opus-4', ['thinking:16k']); `o3_high` -> ('o3', ['effort:high'])."""
    m = _MODE.search(text)
    if not m:
        return text, []
    word = (m.group(1) or m.group(2)).lower().replace("_", "-")
    if word.startswith("thinking-"):
        variant = "thinking:" + word.split("-", 1)[1]
    elif word in ("thinking", "no-thinking", "nothinking"):
        variant = "no-thinking" if word.startswith("no") else "thinking"
    elif word.endswith("k") and word[:-1].isdigit():
        variant = "budget:" + word
    else:
        variant = "effort:" + word
    return text[: m.start()], [variant]


def _split(text: str) -> tuple[str | None, str]:
    head, sep, rest = text.rpartition("/")
    return (head or None, rest) if sep else (None, text)


def board_parts(source: str, model_id: str) -> IdParts:
    text = model_id.strip()
    parts = IdParts(None, text)
    if " + " in text:
        parts.exclusion = ("combination", "two models combined (architect + editor), not one model")
        return parts
    if source == "aider":
        text = _aider(text, parts)
    m = _VENDOR_DOTTED.match(text)
    if m and not re.match(r"^\d", m.group("name")):
        if author_of_namespace(m.group("vendor")):
            parts.apply("bedrock_vendor")
            parts.namespace, parts.name = m.group("vendor"), m.group("name")
            return parts
    parts.namespace, parts.name = _split(text)
    return parts


def _aider(text: str, parts: IdParts) -> str:
    # Aider writes the run's configuration after the name: "gpt-5 (high)", "o3 (high)",
    # "qwen-2.5-72b-instruct (bf16)", "Qwen3 235B A22B diff, no think, Alibaba API".
    m = _PAREN.match(text)
    if m:
        text, config = m.group("name"), m.group("config").strip().lower()
        if _VERSION_CODE.match(config):
            # "DeepSeek R1 (0528)", "chatgpt-4o-latest (2025-02-15)": a version of the name, not a setting.
            parts.apply("aider_config")
            return f"{text}-{config}"
        if config in QUANTIZATIONS:
            parts.quantization = config
        else:
            parts.variants.append(f"config:{config}")
        parts.apply("aider_config")
    if ", " in text:
        text, config = text.split(", ", 1)
        parts.variants.append(f"config:{config.strip().lower()}")
        parts.apply("aider_config")
    m = _EDIT_FORMAT.search(text)
    if m:
        text = text[: m.start()]
        parts.variants.append(f"edit:{m.group(1).lower()}")
        parts.apply("aider_config")
    return text


def parts_for(source: str, model_id: str, provider: str | None = None) -> IdParts:
    """How `source`'s naming rules read `model_id` (a fresh copy: callers may add to its lists)."""
    read = _parts_for(source, model_id, provider)
    return replace(read, variants=list(read.variants), rules=list(read.rules), alternatives=list(read.alternatives))


@lru_cache(maxsize=131072)
def _parts_for(source: str, model_id: str, provider: str | None) -> IdParts:
    style = style_of(source)
    if style == "openrouter":
        return openrouter_parts(model_id)
    if style == "litellm":
        return litellm_parts(model_id, provider or "")
    if style == "board":
        return board_parts(source, model_id)
    namespace, name = _split(model_id.strip())
    return IdParts(namespace, name)
