"""License text as served (plain, Markdown or HTML) -> readable text, its version hash, and the
progressively masked word sequences the change classifier compares.

A license's *version* is its text with whitespace and line endings normalised: re-flowed
paragraphs, CRLF line endings, a UTF-8 byte-order mark or trailing spaces do not make a new
version. The original text is kept as served.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from bs4 import BeautifulSoup

BOM = "\ufeff"
# Page chrome around a license on a documentation site: never part of the terms.
HTML_CHROME = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg")
# Where documentation sites put the article (Google's devsite, plain HTML5 pages).
HTML_ARTICLE = ("article", "main", "[role=main]", ".devsite-article-body")
HTML_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "tr", "br", "pre", "dd", "dt")

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "})
# Markdown: [text](url) -> text; emphasis, escapes, headings, bullets and code fences go.
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_MD_MARKS = re.compile(r"(\*\*|__|(?<!\w)\*(?!\s)|(?<=\S)\*(?!\w)|`+|\\(?=[^\w\s]|_))")
_MD_LINE_PREFIX = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

# Masks, applied in this order by the change classifier: URLs, dates, product names/versions.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]*[^\s<>\"')\].,;:]"
                  r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|dev|ai|io|co|cn)\b(?:/[^\s<>\"')\]]*[^\s<>\"')\].,;:])?",
                  re.IGNORECASE)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december"
           "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:19|20)\d{2})\b", re.IGNORECASE)
# Model families whose version number appears in license names ("Llama 3.1", "Meta Llama 3").
_PRODUCT_VERSION = re.compile(r"\b(llama|gemma|qwen|qianwen|mistral|bloom|olmo|phi|deepseek)[\s-]*v?\d+(?:\.\d+)*\b",
                              re.IGNORECASE)
_VERSION = re.compile(r"\bv?\d+(?:\.\d+)+\b", re.IGNORECASE)
_WORD = re.compile(r"[\w<>]+")
_SENTENCE_END = re.compile(r"[.;:!?][\"')\]]?$")


def decode(body: bytes) -> str:
    """Bytes -> str: UTF-8 (with or without a BOM), else Windows-1252, never failing on a stray byte."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    return unicodedata.normalize("NFC", text.lstrip(BOM)).replace("\r\n", "\n").replace("\r", "\n")


def looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<body" in head


def html_to_text(html: str) -> str:
    """The article of an HTML page as text, one block per line; navigation and scripts left out."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(HTML_CHROME):
        tag.decompose()
    root = next((found for sel in HTML_ARTICLE if (found := soup.select_one(sel)) is not None), None)
    root = root or soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    for block in root.find_all(HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (_WS.sub(" ", line).strip() for line in root.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


def collapse(text: str) -> str:
    """Whitespace and line endings normalised: what a version is, before hashing."""
    return _WS.sub(" ", text.replace(BOM, "")).strip()


def version_sha256(text: str) -> str:
    return hashlib.sha256(collapse(unicodedata.normalize("NFC", text)).encode("utf-8")).hexdigest()


def strip_markup(text: str) -> str:
    """Markdown and stray HTML tags removed, typographic quotes and dashes made plain."""
    text = _HTML_TAG.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_PREFIX.sub("", text)
    text = _MD_MARKS.sub("", text)
    return text.translate(_QUOTES)


def mask_urls(text: str) -> str:
    return _URL.sub("<url>", text)


def mask_dates(text: str) -> str:
    return _DATE.sub(" <date> ", text)


def mask_names(text: str) -> str:
    return _VERSION.sub(" <version> ", _PRODUCT_VERSION.sub(r"\1 <version>", text))


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def paragraphs(text: str) -> list[str]:
    """Markup-free paragraphs, hard-wrapped lines re-joined: a line continues the previous one
    unless a blank line or the end of a sentence separates them (Apache-2.0 wraps at 80 columns)."""
    out: list[str] = []
    current = ""
    for raw in strip_markup(text).split("\n"):
        line = _WS.sub(" ", raw).strip()
        if not line:
            if current:
                out.append(current)
            current = ""
        elif current and not _SENTENCE_END.search(current):
            current = f"{current} {line}"
        else:
            if current:
                out.append(current)
            current = line
    if current:
        out.append(current)
    return out


def plain(text: str) -> str:
    """Markup-free text, one non-empty line per line: where license titles are looked for."""
    lines = (_WS.sub(" ", line).strip() for line in strip_markup(text).split("\n"))
    return "\n".join(line for line in lines if line)
