"""Content faults, through every source's own parser: what a bad body turns into.

Each source is fed its newest bundled recorded response (curated sources: their shipped file),
then the same body damaged: empty, an HTML error page served with 200, a stray invalid UTF-8
byte, a byte-order mark, cut short. A parser may accept a damaged body only where the format
allows it (HTML and license text are decoded leniently); otherwise it must raise
SourceFormatError, which the core records as the body's parse failure with the reason, and which
blocks publication through `schema_valid`. Nothing else may escape.
"""

import csv
import io
import json
import os
import zipfile
from datetime import datetime

import polars as pl
import pytest

from pipeline.benchmarks import epoch
from pipeline.core.family import GuardContext
from pipeline.core.paths import CURATED_DIR
from pipeline.core.recorded import load_index
from pipeline.core.sources import Parsed, SourceFormatError, discover_families, discover_sources
from pipeline.core.validate import validate
from pipeline.gpu_rates import FAMILY as GPU_RATES
from pipeline.gpu_rates.registry import GpuMap
from pipeline.prices import litellm, openrouter
from tests.conftest import FIXTURES

OBSERVED = datetime(2026, 11, 1)
SOURCES = {s.name: s for s in discover_sources()}
# Sources whose format is text meant for people: decoded leniently (a stray byte becomes U+FFFD).
LENIENT = {"anthropic_pricing_page", "google_gemini_pricing_page", "openai_pricing_page", "modal_pricing_page",
           "license_texts"}
# Formats whose every byte is structure: a cut body no longer parses.
STRUCTURED = {"aider", "epoch", "lmarena", "open_llm_leaderboard", "azure_retail_prices", "hf_model_cards", "spdx",
              "litellm", "lmarena_prices", "openrouter"}
# SkyPilot's RunPod catalog (same URL), its on-demand prices in USD per hour as listed in 2026.
RUNPOD_URL = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/runpod/vms.csv"
RUNPOD = b"""InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,Price,SpotPrice
1x_H100-80GB-HBM3_SECURE,16.0,125.0,H100-80GB-HBM3,1.0,H100_80GB_SXM5,US,2.69,
1x_A100-80GB_SECURE,8.0,117.0,A100-80GB,1.0,A100_80GB,US,1.64,
1x_L40S_SECURE,12.0,62.0,L40S,1.0,L40S,US,0.86,
1x_RTX4090_SECURE,6.0,41.0,RTX4090,1.0,RTX_4090,US,0.69,
"""
# Sources with nothing bundled: their fixtures stand in.
NO_BUNDLE = {
    "skypilot_catalog": lambda: (RUNPOD, RUNPOD_URL),
    "google_gemini_pricing_page": lambda: ((FIXTURES / "prices" / "gemini_tables.html").read_bytes(),
                                           "https://ai.google.dev/gemini-api/docs/pricing"),
}
ERROR_PAGE = b"<!DOCTYPE html><html><head><title>Access denied</title></head><body><h1>403</h1></body></html>"


@pytest.fixture(scope="module")
def samples() -> dict[str, tuple[bytes, str, Parsed]]:
    """Per source: a body in its real format, its URL, and what the parser makes of it."""
    out = {}
    for name, src in SOURCES.items():
        if src.local:
            url = src.url_list(CURATED_DIR)[0]
            body = (CURATED_DIR / url).read_bytes()
        elif load_index(name, src.recorded_dir):
            entry = load_index(name, src.recorded_dir)[-1]
            body, url = entry.body(), entry.url
        else:  # no citable record bundled (a declared gap): a fixture in the same format
            body, url = NO_BUNDLE[name]()
        out[name] = (body, url, src.parse(body, OBSERVED, url))
    return out


def parse(name: str, body: bytes, url: str) -> Parsed:
    return SOURCES[name].parse(body, OBSERVED, url)


def test_every_sample_parses_to_rows(samples):
    assert set(samples) == set(SOURCES) and len(SOURCES) >= 19
    assert {n for n, (_, _, p) in samples.items() if p.rows.height == 0} == set()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_empty_body_is_refused_as_a_whole(samples, name):
    _, url, _ = samples[name]
    with pytest.raises(SourceFormatError) as err:
        parse(name, b"", url)
    assert str(err.value)  # the reason the user sees in schema_valid


