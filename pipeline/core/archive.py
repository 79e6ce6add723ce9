"""The raw archive: every body a source ever returned, content-addressed, plus the fetch journal.

Layout under `warehouse/raw/`:
- `objects/ab/abcdef….gz` — the body whose sha256 is `abcdef…`, gzip-compressed (mtime 0,
  so identical bodies give identical files). Written once, by rename, never modified.
- `fetches.jsonl` — one JSON line per fetch attempt (successful or not), appended and fsync'd
  before the attempt is parsed. It is the record of everything tried, including the attempts of
  a refresh that was never published; the warehouse's `raw_fetch` table holds the published ones.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class RawArchive:
    def __init__(self, raw_dir: Path):
        self.raw_dir = Path(raw_dir)
        self.objects = self.raw_dir / "objects"
        self.journal_path = self.raw_dir / "fetches.jsonl"

    def path_for(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / f"{sha256}.gz"

    def put(self, body: bytes) -> str:
        digest = sha256_hex(body)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
                    gz.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        if not path.exists():
            raise FileNotFoundError(f"raw archive has no body {sha256} (looked in {path})")
        body = gzip.decompress(path.read_bytes())
        if sha256_hex(body) != sha256:
            raise ValueError(f"raw archive object {path} does not match its sha256")
        return body

    # -- journal ---------------------------------------------------------------------------

    def append_fetch(self, record: dict) -> None:
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        with open(self.journal_path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def fetches(self) -> Iterator[dict]:
        if not self.journal_path.exists():
            return
        with open(self.journal_path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut short by a killed process; the rest is intact

    def last_success(self, source: str, url: str) -> dict | None:
        """The newest fetch of `url` by `source` that produced an archived body."""
        best = None
        for rec in self.fetches():
            if (rec.get("source") == source and rec.get("url") == url and not rec.get("error")
                    and rec.get("sha256") and rec.get("mode") == "live"):
                if best is None or rec["requested_at"] >= best["requested_at"]:
                    best = rec
        return best
