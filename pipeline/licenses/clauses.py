"""What a license text allows, read clause by clause, each answer with the passage it rests on.

Pure pattern reading of the English text, tuned on the licenses the ledger tracks (Llama 2-4,
Gemma, Qwen/Tongyi Qianwen, Mistral Research License, BigScience RAIL, Apache-2.0, MIT). A
clause not found is False (searched, absent) except commercial use, which is None when the text
neither grants rights nor limits them (a use policy, a notice). OSI approval is not in the text:
it comes from the SPDX license list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.licenses.text import paragraphs

EVIDENCE_CHARS = 320
_SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[\"'“(]?[A-Z0-9])")


def _rx(*patterns: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


NON_COMMERCIAL = _rx(
    r"\bonly use\b.{0,160}\bfor research purposes\b",
    r"\bnon-?commercial purposes only\b",
    r"\bfor research (?:or evaluation )?purposes only\b",
    r"\bnon-?commercial (?:purposes|use)\b",
    r"\bnot\b.{0,60}\bfor (?:any )?commercial (?:use|purposes)\b",
)
GRANT = _rx(
    r"\byou are granted\b.{0,200}\blicen[cs]e\b.{0,200}\bto use\b",
    r"\bgrants? (?:to )?you\b.{0,200}\blicen[cs]e\b.{0,120}\bto (?:use, (?:copy|reproduce)|reproduce|copy)\b",
    r"\bpermission is hereby granted, free of charge\b",
    r"\byou may use, reproduce, modify, distribute\b",
)
MAU = re.compile(r"\b(?:greater than|more than|exceeds?|in excess of)\s+([\d][\d,.]*)\s*(million|billion)?\s+"
                 r"monthly active users\b", re.IGNORECASE)
ATTRIBUTION = _rx(
    r"\bbuilt with\b",
    r"\bat the beginning of any such ai model name\b",
    r"\battribution notices?\b",
    r"\bmust be accompanied by a [\"']?notice[\"']? text file\b",
    r"\bcopyright notice and this permission notice shall be included\b",
)
AUP = _rx(r"\b(?:acceptable use|prohibited use|use) policy\b.{0,300}\bincorporated by reference\b")
OUTPUT_PROHIBITED = _rx(
    r"\b(?:will not|shall not|can ?not|may not|must not) use\b.{0,120}\boutputs?\b.{0,120}\bto improve any other\b",
)
OUTPUT_CONDITIONS = _rx(
    r"\boutputs?\b.{0,120}\bto create, train, fine[- ]?tune,? or (?:otherwise )?improve\b.{0,160}\b(?:shall|must)\b",
    r"\bcreated by transfer of patterns of the weights, parameters, operations, or output\b",
    r"\boutputs shall be subject to the restrictions\b",
)
REDISTRIBUTION = _rx(
    r"\b(?:provide|give|make available)\b.{0,80}\b(?:a )?copy of this (?:agreement|license)\b",
    r"\bmust cause any modified files to carry prominent notices\b",
    r"\benforceable provision\b",
    r"\bshall be included in all copies\b",
)
USE_RESTRICTIONS = _rx(
    r"\byou cannot use the model\b.{0,80}\brestricted uses\b",
    r"\buse-based restrictions\b",
    r"\byou agree not to use the model\b",
    r"\byou must not use any of the\b.{0,40}\bservices\b",
    r"\byou agree you will not use, or allow others to use\b",
    r"\bprohibited uses?\b",
)


@dataclass(frozen=True)
class Clauses:
    commercial_use: bool | None
    commercial_use_evidence: str | None
    mau_threshold: int | None
    mau_threshold_evidence: str | None
    attribution_required: bool
    attribution_evidence: str | None
    aup_by_reference: bool
    aup_evidence: str | None
    non_commercial: bool
    non_commercial_evidence: str | None
    restricts_output_use: bool
    output_use_terms: str | None   # prohibited / conditions
    output_use_evidence: str | None
    redistribution_conditions: bool
    redistribution_evidence: str | None
    use_restrictions: bool
    use_restrictions_evidence: str | None

    def restrictions(self) -> dict[str, str]:
        """The clauses that restrict use (what makes an open-weight license "restricted"), each
        with its passage. Attribution and redistribution conditions do not restrict use."""
        out = {}
        if self.non_commercial:
            out["non_commercial"] = self.non_commercial_evidence or ""
        if self.mau_threshold is not None:
            out["mau_threshold"] = f"{self.mau_threshold:,} monthly active users: {self.mau_threshold_evidence}"
        if self.aup_by_reference:
            out["aup_by_reference"] = self.aup_evidence or ""
        if self.use_restrictions and self.use_restrictions_evidence != self.aup_evidence:
            out["use_restrictions"] = self.use_restrictions_evidence or ""
        if self.output_use_terms == "prohibited":
            out["output_use"] = self.output_use_evidence or ""
        return out

    def values(self) -> dict:
        """The clause answers without their evidence: what a material change changes."""
        return {k: getattr(self, k) for k in CLAUSE_KEYS}


CLAUSE_KEYS = ("commercial_use", "mau_threshold", "attribution_required", "aup_by_reference", "non_commercial",
               "output_use_terms", "redistribution_conditions", "use_restrictions")


def sentences(text: str) -> list[str]:
    out = []
    for line in paragraphs(text):
        out.extend(s.strip() for s in _SENTENCE.split(line) if s.strip())
    return out


def _quote(sentence: str, match: re.Match) -> str:
    if len(sentence) <= EVIDENCE_CHARS:
        return sentence
    start = max(0, match.start() - EVIDENCE_CHARS // 3)
    snippet = sentence[start: start + EVIDENCE_CHARS]
    return ("…" if start else "") + snippet + ("…" if start + EVIDENCE_CHARS < len(sentence) else "")


def _find(parts: list[str], patterns: tuple[re.Pattern, ...], limit: int = 1) -> str | None:
    """The first `limit` sentences matching any pattern (pattern order first), joined."""
    found: list[str] = []
    for rx in patterns:
        for sentence in parts:
            m = rx.search(sentence)
            if m:
                quote = _quote(sentence, m)
                if quote not in found:
                    found.append(quote)
                break
        if len(found) >= limit:
            break
    return " | ".join(found) if found else None


def mau_number(amount: str, unit: str | None) -> int:
    value = float(amount.replace(",", ""))
    factor = {"million": 1_000_000, "billion": 1_000_000_000}.get((unit or "").lower(), 1)
    return int(round(value * factor))


def extract(text: str) -> Clauses:
    parts = sentences(text)
    non_commercial = _find(parts, NON_COMMERCIAL)
    grant = _find(parts, GRANT)
    commercial = False if non_commercial else (True if grant else None)
    mau, mau_evidence = None, None
    for sentence in parts:
        m = MAU.search(sentence)
        if m:
            mau, mau_evidence = mau_number(m.group(1), m.group(2)), _quote(sentence, m)
            break
    attribution = _find(parts, ATTRIBUTION, limit=2)
    aup = _find(parts, AUP)
    prohibited = _find(parts, OUTPUT_PROHIBITED)
    conditions = None if prohibited else _find(parts, OUTPUT_CONDITIONS)
    redistribution = _find(parts, REDISTRIBUTION, limit=2)
    restrictions = _find(parts, USE_RESTRICTIONS) or aup
    return Clauses(
        commercial_use=commercial, commercial_use_evidence=non_commercial or grant,
        mau_threshold=mau, mau_threshold_evidence=mau_evidence,
        attribution_required=attribution is not None, attribution_evidence=attribution,
        aup_by_reference=aup is not None, aup_evidence=aup,
        non_commercial=non_commercial is not None, non_commercial_evidence=non_commercial,
        restricts_output_use=bool(prohibited or conditions),
        output_use_terms="prohibited" if prohibited else ("conditions" if conditions else None),
        output_use_evidence=prohibited or conditions,
        redistribution_conditions=redistribution is not None, redistribution_evidence=redistribution,
        use_restrictions=restrictions is not None, use_restrictions_evidence=restrictions,
    )
