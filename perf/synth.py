"""Synthetic sources in their real formats, at 1×, 10× or 100× the size of the real responses.

Each fetched source starts from its newest bundled recorded response (a small body in the
source's real format) and is grown to `scale` × the real response's size by repeating its
entries under new names: a copy's model ids, licence ids or regions get a `-synN` suffix, so
keys stay unique and GPU and model mappings still apply. Pricing pages are padded with inert
markup (real pages are mostly markup around a few dozen prices). Licence texts and model cards
are documents, not lists: they keep their size at every scale (their number is set by the
curated lists). Paged sources get as many pages as the entries need, chained by the source's own
`next_page`.

`drift` (a quarter's index) moves about one price in ten by ±4 % per quarter, deterministically,
for the history measurement; 0 leaves prices as bundled.

    .venv/bin/python perf/synth.py --scale 10 --out /tmp/synthetic-10x
writes `<out>/<source>/index.json` + bodies, which `driver.py --recorded` serves as replay.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.core.paths import CURATED_DIR  # noqa: E402
from pipeline.core.recorded import load_index  # noqa: E402
from pipeline.core.sources import Source, discover_sources  # noqa: E402
from formats import (REAL_ROWS, Body, aider, epoch, litellm, lmarena, lmarena_prices,  # noqa: E402
                     openrouter, pad_html, paged, skypilot, spdx)

# Documents, not lists (and the throughput tables, a few dozen rows each): kept at their size.
FIXED = {"hf_model_cards", "license_texts", "trtllm_perf_overview", "mlperf_inference", "inferencex"}
# Sources with nothing bundled (no citable dated record): a test fixture in their format instead.
FIXTURES = ROOT / "tests" / "fixtures"
NO_BUNDLE = {"skypilot_catalog": FIXTURES / "gpu_rates" / "skypilot_aws_vms.csv",
             "google_gemini_pricing_page": FIXTURES / "prices" / "gemini_tables.html"}


def _templates(source: Source) -> dict[str, bytes]:
    """The newest bundled response of each URL (first page of a paged one); URLs never bundled
    borrow the first URL's template."""
    newest: dict[str, tuple] = {}
    for e in load_index(source.name, source.recorded_dir):
        if e.url == e.group:
            newest[e.group] = (e.observed_on, e.body())
    urls = source.url_list(CURATED_DIR)
    if not newest:
        return {u: NO_BUNDLE[source.name].read_bytes() for u in urls}
    first = newest.get(urls[0]) or next(iter(newest.values()))
    return {u: (newest.get(u) or first)[1] for u in urls}


def generate(scale: float, drift: int = 0, only: set[str] | None = None) -> dict[str, list[Body]]:
    """Per fetched source, the bodies of one refresh at `scale`."""
    out: dict[str, list[Body]] = {}
    for source in discover_sources():
        if source.local or (only and source.name not in only):
            continue
        bodies = []
        for url, t in _templates(source).items():
            n = source.name
            if n in REAL_ROWS:
                bodies += paged(source, t, url, scale)
                continue
            if n in FIXED:
                body = t
            elif n.endswith("_pricing_page"):
                body = pad_html(t, n, scale)
            elif n == "aider":
                body = aider(t, scale, url)
            elif n == "skypilot_catalog":
                body = skypilot(t, scale, url)
            else:
                body = {"openrouter": openrouter, "litellm": litellm, "lmarena_prices": lmarena_prices,
                        "lmarena": lmarena, "epoch": epoch, "spdx": spdx}[n](t, scale, drift)
            bodies.append(Body(url, url, body))
        out[source.name] = bodies
    return out


def write_recorded(bodies: dict[str, list[Body]], out: Path, observed_on: str) -> Path:
    """`<out>/<source>/index.json` + files, in the bundled recorded responses' layout."""
    for name, items in bodies.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for i, item in enumerate(items):
            file = f"{observed_on}-{i:04d}.bin"
            (folder / file).write_bytes(item.body)
            entries.append({"observed_on": observed_on, "url": item.url, "group": item.group, "file": file,
                            "citation": "synthetic body grown from the bundled recorded response (benchmarks)"})
        (folder / "index.json").write_text(json.dumps({"source": name, "responses": entries}, indent=1))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--observed-on", default="2026-11-01")
    args = parser.parse_args()
    bodies = generate(args.scale)
    write_recorded(bodies, args.out, args.observed_on)
    for name, items in sorted(bodies.items()):
        print(f"{name:<28} {len(items):>4} bodies {sum(len(b.body) for b in items) / 2**20:9.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
