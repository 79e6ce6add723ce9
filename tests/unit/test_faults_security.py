"""Security faults: fetched content is never run, and names taken from data stay in their folders.

The code scan walks the syntax tree of every module under pipeline/ and schemas/ (not a text
search, so a comment naming pickle is no finding); its own detector is tested on a crafted
snippet first, so the scan cannot pass by finding nothing at all.
"""

import ast
import gzip
import json
from datetime import datetime

import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan
from pipeline.core.fetching import collect
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.paths import ROOT
from pipeline.core.recorded import load_index
from tests.unit.test_faults_transport import BUNDLED, URL, closed_port, make_source

# Modules that can turn bytes into running code or arbitrary objects.
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}
# yaml.load and friends construct arbitrary Python objects unless given a SafeLoader.
UNSAFE_ATTRS = {("yaml", "load"), ("yaml", "load_all"), ("yaml", "unsafe_load"), ("yaml", "unsafe_load_all"),
                ("yaml", "full_load"), ("yaml", "full_load_all"), ("pd", "read_pickle"), ("pandas", "read_pickle")}
# Extracting an archive writes member names to disk; members are only ever read in memory.
UNSAFE_METHODS = {"extractall", "extract"}
# ast.literal_eval only builds literals; each use is listed so that a new one gets a look.
LITERAL_EVAL_ALLOWED = {"pipeline/gpu_rates/skypilot_catalog.py"}


def findings(source: str, name: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            out += [f"{name}:{node.lineno} import {a.name}" for a in node.names
                    if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            out.append(f"{name}:{node.lineno} from {node.module} import")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_CALLS:
                out.append(f"{name}:{node.lineno} {func.id}()")
            elif isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else None
                keywords = {k.arg for k in node.keywords}
                if (owner, func.attr) in UNSAFE_ATTRS and not ({"Loader"} & keywords and _safe_loader(node)):
                    out.append(f"{name}:{node.lineno} {owner}.{func.attr}()")
                elif func.attr in UNSAFE_METHODS:
                    out.append(f"{name}:{node.lineno} .{func.attr}()")
                elif func.attr == "literal_eval" and name not in LITERAL_EVAL_ALLOWED:
                    out.append(f"{name}:{node.lineno} literal_eval() not reviewed")
                elif func.attr == "load" and owner in ("np", "numpy") and any(
                        k.arg == "allow_pickle" for k in node.keywords):
                    out.append(f"{name}:{node.lineno} numpy.load(allow_pickle=…)")
    return out


def _safe_loader(call: ast.Call) -> bool:
    loader = next(k.value for k in call.keywords if k.arg == "Loader")
    return isinstance(loader, ast.Attribute) and loader.attr in ("SafeLoader", "CSafeLoader")


def test_the_scan_finds_each_kind_of_unsafe_code():
    crafted = """
import pickle
from marshal import loads
import yaml, zipfile, ast
eval(body)
exec(body)
yaml.load(body)
yaml.load(body, Loader=yaml.SafeLoader)
yaml.unsafe_load(body)
zipfile.ZipFile(f).extractall(d)
ast.literal_eval(text)
yaml.safe_load(body)
"""
    got = findings(crafted, "crafted.py")
    assert [g.split(" ", 1)[1] for g in got] == [
        "import pickle", "from marshal import", "eval()", "exec()", "yaml.load()", "yaml.unsafe_load()",
        ".extractall()", "literal_eval() not reviewed"]


def test_no_fetched_content_is_ever_unpickled_or_evaluated():
    modules = sorted(p for folder in ("pipeline", "schemas") for p in (ROOT / folder).rglob("*.py"))
    assert len(modules) > 50
    problems = []
    for path in modules:
        problems += findings(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert problems == []


@pytest.mark.parametrize("name", ["../../../../../../etc/passwd", "/etc/passwd", "sub/../../outside.json"])
def test_a_recorded_index_cannot_name_a_file_outside_its_folder(tmp_path, name):
    folder = tmp_path / "recorded" / "items"
    folder.mkdir(parents=True)
    (tmp_path / "recorded" / "outside.json").write_text("{}")
    (folder / "index.json").write_text(json.dumps({"source": "items", "responses": [
        {"observed_on": "2026-07-15", "url": URL, "file": name, "citation": "test fixture"}]}))
    with pytest.raises(ValueError, match=r"response #0 names .* outside .*recorded/items"):
        load_index("items", folder)


@pytest.mark.parametrize("forged", ["../../../../etc/passwd", "ab/../../x", "A" * 64, "", None])
def test_an_archive_object_name_is_a_sha256_and_nothing_else(tmp_path, forged):
    archive = RawArchive(tmp_path / "raw")
    with pytest.raises(ValueError, match="not a sha256"):
        archive.path_for(forged)
    with pytest.raises(ValueError, match="not a sha256"):
        archive.get(forged)
    assert archive.has(forged) is False


def test_a_forged_journal_line_is_neither_reused_nor_followed(tmp_path):
    """A journal line whose "sha256" walks out of objects/ to a file that exists there: no
    conditional GET from it, no fallback to it; the bundled response is served instead."""
    src, archive = make_source(tmp_path), RawArchive(tmp_path / "a" / "raw")
    with gzip.open(tmp_path / "x.gz", "wb") as fh:  # where "../../x" leads from raw/objects/..
        fh.write(b"not a response of this source")
    archive.append_fetch({"fetch_id": "forged", "source": "items", "url": URL, "endpoint": URL, "group_id": "forged",
                          "page": 0, "mode": "live", "error": None, "sha256": "../../x", "etag": '"x"',
                          "observed_at": "2026-11-27T00:00:00", "requested_at": "2026-11-27T00:00:00"})
    http = HttpClient(HttpPolicy(max_attempts=1, connect_timeout_s=2),
                      origin_overrides={"https://data.example.org": f"http://127.0.0.1:{closed_port()}"})
    plan = FetchPlan(mode="auto", as_of=datetime(2026, 11, 28, 12), run_id="run-1", curated_dir=tmp_path, env={})
    replayed, fallback = collect(src, plan, http, archive, set())
    assert replayed.body == BUNDLED
    assert fallback.body == BUNDLED and fallback.record["reused_fetch_id"] == "bundled:2026-07-15.json"
