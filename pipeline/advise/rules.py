"""The rules of `ledger advise`, read from the cited rule table `pipeline/curated/advise_rules.csv`
(schema: schemas/curated.py CuratedAdviseRule), and the named tests they apply to an option.

A rule is switched on by an input (`data_in_house`, `task=structured`, `always`…), looks at the
option kinds in `applies_to`, runs its `test` on each, and where the test holds `exclude`s the
option, credits it a tier for the task (`credit_tier`) or keeps it with a `note`. What a rule says
and why is data in the table; this module only knows the vocabulary of tests. The report's
calculator (pipeline/report/templates/calculator.js) implements the same tests: change both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.core.curated import CuratedError, read_curated
from pipeline.core.paths import CURATED_DIR
from schemas.curated import ADVISE_KINDS, CuratedAdviseRule

RULES_FILE = CURATED_DIR / "advise_rules.csv"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    input: str
    applies_to: tuple[str, ...]
    test: str
    threshold: float | None
    tier: int | None
    effect: str
    explanation: str
    observed_on: str | None
    citation: str

    def active(self, inputs) -> bool:
        """Whether the caller's inputs switch this rule on."""
        if self.input == "always":
            return True
        name, _, wanted = self.input.partition("=")
        value = inputs.value(name)
        if wanted:
            return value == wanted
        return value is not None and value is not False

    def applies(self, kind: str) -> bool:
        return "any" in self.applies_to or kind in self.applies_to

    def as_dict(self) -> dict:
        return {"rule_id": self.rule_id, "input": self.input, "applies_to": list(self.applies_to),
                "test": self.test, "threshold": self.threshold, "tier": self.tier, "effect": self.effect,
                "explanation": self.explanation, "observed_on": self.observed_on, "citation": self.citation}

    def evidence(self) -> dict:
        return {"what": "rule", "rule": self.rule_id, "explanation": self.explanation,
                "citation": self.citation, "observed_on": self.observed_on, "table": RULES_FILE.name}


def load_rules(path: Path = RULES_FILE) -> list[Rule]:
    """The rule table, in file order; CuratedError naming the file, line and rule when it is wrong."""
    frame = read_curated(Path(path), CuratedAdviseRule, optional_file=False, line_column="line")
    rules = []
    for row in frame.iter_rows(named=True):
        kinds = tuple(k.strip() for k in row["applies_to"].split(";") if k.strip())
        unknown = [k for k in kinds if k not in (*ADVISE_KINDS, "any")]
        if unknown or not kinds:
            raise CuratedError(f"{path}:{row['line']}: applies_to must list {ADVISE_KINDS} or any "
                               f"separated by ';', not {row['applies_to']!r}")
        needs_threshold = row["test"] in ("edge_memory", "open_params_at_least")
        if needs_threshold and row["threshold"] is None:
            raise CuratedError(f"{path}:{row['line']}: test {row['test']} needs a threshold")
        if row["effect"] == "credit_tier" and row["tier"] is None:
            raise CuratedError(f"{path}:{row['line']}: effect credit_tier needs a tier")
        observed = row["observed_on"].isoformat() if row["observed_on"] else None
        rules.append(Rule(row["rule_id"], row["input"], kinds, row["test"], row["threshold"], row["tier"],
                          row["effect"], row["explanation"], observed, row["citation"]))
    return rules


def _openness(c: dict) -> list[dict]:
    return [e for e in c["evidence"] if e["what"] == "openness"]


def _kind(c, rule, inputs):
    return True, [{"what": "option", "detail": f"{c['kind']} option"}]


def _weights_not_open(c, rule, inputs):
    weights = c["facts"]["weights_open"]
    detail = "weights not published" if weights is False else "weights not known to be published"
    return weights is not True, [{"what": "weights", "detail": detail}, *_openness(c)]


