"""The `ledger` verbs that only read the published warehouse and launch nothing: `diff` and
`advise` (registered on the command group in pipeline/app/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter


@click.command()
@click.argument("qa", metavar="QA")
@click.argument("qb", metavar="QB")
@click.option("--limit", default=15, show_default=True, help="Lines per section (largest moves first).")
def diff(qa, qb, limit) -> None:
    """What moved from quarter QA to QB: prices, tiers, crossovers, GPU rates, licenses, open–closed gap."""
    from pipeline.app.diff import DiffError, diff_published

    try:
        old, new = Quarter.parse(qa), Quarter.parse(qb)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        click.echo(diff_published(Paths.from_env(), old, new, limit))
    except DiffError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@click.command()
@click.option("--requests-per-month", type=click.IntRange(min=1), metavar="N",
              help="Monthly request volume (required unless --usage gives it).")
@click.option("--input-tokens", type=click.IntRange(min=0), metavar="I",
              help="Input tokens per request (default: the quarter's assumptions request_mix).")
@click.option("--output-tokens", type=click.IntRange(min=1), metavar="O",
              help="Output tokens per request (default: the quarter's assumptions request_mix).")
@click.option("--usage", "usage_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A usage export (CSV, JSONL or JSON: OpenAI usage, LiteLLM spend logs) to derive the volume and "
                   "token mix from (docs/advise.md lists the columns).")
@click.option("--task", type=click.Choice(["complex", "structured"]),
              help="complex needs tier 1; structured accepts tier 2 (70B+ open-weight models credited).")
@click.option("--min-tier", type=click.IntRange(1, 3), help="Minimum quality tier: 1 frontier, 2 near-frontier, 3 any.")
@click.option("--data-in-house", is_flag=True, help="Data must not leave your infrastructure: no API.")
@click.option("--no-ml-ops", is_flag=True, help="No ML-ops team to run a deployment: no self-hosting.")
@click.option("--edge", is_flag=True, help="The model runs on the device: open weights that fit its memory budget.")
@click.option("--fine-tune", type=click.Choice(["full", "lora"]), help="full needs open weights.")
@click.option("--monthly-active-users", type=click.IntRange(min=0), metavar="N",
              help="Users a month: excludes licenses whose user threshold is lower (the clause is quoted).")
@click.option("--vendor-independence", is_flag=True, help="No closed model that one vendor can withdraw.")
@click.option("--quarter", metavar="YYYYQn", help="Answer as of this quarter (default: the latest).")
@click.option("--history", "with_history", is_flag=True, help="Also the top option and its cost in every quarter.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the documented contract (docs/advise.md).")
@click.option("--limit", default=10, show_default=True, help="Options listed in text output.")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Another rule table (default: pipeline/curated/advise_rules.csv).")
def advise(usage_file, quarter, with_history, fmt, limit, rules_file, **ask) -> None:
    """Rank closed APIs, managed open-weight APIs and self-hosted deployments by monthly cost for a volume
    and token mix, after the constraints; every exclusion with its rule and evidence. Read-only."""
    import json

    from pipeline.advise.answer import AdviseError, advise_published
    from pipeline.advise.inputs import InputError
    from pipeline.advise.render import render_text
    from pipeline.advise.rules import RULES_FILE, load_rules
    from pipeline.advise.usage import UsageError
    from pipeline.core.curated import CuratedError
    from pipeline.core.warehouse import UnreadableWarehouse

    if usage_file and (ask["input_tokens"] is not None or ask["output_tokens"] is not None):
        raise click.UsageError("give either --usage FILE or --input-tokens/--output-tokens, not both")
    try:
        if quarter:
            Quarter.parse(quarter)
        rules = load_rules(rules_file or RULES_FILE)
        result = advise_published(Paths.from_env(), ask, rules, quarter, with_history, usage_file)
    except (InputError, UsageError, CuratedError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    except (AdviseError, UnreadableWarehouse) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(result, indent=1, ensure_ascii=False) if fmt == "json" else render_text(result, limit))
