"""The SPDX License List: which license ids exist and which the OSI has approved.

Source: https://raw.githubusercontent.com/spdx/license-list-data/main/json/licenses.json (CC0,
no key). A new list version is released every few months (3.27.0 on 2025-07-01); an id is never
removed, only marked deprecated.

Quirks:
- `isFsfLibre` is present only for licenses the FSF lists (about 150 of ~700): absent means
  "not listed as libre", recorded as false.
- Deprecated ids (e.g. `GPL-2.0`) stay in the list with `isDeprecatedLicenseId: true`: kept and
  flagged, so a model card using one still resolves.
- An entry without a `licenseId` is rejected with its position.
"""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for

URL = "https://raw.githubusercontent.com/spdx/license-list-data/main/json/licenses.json"
PARSER_VERSION = "spdx/1"

_SCHEMA = {"kind": pl.String, "subject": pl.String, "license_id": pl.String, "license_evidence": pl.String,
           "name": pl.String, "url": pl.String, "osi_approved": pl.Boolean, "fsf_libre": pl.Boolean,
           "deprecated": pl.Boolean, "list_version": pl.String}


def _flag(entry: dict, key: str, rejects: Rejects, lid: str) -> bool | None:
    value = entry.get(key, False if key == "isFsfLibre" else None)
    if not isinstance(value, bool):
        rejects.reject(lid, f"'{key}' is not true/false", key, value)
        return None
    return value


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("licenses"), list):
        raise SourceFormatError("expected a JSON object with a 'licenses' list")
    version = doc.get("licenseListVersion")
    if not isinstance(version, str) or not version:
        raise SourceFormatError("no 'licenseListVersion': cannot tell which list this is")
    rows, rejects = [], Rejects()
    for i, entry in enumerate(doc["licenses"]):
        lid = entry.get("licenseId") if isinstance(entry, dict) else None
        if not isinstance(lid, str) or not lid.strip():
            rejects.reject(f"licenses[{i}]", "entry without a string 'licenseId'")
            continue
        flags = {key: _flag(entry, key, rejects, lid) for key in ("isOsiApproved", "isFsfLibre", "isDeprecatedLicenseId")}
        if flags["isOsiApproved"] is None or flags["isDeprecatedLicenseId"] is None:
            continue
        rows.append({"kind": "spdx", "subject": lid, "license_id": lid,
                     "license_evidence": f"SPDX License List {version}", "name": entry.get("name"),
                     "url": entry.get("reference"), "osi_approved": flags["isOsiApproved"],
                     "fsf_libre": flags["isFsfLibre"], "deprecated": flags["isDeprecatedLicenseId"],
                     "list_version": version})
    return Parsed(pl.DataFrame(rows, schema=_SCHEMA), rejects.frame(), entries=len(doc["licenses"]))


SOURCE = Source(
    name="spdx",
    family="licenses",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    recorded_dir=recorded_dir_for(__file__, "spdx"),
    description="SPDX License List: license ids, OSI approval, FSF libre, deprecation",
)