@pytest.mark.parametrize("name", sorted(set(SOURCES) - {"license_texts"}))
def test_html_error_page_served_with_200_is_not_read_as_data(samples, name):
    # license_texts reads HTML terms pages; its error-page rule is
    # tests/unit/test_licenses_sources.py::test_an_error_page_served_as_200_is_quarantined_not_recorded_as_a_version
    _, url, _ = samples[name]
    with pytest.raises(SourceFormatError):
        parse(name, ERROR_PAGE, url)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_invalid_utf8_is_a_format_error_or_a_replacement_never_a_crash(samples, name):
    body, url, full = samples[name]
    middle = len(body) // 2
    damaged = body[:middle] + b"\xff\xfe" + body[middle:]
    if name in LENIENT:
        try:
            got = parse(name, damaged, url)
        except SourceFormatError as exc:
            # The stray bytes landed inside embedded structured data (a page's JSON props): refused,
            # with the reason, never a crash.
            assert "JSON" in str(exc) or "not UTF-8" in str(exc), exc
            return
        rejected = got.rejects.filter(pl.col("kind") == "rejected").height
        # At most the one entry holding the stray bytes is lost, and then it is rejected, not dropped.
        assert got.rows.height + rejected >= full.rows.height - (1 if name == "openai_pricing_page" else 0)
    else:
        with pytest.raises(SourceFormatError):
            parse(name, damaged, url)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_byte_order_mark_changes_nothing(samples, name):
    body, url, full = samples[name]
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    assert parse(name, body, url).rows.equals(full.rows)
    with_bom = parse(name, b"\xef\xbb\xbf" + body, url)
    assert with_bom.rows.equals(full.rows) and with_bom.rejects.equals(full.rejects)


@pytest.mark.parametrize("name", sorted(STRUCTURED))
def test_structured_body_cut_short_is_refused_as_a_whole(samples, name):
    body, url, _ = samples[name]
    with pytest.raises(SourceFormatError):
        parse(name, body[: int(len(body) * 0.6)], url)


@pytest.mark.parametrize("name", sorted(LENIENT - {"license_texts"}))
def test_pricing_page_cut_short_loses_its_tail_but_never_misreads_a_price(samples, name):
    """A page served cut short (with a matching length: the transport cannot tell) parses what came
    before the cut. No value differs from the whole page's; a card cut in the middle leaves the
    fields it did not reach empty. The models lost show as priced last quarter and missing now
    (`no_model_dropped_since_last_quarter`, tests/unit/test_prices_snapshot_sql.py)."""
    body, url, full = samples[name]
    try:
        cut = parse(name, body[: int(len(body) * 0.6)], url)
    except SourceFormatError as exc:
        # OpenAI's page holds every price in one JSON blob (astro-island props): a cut blob is
        # refused as a whole rather than half read.
        assert name == "openai_pricing_page" and "astro-island" in str(exc), exc
        return
    assert 0 < cut.rows.height < full.rows.height
    keys = [c for c in discover_families()[SOURCES[name].family].key_columns if c in full.rows.columns]
    both = cut.rows.join(full.rows, on=keys, how="left", suffix="__whole")
    for column in (c for c in full.rows.columns if c not in keys):
        read, whole = both[column], both[f"{column}__whole"]
        assert (read.is_null() | (read == whole)).all(), (column, both.filter(read != whole).rows())


@pytest.mark.parametrize("name", sorted(n for n, s in SOURCES.items() if s.local))
def test_a_curated_file_with_one_uncited_row_is_refused_as_a_whole(samples, name):
    """Curated files are read whole or not at all: one row without its citation (the shipped
    file's last row, copied with the citation emptied) refuses the file, naming its line."""
    body, url, _ = samples[name]
    lines = body.decode("utf-8").splitlines()
    last = next(csv.reader([lines[-1]]))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([*last[:-1], ""])
    path = f"/curated/{url}"
    with pytest.raises(SourceFormatError, match=rf"^{path}:{len(lines) + 1}: column 'citation' is required$"):
        parse(name, body + out.getvalue().encode(), f"file://{path}")


def test_csv_cut_inside_a_row_never_publishes_the_cut_row():
    """A CSV served cut short (with a matching length: the transport cannot tell) ends in a partial
    row. Cut inside its name it has no accelerator and is excluded with the reason; cut inside its
    price ("0.69" -> "0.") it reads 0.0, which the family's schema quarantines."""
    head = b"\n".join(RUNPOD.split(b"\n")[:4]) + b"\n"
    in_name = parse("skypilot_catalog", head + b"1x_RTX4", RUNPOD_URL)
    assert in_name.rows.height == 3 and in_name.rejects.rows() == [
        ("*", None, "1x_RTX4", "1 entries: no accelerator (CPU-only instance)", "excluded")]
    in_price = parse("skypilot_catalog", head + b"1x_RTX4090_SECURE,6.0,41.0,RTX4090,1.0,RTX_4090,US,0.", RUNPOD_URL)
    checked = validate(GPU_RATES, in_price.rows, GuardContext("skypilot_catalog", pl.DataFrame(),
                                                                  GpuMap.load(CURATED_DIR).frame()))
    assert checked.quarantined.select("instance_type", "rule").rows() == [
        ("1x_RTX4090_SECURE", "schema:usd_per_hour:greater_than(0)")]
    assert checked.clean.height == 3 and parse("skypilot_catalog", RUNPOD, RUNPOD_URL).rows.height == 4


