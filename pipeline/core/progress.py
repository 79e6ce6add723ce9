"""Progress lines for people watching a refresh: one logger, printed by the CLI, captured by Dagster."""

import logging

progress = logging.getLogger("llm_ledger.progress")
