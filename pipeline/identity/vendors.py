"""Provider-prefix and vendor-naming rules for LiteLLM keys -> namespace, model name and markers.

Each rule is named; the names of the rules applied to an id end up in the mapping's `rule`
column. The rules only take apart what a source's naming convention put together (a routing
prefix, a region, a version counter, a serving marker); they never guess a model.

LiteLLM keys (`litellm_provider` says who bills):
- route prefix: the key's first path segment names the LiteLLM route (`together_ai/`,
  `bedrock/`, `vertex_ai/`, `azure/`, `groq/`…) and is dropped;
- `bedrock_region`: `bedrock/us-east-1/…`, `us.`/`eu.`/`apac.`/`global.` cross-region prefixes,
  `azure/eu/`, `azure/us/`, `azure/global/` -> variant `region:<r>`; `N-month-commitment/` ->
  variant `commitment:N-month`; `invoke/` and `converse/` are API routes and dropped;
- `bedrock_vendor`: `meta.llama3-3-70b-instruct-v1:0` -> namespace `meta`, name
  `llama3-3-70b-instruct-v1`; the `:N` revision is dropped, and a `-vN` model version too when a
  dated snapshot precedes it; a bare name the vendor's families do not start (`deepseek.r1`) is
  read with the vendor's name in front (`deepseek-r1`);
- `fireworks_naming`: `accounts/<account>/models/<name>`; `p` between digits is a decimal point
  (`llama-v3p3` -> `llama-v3.3`), `llama-vN` is `llama-N`; `-basic` / `-long` serving tiers ->
  variants;
- `together_naming` / `deepinfra_naming`: `-Turbo` / `-Lite` -> quantization `turbo` / `lite`
  (the host's quantised serving; the id does not say the precision), `-Free` -> variant `free`,
  `-tput` -> variant `throughput`;
- `cerebras_naming`: Cerebras lists Llama chat models by bare name (`llama3.1-8b` is the
  instruct model); `sagemaker_naming`: `meta-textgeneration-<name>[-f]`, `-f` the chat model;
- `vertex_naming`: `-maas` (model-as-a-service suffix) dropped; `@latest` is a floating alias;
  `@<revision>` is read as `-<revision>`, then without a `-NNN` revision;
- `azure_naming`: Azure spells GPT-3.5 `gpt-35`;
- `groq_naming`: Groq serves the instruct models as `-versatile` / `-instant`;
- `databricks_naming`: `databricks-` name prefix dropped; `cloudflare_naming`: `@cf/`, `@hf/`;
- `volcengine_naming`: a trailing `-YYMMDD` is a dated snapshot;
- `fine_tuned`: OpenAI's `ft:<model>` prices serving a customer's fine-tune of <model> -> variant
  `fine-tuned`;
"""

from __future__ import annotations

import re

from pipeline.identity.developers import author_of_name, author_of_namespace, developer
from pipeline.identity.id_parts import IdParts, name_exclusion, openrouter_parts, split_namespace
from pipeline.identity.normalise import snapshot_of

_AWS_REGION = re.compile(r"^[a-z]{2}(?:-gov)?-[a-z]+-\d$")
_CROSS_REGION = ("us", "eu", "apac", "au", "jp", "global", "us-gov", "ca")
_AZURE_REGIONS = ("eu", "us", "global", "global-standard")
_COMMITMENT = re.compile(r"^(\d+)-month-commitment$")
_REVISION = re.compile(r":\d+$")
_DATED_VERSION = re.compile(r"(\d{8})-v\d+$")
_FIREWORKS_ACCOUNT = re.compile(r"^accounts/([^/]+)/models/(.+)$")
_YYMMDD = re.compile(r"-(2\d)([01]\d)([0-3]\d)$")
_VERSION_SUFFIX = re.compile(r"-v?\d+$")
_LATEST = re.compile(r"[-@]latest(?=$|[-_])")
_CLAUDE_LEGACY = re.compile(r"^claude-(instant-)?v(\d)(?::(\d+))?$")