def _edge_memory(c, rule, inputs):
    need = c["facts"].get("weights_gb")
    if need is None:
        return True, [{"what": "memory", "detail": "weight bytes unknown"}]
    fits = need <= rule.threshold
    detail = (f"{c['facts'].get('params_b'):g}B parameters at {c['facts'].get('precision')} need {need:.1f} GB "
              f"{'within' if fits else 'over'} the {rule.threshold:g} GB budget")
    return not fits, [{"what": "memory", "detail": detail, "weights_gb": need, "budget_gb": rule.threshold}]


def _license(c) -> dict | None:
    return c["facts"].get("license")


def _license_evidence(lic: dict, clause: str, passage: str | None) -> dict:
    return {"what": "license_clause", "table": "licenses", "license_id": lic.get("license_id"),
            "source_url": lic.get("source_url"), "version_sha256": lic.get("version_sha256"),
            "first_seen": lic.get("first_seen"), "clause": clause, "passage": passage}


def _license_mau(c, rule, inputs):
    lic = _license(c)
    if not lic or lic.get("mau_threshold") is None:
        return False, []
    users, threshold = inputs.monthly_active_users, lic["mau_threshold"]
    item = _license_evidence(lic, "mau_threshold", lic.get("mau_threshold_evidence"))
    item.update(threshold=threshold, monthly_active_users=users)
    return users > threshold, [item]


def _license_non_commercial(c, rule, inputs):
    lic = _license(c)
    if not lic or not lic.get("non_commercial"):
        return False, []
    return True, [_license_evidence(lic, "non_commercial", lic.get("non_commercial_evidence"))]


def required_tier(rule: Rule, inputs) -> int:
    return rule.tier if rule.tier is not None else inputs.min_tier


def _min_tier(c, rule, inputs):
    tier, need = c["task_tier"], required_tier(rule, inputs)
    tiers = [e for e in c["evidence"] if e["what"] == "tier"]
    if tier is None:
        return True, [{"what": "tier", "detail": f"no quality tier this quarter; tier {need} or better required"}]
    return tier > need, [{"what": "tier", "detail": f"tier {tier} for the task; tier {need} or better required"},
                         *tiers]


def _open_params_at_least(c, rule, inputs):
    facts = c["facts"]
    params = facts.get("params_b")
    hit = facts["weights_open"] is True and params is not None and params >= rule.threshold
    detail = f"open weights, {params:g}B parameters" if params is not None else "parameters unknown"
    return hit, [{"what": "size", "detail": f"{detail} (at least {rule.threshold:g}B credited tier {rule.tier})"}]


TESTS = {"kind": _kind, "weights_not_open": _weights_not_open, "edge_memory": _edge_memory,
         "license_mau": _license_mau, "license_non_commercial": _license_non_commercial, "min_tier": _min_tier,
         "open_params_at_least": _open_params_at_least}


def judge(c: dict, rules: list[Rule], inputs) -> dict:
    """What the active rules do to candidate `c`: its tier for the task (after credits), the rules
    that exclude it (first = the one reported) and the notes that keep it, each with evidence."""
    active = [r for r in rules if r.active(inputs) and r.applies(c["kind"])]
    c = {**c, "task_tier": c["facts"].get("tier")}
    credits, exclusions, notes = [], [], []
    for rule in (r for r in active if r.effect == "credit_tier"):
        hit, evidence = TESTS[rule.test](c, rule, inputs)
        if hit and (c["task_tier"] is None or rule.tier < c["task_tier"]):
            c["task_tier"] = rule.tier
            credits.append({"rule": rule.rule_id, "evidence": [rule.evidence(), *evidence]})
    for rule in (r for r in active if r.effect != "credit_tier"):
        hit, evidence = TESTS[rule.test](c, rule, inputs)
        if hit:
            target = exclusions if rule.effect == "exclude" else notes
            target.append({"rule": rule.rule_id, "evidence": [rule.evidence(), *evidence]})
    return {"task_tier": c["task_tier"], "credits": credits, "exclusions": exclusions, "notes": notes}
