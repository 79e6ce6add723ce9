"""The openness spectrum: one rule, one pure function.

- fully_closed            the weights are not public;
- open_weight_restricted  weights public, but the license is not shown OSI-approved (not on the
                          SPDX list, not approved there, or not known) or carries use restrictions
                          (a non-commercial or research-only grant, a user threshold, an acceptable
                          use policy, listed restricted uses, a ban on using outputs to improve
                          other models);
- open_weight_permissive  weights public under an OSI-approved license without such restrictions,
                          but training data or training code is not public;
- fully_open              weights, training data and training code public, OSI-approved license.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FULLY_CLOSED = "fully_closed"
OPEN_WEIGHT_RESTRICTED = "open_weight_restricted"
OPEN_WEIGHT_PERMISSIVE = "open_weight_permissive"
FULLY_OPEN = "fully_open"
CATEGORIES = (FULLY_CLOSED, OPEN_WEIGHT_RESTRICTED, OPEN_WEIGHT_PERMISSIVE, FULLY_OPEN)


@dataclass(frozen=True)
class LicenseFacts:
    """What the ledger knows of a license at a date. `restrictions`: clause name -> passage."""

    license_id: str | None
    osi_approved: bool | None          # None: the SPDX list was not observed
    osi_evidence: str | None = None    # e.g. "SPDX License List 3.27.0: isOsiApproved=true"
    restrictions: dict[str, str] = field(default_factory=dict)
    version: str | None = None         # e.g. "llama3.1 text 1a2b3c4d5e6f (https://…, seen 2025-07-15)"


@dataclass(frozen=True)
class Openness:
    category: str
    reasons: tuple[str, ...]


def openness(weights_open: bool, data_open: bool, code_open: bool, license: LicenseFacts) -> Openness:
    """The category of a model from its artifact flags and its license's facts, with the reasons."""
    artifacts = f"weights_open={_b(weights_open)}, data_open={_b(data_open)}, code_open={_b(code_open)}"
    if not weights_open:
        return Openness(FULLY_CLOSED, (f"weights not public ({artifacts})",
                                       f"license {license.license_id or 'unknown'}"))
    if license.license_id is None:
        return Openness(OPEN_WEIGHT_RESTRICTED, ("weights public but no license id is known, so no "
                                                 "OSI approval can be shown",))
    if license.osi_approved is not True:
        why = license.osi_evidence or ("the SPDX list was not observed" if license.osi_approved is None
                                       else "not OSI-approved")
        reasons = [f"license {license.license_id} not shown OSI-approved ({why})"]
        reasons += [f"{name}: {passage}" for name, passage in license.restrictions.items()]
        return Openness(OPEN_WEIGHT_RESTRICTED, tuple(reasons))
    if license.restrictions:
        return Openness(OPEN_WEIGHT_RESTRICTED, tuple(
            [f"license {license.license_id} is OSI-approved but its text carries use restrictions"]
            + [f"{name}: {passage}" for name, passage in license.restrictions.items()]))
    osi = f"license {license.license_id} OSI-approved ({license.osi_evidence or 'SPDX'})"
    if data_open and code_open:
        return Openness(FULLY_OPEN, (osi, f"weights, training data and training code public ({artifacts})"))
    missing = " and ".join(n for n, flag in (("training data", data_open), ("training code", code_open)) if not flag)
    return Openness(OPEN_WEIGHT_PERMISSIVE, (osi, f"{missing} not public ({artifacts})"))


def evidence(result: Openness, license: LicenseFacts, artifact_citation: str | None) -> str:
    """One readable line: the category's reasons, the license version read, the flags' citation."""
    parts = list(result.reasons)
    if license.version and result.category != FULLY_CLOSED:
        parts.append(f"license text read: {license.version}")
    if artifact_citation:
        parts.append(f"artifact flags: {artifact_citation}")
    return "; ".join(parts)


def _b(flag: bool) -> str:
    return "true" if flag else "false"