# LiteLLM providers that are the developer's own API: ids they price may create registry entries.
FIRST_PARTY = {
    "openai": "openai", "text-completion-openai": "openai", "anthropic": "anthropic",
    "gemini": "google", "vertex_ai-language-models": "google", "vertex_ai-chat-models": "google",
    "vertex_ai-code-chat-models": "google", "vertex_ai-code-text-models": "google",
    "vertex_ai-text-models": "google", "vertex_ai-vision-models": "google", "vertex_ai": "google", "palm": "google",
    "mistral": "mistralai", "codestral": "mistralai", "text-completion-codestral": "mistralai",
    "xai": "x-ai", "deepseek": "deepseek", "cohere": "cohere", "cohere_chat": "cohere", "ai21": "ai21",
    "moonshot": "moonshotai", "dashscope": "qwen", "zai": "z-ai", "minimax": "minimax", "perplexity": "perplexity",
    "amazon_nova": "amazon", "bedrock": "amazon", "bedrock_converse": "amazon", "aleph_alpha": "aleph-alpha",
    "watsonx": "ibm-granite", "databricks": "databricks", "v0": "vercel", "sarvam": "sarvamai",
    "gigachat": "ai-sage",
}
# Hosts whose `-Turbo` / `-Lite` suffix is their quantised serving of a model.
TURBO_HOSTS = ("together_ai", "deepinfra")
# Runtimes that run models on the user's own machine: their 0 price is not an API price.
LOCAL_RUNTIMES = ("ollama", "lemonade")


def _strip_route(key: str, provider: str) -> str:
    head, sep, rest = key.partition("/")
    norm = head.replace("-", "_")
    if sep and (norm == provider or provider.startswith(norm)):
        return rest
    return key


def litellm_parts(key: str, provider: str) -> IdParts:
    """A LiteLLM key and its `litellm_provider`."""
    if provider in LOCAL_RUNTIMES:
        parts = IdParts(None, key)
        parts.exclusion = ("local_runtime", f"local runtime ({provider}): price 0 means self-hosting, "
                                            "not an API price")
        return parts
    if re.match(r"^(fireworks-ai|together-ai)-", key):
        parts = IdParts(None, key)
        parts.exclusion = ("size_bucket", "size-tier price bucket of a host, not a model")
        return parts
    if key.startswith("openrouter/"):
        parts = openrouter_parts(key[len("openrouter/"):])
        parts.apply("litellm_openrouter_route")
        return parts
    text = _strip_route(key, provider)
    parts = IdParts(None, text, exclusion=name_exclusion(text))
    if parts.exclusion:
        return parts
    if text.startswith("ft:"):
        text = text[3:]
        parts.variants.append("fine-tuned")
        parts.apply("fine_tuned")
    if provider.startswith("bedrock") or provider == "oci":
        text = _bedrock(text, parts)
    elif provider.startswith("azure"):
        text = _azure(text, parts)
    elif provider.startswith("vertex_ai"):
        text = _vertex(text, parts)
    elif provider.startswith("fireworks_ai"):
        text = _fireworks(text, parts)
    elif provider in TURBO_HOSTS:
        text = _turbo(text, parts, provider)
    elif provider == "groq":
        text = _suffix_rule(text, parts, ("-versatile", "-instant"), "-instruct", "groq_naming")
    elif provider == "cerebras":
        text = _cerebras(text, parts)
    elif provider == "sagemaker" and text.startswith("meta-textgeneration-"):
        text = "meta/" + _suffix_rule(text[len("meta-textgeneration-"):], parts, ("-f",), "-chat", "sagemaker_naming")
        parts.apply("sagemaker_naming")
    elif provider == "databricks" and text.startswith("databricks-"):
        text = text[len("databricks-"):]
        parts.apply("databricks_naming")
    elif provider == "cloudflare":
        text = re.sub(r"^@(cf|hf)/", "", text)
        parts.apply("cloudflare_naming")
    elif provider == "volcengine":
        m = _YYMMDD.search(text)
        if m:
            parts.snapshot = f"20{m.group(1)}-{m.group(2)}-{m.group(3)}"
            text = text[: m.start()]
            parts.apply("volcengine_naming")
    if _LATEST.search(text) and not snapshot_of(text)[1]:
        parts.exclusion = ("floating_alias", "floating alias: follows whichever model is newest")
    parts.namespace, parts.name = split_namespace(text)
    if parts.namespace and "/" not in parts.namespace and "." in parts.name and provider.startswith("oci"):
        parts.namespace = None
    first_party = FIRST_PARTY.get(provider)
    name_author = author_of_name(parts.name.lower()) or author_of_namespace(parts.namespace)
    if first_party and name_author == first_party:
        parts.first_party = first_party
    return parts


def _suffix_rule(text: str, parts: IdParts, suffixes: tuple[str, ...], replace: str, rule: str) -> str:
    for suffix in suffixes:
        if text.endswith(suffix):
            parts.apply(rule)
            return text[: -len(suffix)] + replace
    return text


