"""The raw archive: every body a source ever returned, content-addressed, plus the fetch journal.

Layout under `warehouse/raw/`:
- `objects/ab/abcdef….gz` — the body whose sha256 is `abcdef…`, gzip-compressed (mtime 0,
  so identical bodies give identical files). Written once, by rename, never modified.
- `fetches.jsonl` — one JSON line per fetch attempt (successful or not), appended and fsync'd
  before the attempt is parsed: the write-ahead log of everything tried, including the attempts
  of a refresh that was never published; the warehouse's `raw_fetch` table holds the published
  ones. A later line with the same fetch_id replaces an earlier one. Fetching never reads it back
  per URL: what earlier runs left comes from pipeline/core/fetch_history.py, built once a run.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path


# An object name is a sha256 and nothing else: a journal line cannot point outside objects/.
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def append_jsonl(path: Path, records: list[dict]) -> None:
    """Append records as JSON lines, under an exclusive lock, fsync'd before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, sort_keys=True, default=str) + "\n" for r in records)
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            # A line cut short by a killed writer must not swallow this one.
            if fh.seek(0, os.SEEK_END) > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_jsonl(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a killed process; the rest is intact


class RawArchive:
    def __init__(self, raw_dir: Path):
        self.raw_dir = Path(raw_dir)
        self.objects = self.raw_dir / "objects"
        self.journal_path = self.raw_dir / "fetches.jsonl"

    def path_for(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 (64 lowercase hex digits): {sha256!r}")
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
                with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=6) as gz:
                    gz.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def has(self, sha256: str) -> bool:
        try:
            return self.path_for(sha256).exists()
        except ValueError:
            return False  # a damaged journal line names no object we could hold

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
        append_jsonl(self.journal_path, [record])

    def fetches(self) -> Iterator[dict]:
        return read_jsonl(self.journal_path)
