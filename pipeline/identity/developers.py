"""Who develops which model family: the table the naming rules use to give a model its author.

Hand-kept; one row per developer: the author slug (OpenRouter's `author` where OpenRouter lists
the developer, else the developer's Hugging Face organisation, lower-cased), its display name,
where that can be checked, the name prefixes of its model families, and the other namespaces
sources file it under (Hugging Face organisations, Bedrock/OCI vendor prefixes, gateway folders).

Used for three things only, never to pick between similar names:
- `author_of_namespace`: `deepseek-ai/…`, `meta.…`, `alibaba/…` -> the author;
- `author_of_name`: the developer of a bare model name, by its longest family prefix
  (`llama-3.1-nemotron…` is NVIDIA's before `llama…` is Meta's);
- `strip_developer_prefix`: `amazon-nova-pro`, `anthropic-claude-3.5-sonnet` -> the name after
  the developer's own name, when what follows is one of that developer's families.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Developer(NamedTuple):
    author: str
    display: str
    citation: str
    families: tuple[str, ...]
    namespaces: tuple[str, ...] = ()


OR = "https://openrouter.ai/"
HF = "https://huggingface.co/"

DEVELOPERS = (
    Developer("openai", "OpenAI", OR + "openai",
              ("gpt", "chatgpt", "o1", "o3", "o4", "codex", "gpt-oss", "davinci", "babbage", "curie", "ada",
               "text-davinci", "text-curie", "text-babbage", "text-ada", "code-davinci", "computer-use"),
              ("openai",)),
    Developer("openai-community", "OpenAI (Hugging Face community copies)", HF + "openai-community", ("gpt2",)),
    Developer("anthropic", "Anthropic", OR + "anthropic", ("claude",), ("anthropic",)),
    Developer("google", "Google", OR + "google",
              ("gemini", "gemma", "codegemma", "recurrentgemma", "palm", "chat-bison", "text-bison", "code-bison",
               "codechat-bison", "code-gecko", "text-unicorn", "flan", "mt5", "umt5", "learnlm"),
              ("google", "vertex_ai", "gemini")),
    Developer("google-deepmind", "Google DeepMind", "https://deepmind.google/", ("chinchilla", "gopher")),
    Developer("meta-llama", "Meta", OR + "meta-llama", ("llama", "codellama", "code-llama"),
              ("meta-llama", "meta", "facebook", "metaai")),
    Developer("facebook", "Meta AI (Hugging Face organisation facebook)", HF + "facebook", ("opt",)),
    Developer("mistralai", "Mistral AI", OR + "mistralai",
              ("mistral", "mixtral", "codestral", "ministral", "devstral", "magistral", "pixtral", "mathstral",
               "open-mistral", "open-mixtral", "open-codestral", "voxtral", "labs-devstral"),
              ("mistralai", "mistral")),
    Developer("qwen", "Alibaba Qwen", OR + "qwen", ("qwen", "qwq", "qvq", "codeqwen"),
              ("qwen", "alibaba", "alibaba-cloud", "dashscope")),
    Developer("deepseek", "DeepSeek", OR + "deepseek", ("deepseek",), ("deepseek-ai", "deepseek")),
    Developer("x-ai", "xAI", OR + "x-ai", ("grok", "early-grok"), ("xai", "x-ai")),
    # `c4ai-` (Cohere For AI) prefixes the open-weight releases of Cohere's models.
    Developer("cohere", "Cohere", OR + "cohere", ("command", "aya"), ("cohereforai", "coherelabs", "cohere", "c4ai")),
    Developer("ai21", "AI21 Labs", OR + "ai21", ("jamba", "j2", "jurassic"), ("ai21labs", "ai21")),
    Developer("amazon", "Amazon", OR + "amazon", ("nova", "titan"), ("amazon", "amazon-nova")),
    Developer("microsoft", "Microsoft", OR + "microsoft", ("phi", "wizardlm", "orca", "mai-ds", "mai-1", "dialogpt"),
              ("microsoft", "wizardlmteam")),
    Developer("nvidia", "NVIDIA", OR + "nvidia",
              ("nemotron", "llama-3.1-nemotron", "llama-3.3-nemotron", "llama-3.1-minitron", "minitron",
               "mistral-nemo-minitron", "llama2-70b-steerlm", "acemath", "aceinstruct", "hymba", "openmath"),
              ("nvidia",)),
    Developer("z-ai", "Z.ai", OR + "z-ai", ("glm", "chatglm", "codegeex"), ("zai-org", "thudm", "zai", "zhipuai")),
    Developer("moonshotai", "Moonshot AI", OR + "moonshotai", ("kimi", "moonshot"), ("moonshotai", "moonshot")),
    Developer("minimax", "MiniMax", OR + "minimax", ("minimax", "abab"), ("minimaxai", "minimax")),
    Developer("baidu", "Baidu", OR + "baidu", ("ernie",), ("baidu",)),
    Developer("tencent", "Tencent", OR + "tencent", ("hunyuan", "hy3"), ("tencent",)),
    Developer("ibm-granite", "IBM", OR + "ibm-granite", ("granite",), ("ibm-granite", "ibm")),
    Developer("allenai", "Ai2", OR + "allenai", ("olmo", "olmoe", "tulu", "llama-3.1-tulu", "molmo"), ("allenai",)),
    Developer("nousresearch", "Nous Research", OR + "nousresearch", ("hermes", "nous-hermes", "yarn"),
              ("nousresearch",)),
    Developer("perplexity", "Perplexity", OR + "perplexity", ("sonar", "pplx", "llama-3.1-sonar", "r1-1776"),
              ("perplexity", "perplexity-ai")),
    Developer("01-ai", "01.AI", HF + "01-ai", ("yi",), ("01-ai",)),
    Developer("tiiuae", "Technology Innovation Institute", HF + "tiiuae", ("falcon",), ("tiiuae",)),
    Developer("databricks", "Databricks", HF + "databricks", ("dbrx", "dolly"), ("databricks",)),
    Developer("mosaicml", "MosaicML", HF + "mosaicml", ("mpt",), ("mosaicml",)),
    Developer("lmsys", "LMSYS", HF + "lmsys", ("vicuna", "fastchat"), ("lmsys",)),
    Developer("stabilityai", "Stability AI", HF + "stabilityai", ("stablelm", "stablebeluga"), ("stabilityai",)),
    Developer("eleutherai", "EleutherAI", HF + "EleutherAI", ("pythia", "gpt-j", "gpt-neo", "gpt-neox"),
              ("eleutherai",)),
    Developer("bigscience", "BigScience", HF + "bigscience", ("bloom", "bloomz", "mt0"), ("bigscience",)),
    Developer("huggingfaceh4", "Hugging Face H4", HF + "HuggingFaceH4", ("zephyr",), ("huggingfaceh4",)),
    Developer("huggingfacetb", "Hugging Face TB", HF + "HuggingFaceTB", ("smollm",), ("huggingfacetb",)),
    Developer("upstage", "Upstage", OR + "upstage", ("solar",), ("upstage",)),
    Developer("rekaai", "Reka", OR + "rekaai", ("reka",), ("rekaai",)),
    Developer("snowflake", "Snowflake", HF + "Snowflake", ("snowflake-arctic",), ("snowflake",)),
    Developer("internlm", "Shanghai AI Laboratory (InternLM)", HF + "internlm", ("internlm",), ("internlm",)),
    Developer("openchat", "OpenChat", HF + "openchat", ("openchat",), ("openchat",)),
    Developer("nexusflow", "Nexusflow", HF + "Nexusflow", ("athene", "nexusraven"), ("nexusflow",)),
    Developer("stepfun", "StepFun", OR + "stepfun", ("step",), ("stepfun-ai", "stepfun")),
    Developer("inclusionai", "inclusionAI", OR + "inclusionai", ("ling", "ring"), ("inclusionai",)),
    Developer("meituan", "Meituan", OR + "meituan", ("longcat",), ("meituan-longcat", "meituan")),
    Developer("inception", "Inception", OR + "inception", ("mercury",), ("inception",)),
    Developer("liquid", "Liquid AI", OR + "liquid", ("lfm",), ("liquidai", "liquid")),
    Developer("xiaomi", "Xiaomi", OR + "xiaomi", ("mimo",), ("xiaomimimo", "xiaomi")),
    Developer("prime-intellect", "Prime Intellect", HF + "PrimeIntellect", ("intellect",), ("primeintellect",)),
    Developer("aleph-alpha", "Aleph Alpha", HF + "Aleph-Alpha", ("luminous",), ("aleph-alpha", "aleph_alpha")),
    Developer("writer", "Writer", OR + "writer", ("palmyra",), ("writer",)),
    Developer("teknium", "Teknium", HF + "teknium", ("openhermes",), ("teknium",)),
    Developer("cognitivecomputations", "Cognitive Computations", HF + "cognitivecomputations", ("dolphin",),
              ("cognitivecomputations",)),
    Developer("togethercomputer", "Together", HF + "togethercomputer", ("stripedhyena", "redpajama", "gpt-jt"),
              ("togethercomputer",)),
    Developer("bigcode", "BigCode", HF + "bigcode", ("starcoder",), ("bigcode",)),
    Developer("baichuan-inc", "Baichuan", HF + "baichuan-inc", ("baichuan",), ("baichuan-inc", "baichuan")),
    Developer("nomic-ai", "Nomic AI", HF + "nomic-ai", ("gpt4all",), ("nomic-ai",)),
    Developer("openassistant", "OpenAssistant", HF + "OpenAssistant", ("oasst",), ("openassistant",)),
    Developer("all-hands", "All Hands AI", HF + "all-hands", ("openhands-lm",), ("all-hands",)),
    Developer("salesforce", "Salesforce", HF + "Salesforce", ("xgen",), ("salesforce",)),
    Developer("openlm-research", "OpenLM Research", HF + "openlm-research", ("open-llama",), ("openlm-research",)),
    Developer("inflection", "Inflection AI", OR + "inflection", ("inflection",), ("inflection",)),
    Developer("vercel", "Vercel", "https://vercel.com/docs/v0/api", ("v0",), ("vercel",)),
    Developer("sarvamai", "Sarvam AI", HF + "sarvamai", ("sarvam",), ("sarvam", "sarvamai")),
    Developer("ai-sage", "Sber AI (GigaChat)", HF + "ai-sage", ("gigachat",), ("ai-sage", "gigachat")),
)

_SEP = re.compile(r"[-_./]")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict, list]:
    by_author = {d.author: d for d in DEVELOPERS}
    namespaces: dict[str, str] = {}
    for d in DEVELOPERS:
        for ns in (d.author, *d.namespaces):
            namespaces.setdefault(ns.lower(), d.author)
    families = sorted(((f, d.author) for d in DEVELOPERS for f in d.families), key=lambda p: (-len(p[0]), p[0]))
    return by_author, namespaces, families


def developer(author: str) -> Developer | None:
    return _tables()[0].get(author)


def author_of_namespace(namespace: str | None, extra: dict[str, str] | None = None) -> str | None:
    """A namespace (HF organisation, vendor prefix, gateway folder) -> author, or None if unknown.
    `extra` adds pairs learnt from data (OpenRouter's hugging_face_id links)."""
    if not namespace:
        return None
    ns = namespace.lower()
    return _tables()[1].get(ns) or (extra or {}).get(ns)


def _starts(name: str, prefix: str) -> bool:
    # A family prefix ends at a separator, a digit or the end: `qwen2.5` and `qwen-2.5` are Qwen,
    # `grokking` is not Grok.
    return name.startswith(prefix) and (len(name) == len(prefix) or not name[len(prefix)].isalpha())


@lru_cache(maxsize=1)
def _families_by_initial() -> dict[str, list[tuple[str, str]]]:
    """The family prefixes (longest first) grouped by their first character."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for prefix, author in _tables()[2]:
        grouped.setdefault(prefix[:1], []).append((prefix, author))
    return grouped


@lru_cache(maxsize=65536)
def family_of(name: str) -> tuple[str, str] | None:
    """(family prefix, author) of a normalised lower-case name, by its longest family prefix."""
    for prefix, author in _families_by_initial().get(name[:1], ()):
        if _starts(name, prefix):
            return prefix, author
    return None


def author_of_name(name: str) -> str | None:
    found = family_of(name)
    return found[1] if found else None


def strip_developer_prefix(name: str) -> tuple[str, str | None]:
    """`amazon-nova-pro-v1` -> ('nova-pro-v1', 'amazon'); a name without one is returned as is."""
    head, sep, rest = name.partition("-")
    if not sep or not rest:
        return name, None
    author = author_of_namespace(head)
    if author is None:
        return name, None
    found = family_of(rest)
    if found and found[1] == author:
        return rest, author
    return name, None


def display_of(author: str) -> str:
    dev = developer(author)
    return dev.display if dev else author
