"""A page's past versions from the Wayback Machine (the `wayback` kind of pipeline/core/history.py).

The CDX API (`/cdx/search/cdx?url=…&to=…&filter=statuscode:200&limit=-1`) gives the last
capture on or before a moment; the capture is read in its `id_` form, the bytes as archived,
without the archive's rewriting. Requests go through history's `get`, under the run's `Budget`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from pipeline.core.history import Budget, HistoryFormatError, Location, Version, get
from pipeline.core.http import HttpClient, HttpResponse
from pipeline.core.quarters import Quarter

WAYBACK = "https://web.archive.org"
_TIMESTAMP = re.compile(r"^\d{14}$")
_CAPTURE = re.compile(r"/web/(?P<ts>\d{14})id_/")


def cdx_url(loc: Location, cutoff: datetime) -> str:
    to = (cutoff - timedelta(seconds=1)).strftime("%Y%m%d%H%M%S")
    query = urlencode({"url": loc.url, "to": to, "filter": "statuscode:200", "limit": "-1",
                       "output": "json", "fl": "timestamp,original"})
    return f"{WAYBACK}/cdx/search/cdx?{query}"


def _captures(resp: HttpResponse) -> list[Version]:
    text = resp.body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HistoryFormatError(f"{resp.url}: not the CDX JSON output ({exc})") from None
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) >= 2 for r in rows):
        raise HistoryFormatError(f"{resp.url}: expected a JSON list of [timestamp, original] rows")
    out = []
    for ts, original, *_ in rows:
        if ts == "timestamp":
            continue  # the header row
        if not isinstance(ts, str) or not _TIMESTAMP.match(ts) or not str(original).startswith(("http://", "https://")):
            raise HistoryFormatError(f"{resp.url}: capture row {[ts, original]!r} is not a timestamp and a URL")
        at = datetime.strptime(ts, "%Y%m%d%H%M%S")
        out.append(Version("wayback", ts, at, f"{WAYBACK}/web/{ts}id_/{original}", f"{WAYBACK}/web/{ts}/{original}"))
    return out


def wayback_versions(http: HttpClient, budget: Budget, loc: Location,
                     cutoffs: dict[Quarter, datetime]) -> dict[Quarter, Version | None]:
    """The last capture before each cutoff (None: the archive has none)."""
    found: dict[Quarter, Version | None] = {}
    last: Version | None = None
    for q in sorted(cutoffs, key=lambda q: cutoffs[q], reverse=True):
        if found and (last is None or last.observed_at < cutoffs[q]):
            found[q] = last  # nothing was captured between this cutoff and the later one's answer
            continue
        captures = [c for c in _captures(get(http, budget, cdx_url(loc, cutoffs[q]))) if c.observed_at < cutoffs[q]]
        last = found[q] = max(captures, key=lambda c: c.observed_at, default=None)
    return found


def capture_moment(final_url: str) -> datetime | None:
    """The capture time in an `id_` URL (the archive may redirect to the nearest capture)."""
    m = _CAPTURE.search(urlsplit(final_url).path)
    return datetime.strptime(m.group("ts"), "%Y%m%d%H%M%S") if m else None