def _openrouter(mutate) -> Parsed:
    doc = json.loads((FIXTURES / "prices" / "openrouter_healthy.json").read_bytes())
    mutate(doc)
    return openrouter.parse(json.dumps(doc).encode(), OBSERVED)


def _price(parsed: Parsed, model: str) -> float | None:
    rows = parsed.rows.filter(pl.col("source_model_id") == model)
    return rows["input_usd_per_mtok"][0] if rows.height else None


def test_json_retyped_fields(samples):
    # The list of models turned into an object: the body's shape changed, refused as a whole.
    with pytest.raises(SourceFormatError, match="'data' list"):
        _openrouter(lambda d: d.update(data={m["id"]: m for m in d["data"]}))
    # One model's pricing turned into a string: that model rejected with the reason, the rest kept.
    got = _openrouter(lambda d: d["data"][2].update(pricing="0.000002"))
    assert _price(got, "openai/gpt-4.1") is None and got.rows.height == 11
    assert got.rejects.filter(pl.col("record_key") == "openai/gpt-4.1")["reason"].to_list() == ["no 'pricing' object"]
    # A price turned into an object: rejected as not a number.
    got = _openrouter(lambda d: d["data"][3]["pricing"].update(prompt={"usd": "0.000002"}))
    assert got.rejects.filter(pl.col("record_key") == "openai/o3")["reason"].to_list() == [
        "base: prompt price not a number"]


def test_string_typed_and_number_typed_prices_read_the_same():
    # OpenRouter sends strings; a JSON number in their place means the same price.
    got = _openrouter(lambda d: d["data"][0]["pricing"].update(prompt=0.0000025))
    assert _price(got, "openai/gpt-4o") == 2.5 and got.rejects.height == 0
    # LiteLLM sends numbers; a string in their place means the same price.
    body = (FIXTURES / "prices" / "litellm_quirks.json").read_bytes()
    doc = json.loads(body)
    key = next(k for k, v in doc.items() if isinstance(v, dict) and isinstance(v.get("input_cost_per_token"), float))
    doc[key]["input_cost_per_token"] = str(doc[key]["input_cost_per_token"])
    assert litellm.parse(json.dumps(doc).encode(), OBSERVED).rows.equals(litellm.parse(body, OBSERVED).rows)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_zip_member_names_never_reach_the_file_system(tmp_path, monkeypatch):
    runs = (b"model,task,Best score (across scorers),started_at,Status\n"
            b"gpt-4o-2024-08-06,GPQA diamond,0.49,17 November 2025 4:28pm,Success\n")
    monkeypatch.chdir(tmp_path)
    got = epoch.parse(_zip({"../../benchmarks_runs.csv": runs, "/etc/cron.d/x": b"* * * * * root true\n"}),
                      OBSERVED)
    # Members are read in memory by their base name; nothing is extracted, wherever they point.
    assert got.rows.select("source_model_id", "score").rows() == [("gpt-4o-2024-08-06", 49.0)]
    assert got.rejects["record_key"].to_list() == ["x"]
    assert list(tmp_path.iterdir()) == [] and not os.path.exists(tmp_path.parent.parent / "benchmarks_runs.csv")


def test_zip_with_too_many_members_or_bytes_is_refused_unread(monkeypatch):
    body = _zip({f"external_benchmark_{i}.csv": b"Model version,EM\nm,1%\n" for i in range(5)})
    monkeypatch.setattr(epoch, "MAX_FILES", 4)
    with pytest.raises(epoch.ArchiveTooLarge, match="5 members"):
        epoch.parse(body, OBSERVED)
    monkeypatch.setattr(epoch, "MAX_FILES", 200)
    monkeypatch.setattr(epoch, "MAX_UNCOMPRESSED_BYTES", 50)
    with pytest.raises(epoch.ArchiveTooLarge, match="nothing extracted"):
        epoch.parse(body, OBSERVED)
