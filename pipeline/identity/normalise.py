"""Name normalisation: the exact text transformations the identity rules are allowed to make.

Two forms of a model name:
- `slug(text)`: the readable form new registry ids are made of (`Meta-Llama-3_1-70B-Instruct`
  -> `llama-3.1-70b-instruct`);
- `key(text)`: the comparison form (`qwen2.5-72b` and `qwen-2.5-72b` -> `qwen-2.5-72-b`). Two
  names match when their keys are equal, character for character; nothing is scored.

The steps, in order (docs/identity.md states them with examples):
1. a `Developer: ` name prefix (OpenRouter's display names) is dropped; lower-case; every run of
   characters other than `a-z`, `0-9` and `.` becomes one `-` (after step 2's underscores);
2. an underscore between digits is a decimal point (`3_1` -> `3.1`, `1_8b` -> `1.8b`); a single
   digit, a hyphen and a single digit that ends the word are a version (`3-5-sonnet` ->
   `3.5-sonnet`, `llama3-3-70b` -> `llama3.3-70b`; `gemma-2-9b` is left alone);
3. the developer's own name before one of its families is dropped (`meta-llama-3` -> `llama-3`,
   `amazon-nova-pro` -> `nova-pro`; developers.py);
   Mistral writes a release as `YY.MM` in prose (`Codestral 25.01`) and `YYMM` in API ids
   (`codestral-2501`): a trailing `YY.MM` of a Mistral family name is read as `YYMM`;
4. a trailing `-hf` (Hugging Face conversion marker) is dropped;
5. key only: a trailing `.0` of a version is dropped (`v1.0` -> `v1`, `granite-3.0` ->
   `granite-3`), then the name is split into tokens at every `-` and at each letter/digit
   boundary (a `.` between digits stays inside its number), joined with `-`.

Markers taken out before matching (and kept in the mapping's columns, never thrown away):
dated snapshots (`snapshot_of`), quantisation tokens (`take_quantization`).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from pipeline.identity.developers import author_of_name, strip_developer_prefix

# `-2024-08-06`, `-20241022`, `@20240620`, `_20250514`; the date must end the name or be followed
# by a separator (`claude-opus-4-20250514-thinking-16k`).
_ISO_DATE = re.compile(r"[-@_](20\d\d)-?([01]\d)-?([0-3]\d)(?=$|[-_@:])")
# Epoch writes some OpenAI snapshots month first: `chatgpt-4o-01-29-2025`.
_US_DATE = re.compile(r"-([01]\d)-([0-3]\d)-(20\d\d)(?=$|[-_@:])")
_SPACES = re.compile(r"[^a-z0-9.]+")
_DASHES = re.compile(r"-{2,}")
_DIGIT_UNDERSCORE = re.compile(r"(?<=\d)_(?=\d)")
_VERSION = re.compile(r"(?<![\d.])(\d)-(\d)(?=$|[-:])")
_DOT_ZERO = re.compile(r"(?<=\d)\.0(?![\d.])")
_TOKEN = re.compile(r"\d+(?:\.\d+)*|[a-z]+")
_YY_MM = re.compile(r"-(2\d)\.(0[1-9]|1[0-2])$")
_NAME_PREFIX = re.compile(r"^[^:/]{1,40}:\s+")

# Quantisation and weight-format tokens (lower-case), as whole `-`/`_` separated tokens.
QUANTIZATIONS = ("fp8", "fp4", "fp16", "bf16", "int8", "int4", "awq", "gptq", "gguf", "mxfp4", "mxfp", "nvfp4",
                 "w8a8", "q8", "q4")
_QUANT = re.compile(r"(?:^|[-_])(" + "|".join(QUANTIZATIONS) + r")(?:[-_](?:0|k[-_]m))?(?=$|[-_:])", re.I)


@lru_cache(maxsize=1 << 16)
def snapshot_of(text: str) -> tuple[str, str | None]:
    """(text without its dated-snapshot suffix, 'YYYY-MM-DD'); (text, None) when it has none."""
    for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_US_DATE, (3, 1, 2))):
        matches = list(pattern.finditer(text))
        if not matches:
            continue
        m = matches[-1]
        y, mo, d = (int(m.group(i)) for i in order)
        try:
            day = date(y, mo, d)
        except ValueError:
            continue
        return (text[: m.start()] + text[m.end():]).strip("-_@"), day.isoformat()
    return text, None


@lru_cache(maxsize=1 << 16)
def take_quantization(text: str) -> tuple[str, str | None]:
    """(text without quantisation tokens, 'fp8' / 'int4' / 'mxfp4+gguf'…) or (text, None)."""
    found = [m.group(1).lower() for m in _QUANT.finditer(text)]
    if not found:
        return text, None
    rest = _QUANT.sub("", text).strip("-_")
    return rest, "+".join(found)


@lru_cache(maxsize=1 << 16)
def _base(text: str) -> str:
    text = _NAME_PREFIX.sub("", text.strip()).lower()
    text = _DIGIT_UNDERSCORE.sub(".", text)
    text = _DASHES.sub("-", _SPACES.sub("-", text)).strip("-")
    text = _VERSION.sub(r"\1.\2", text)
    text, _ = strip_developer_prefix(text)
    if _YY_MM.search(text) and author_of_name(text) == "mistralai":
        text = _YY_MM.sub(r"-\1\2", text)
    if text.endswith("-hf"):
        text = text[:-3]
    return text


def slug(text: str) -> str:
    """The readable normalised form (steps 1-4)."""
    return _base(text)


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """The comparison form (steps 1-5)."""
    return "-".join(_TOKEN.findall(_DOT_ZERO.sub("", _base(text))))