def _bedrock(text: str, parts: IdParts) -> str:
    segments = text.split("/")
    for seg in segments[:-1]:
        # `invoke/`, `converse/` are API routes: dropped without a variant.
        if _AWS_REGION.match(seg):
            parts.variants.append(f"region:{seg}")
            parts.apply("bedrock_region")
        elif _COMMITMENT.match(seg):
            parts.variants.append(f"commitment:{_COMMITMENT.match(seg).group(1)}-month")
            parts.apply("bedrock_region")
    text = segments[-1]
    pieces = text.split(".")
    if len(pieces) > 2 and pieces[0] in _CROSS_REGION:
        parts.variants.append(f"region:{pieces[0]}")
        parts.apply("bedrock_region")
        pieces = pieces[1:]
    vendor, name = (pieces[0], ".".join(pieces[1:])) if len(pieces) >= 2 else (None, pieces[0])
    legacy = _CLAUDE_LEGACY.match(name)
    if legacy:
        # Bedrock's Claude 1/2 ids: `claude-v2:1` is Claude 2.1, `claude-instant-v1` Claude Instant 1.
        name = f"claude-{legacy.group(1) or ''}{legacy.group(2)}" + (f".{legacy.group(3)}" if legacy.group(3) else "")
    # `-v0:1` is version 0.1 (Mistral's ids); any other `:N` is Bedrock's revision counter.
    name = re.sub(r"-v0:(\d+)$", r"-v0.\1", name)
    name = _DATED_VERSION.sub(r"\1", _REVISION.sub("", name))
    if _VERSION_SUFFIX.search(name):
        parts.alternatives.append(_VERSION_SUFFIX.sub("", name))
    parts.apply("bedrock_vendor")
    if vendor is None:
        return name
    author = author_of_namespace(vendor)
    if author and developer(author) and author_of_name(name.lower()) is None:
        name = f"{vendor}-{name}"
        parts.alternatives = [f"{vendor}-{a}" for a in parts.alternatives]
    return f"{vendor}/{name}"


def _azure(text: str, parts: IdParts) -> str:
    head, sep, rest = text.partition("/")
    if sep and head in _AZURE_REGIONS:
        parts.variants.append(f"region:{head}")
        parts.apply("bedrock_region")
        text = rest
    if "gpt-35" in text:
        text = text.replace("gpt-35", "gpt-3.5")
        parts.apply("azure_naming")
    return text


def _vertex(text: str, parts: IdParts) -> str:
    if text.endswith("-maas"):
        text = text[: -len("-maas")]
        parts.apply("vertex_naming")
    if "@" in text and not text.endswith("@latest"):
        name, _, revision = text.partition("@")
        if not re.fullmatch(r"20\d{6}", revision):
            # `mistral-large@2411-001`: read as written first, then without the `-001` revision.
            text = f"{name}-{revision}"
            if re.search(r"-\d{3}$", text):
                parts.alternatives.append(text.rsplit("/", 1)[-1][:-4])
            parts.apply("vertex_naming")
    return text


def _fireworks(text: str, parts: IdParts) -> str:
    m = _FIREWORKS_ACCOUNT.match(text)
    if m:
        account, text = m.group(1), m.group(2)
        if account != "fireworks":
            text = f"{account}/{text}"
    text = re.sub(r"(?<=\d)p(?=\d)", ".", text)
    text = re.sub(r"\bllama-v(\d)", r"llama-\1", text)
    text = re.sub(r"^code-llama-", "codellama-", text)
    for suffix, variant in (("-basic", "basic"), ("-long", "long-context")):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            parts.variants.append(variant)
    parts.apply("fireworks_naming")
    return text


def _cerebras(text: str, parts: IdParts) -> str:
    # Cerebras lists its chat models by bare name (`llama3.1-8b` is Llama 3.1 8B Instruct).
    if author_of_name(text.lower()) == "meta-llama" and "instruct" not in text.lower():
        parts.apply("cerebras_naming")
        return text + "-instruct"
    return text


def _turbo(text: str, parts: IdParts, provider: str) -> str:
    rule = f"{provider.split('_')[0]}_naming"
    if text.endswith("-Free"):
        text = text[: -len("-Free")]
        parts.variants.append("free")
        parts.apply(rule)
    if text.endswith("-tput"):
        text = text[: -len("-tput")]
        parts.variants.append("throughput")
        parts.apply(rule)
    for suffix, quant in (("-Turbo", "turbo"), ("-Lite", "lite")):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            parts.quantization = quant
            parts.apply(rule)
    return text
