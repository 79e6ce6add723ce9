"""A loopback imitation (real sockets, no network) of the services a history backfill reads:

- GitHub's commits API, `GET /repos/{owner}/{repo}/commits?path=…&until=…&per_page=…&page=…`:
  newest first, paged with a `Link` header (rel="next"/"last"), `X-RateLimit-Limit/Remaining/
  Reset` counting down, and, like GitHub, 403 "API rate limit exceeded" once nothing is left;
- raw.githubusercontent.com, `GET /{owner}/{repo}/{sha}/{path}`;
- the Wayback Machine's CDX API, `GET /cdx/search/cdx?url=…&to=…&limit=-1&output=json`, and
  captures in their `id_` form, `GET /web/{timestamp}id_/{url}`.

Map https://api.github.com, https://raw.githubusercontent.com and https://web.archive.org to
`server.origin` (origin_overrides). The history is tests/fixtures/history/index.json.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"
ORIGINS = ("https://api.github.com", "https://raw.githubusercontent.com", "https://web.archive.org")


def commit_sha(repo: str, path: str, date: str) -> str:
    """The served history's commit ids: derived, stable, 40 hex digits."""
    return hashlib.sha1(f"{repo}\n{path}\n{date}".encode()).hexdigest()


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # ISO, Z
    file: Path

    @property
    def at(self) -> datetime:
        return datetime.strptime(self.date, "%Y-%m-%dT%H:%M:%SZ")


def _inside(folder: Path, name: str) -> Path:
    path = (folder / name).resolve()
    path.relative_to(folder.resolve())  # a file named in the index stays in its folder
    return path


class HistoryServer:
    def __init__(self, folder: Path = HISTORY, per_page_cap: int = 100, rate_limit: int = 60,
                 reset_in_s: float = 3600.0):
        index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        self.commits = {(g["repo"], g["path"]): sorted(
            (Commit(commit_sha(g["repo"], g["path"], c["date"]), c["date"], _inside(folder, c["file"]))
             for c in g["commits"]), key=lambda c: c.date, reverse=True) for g in index["git"]}
        self.captures = {w["url"]: {c["timestamp"]: _inside(folder, c["file"]) for c in w["captures"]}
                         for w in index["wayback"]}
        self.per_page_cap = per_page_cap
        self.limit = self.remaining = rate_limit
        self.reset_at = int(time.time() + reset_in_s)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.faults: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with server._lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    status, headers, body = server._answer(self.path)
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers, "Content-Length": str(len(body))}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def overrides(self) -> dict[str, str]:
        return {o: self.origin for o in ORIGINS}

    def hits(self, prefix: str) -> int:
        return sum(1 for path, _ in self.requests if path.startswith(prefix))

    def fail(self, prefix: str, *statuses: int) -> None:
        """Answer the next requests whose path starts with `prefix` with these statuses."""
        self.faults[prefix] = list(statuses)

    def _answer(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        for prefix, statuses in self.faults.items():
            if raw_path.startswith(prefix) and statuses:
                return statuses.pop(0), {}, b'{"message": "injected fault"}'
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith("/repos/") and parts.path.endswith("/commits"):
            return self._commits(parts.path.split("/")[2] + "/" + parts.path.split("/")[3], query)
        if parts.path == "/cdx/search/cdx":
            return self._cdx(query)
        if parts.path.startswith("/web/"):
            stamp, _, url = parts.path[len("/web/"):].partition("id_/")
            body = self.captures.get(url, {}).get(stamp)
            return (200, {"Content-Type": "text/html"}, body.read_bytes()) if body else (404, {}, b"")
        owner, repo, sha, path = (parts.path.lstrip("/").split("/", 3) + ["", "", "", ""])[:4]
        for commit in self.commits.get((f"{owner}/{repo}", unquote(path)), []):
            if commit.sha == sha:
                return 200, {"Content-Type": "text/plain; charset=utf-8"}, commit.file.read_bytes()
        return 404, {}, b"404: Not Found"

    def _rate_headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset_at), "X-RateLimit-Used": str(self.limit - self.remaining)}

    def _commits(self, repo: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if self.remaining <= 0:
            return 403, self._rate_headers(), json.dumps({"message": "API rate limit exceeded for 127.0.0.1."}).encode()
        self.remaining -= 1
        until = datetime.strptime(query["until"], "%Y-%m-%dT%H:%M:%SZ") if "until" in query else datetime.max
        listed = [c for c in self.commits.get((repo, query.get("path", "")), []) if c.at <= until]
        per_page = min(int(query.get("per_page", 30)), self.per_page_cap)
        page = int(query.get("page", 1))
        chunk = listed[(page - 1) * per_page: page * per_page]
        headers = self._rate_headers()
        pages = max(1, -(-len(listed) // per_page))
        if page < pages:
            link = lambda n: f'<{self.origin}/repos/{repo}/commits?{urlencode({**query, "page": n})}>'  # noqa: E731
            headers["Link"] = f'{link(page + 1)}; rel="next", {link(pages)}; rel="last"'
        body = [{"sha": c.sha, "html_url": f"https://github.com/{repo}/commit/{c.sha}",
                 "commit": {"author": {"name": "history fixture", "date": c.date},
                            "committer": {"name": "history fixture", "date": c.date},
                            "message": f"update {query.get('path')}"}} for c in chunk]
        return 200, headers, json.dumps(body).encode()

    def _cdx(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        to = query.get("to", "99999999999999").ljust(14, "9")
        stamps = sorted(s for s in self.captures.get(query.get("url", ""), {}) if s <= to)
        if query.get("limit") == "-1":
            stamps = stamps[-1:]
        rows = [["timestamp", "original"]] + [[s, query["url"]] for s in stamps] if stamps else []
        return 200, {}, json.dumps(rows).encode()

    def __enter__(self) -> HistoryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
