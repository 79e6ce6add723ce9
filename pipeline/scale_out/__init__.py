"""The team path: the warehouse published as Apache Iceberg tables, and a refresh lock on PostgreSQL.

Nothing here imports Dagster: the publish step calls `publish_configured`, the CLI calls
`cli.export_iceberg`, and the refresh selects `PostgresRefreshLock` when the Dagster instance
is on PostgreSQL. See docs/scale-out.md.

The names below are loaded on first use: pyiceberg takes half a second to import, and every
refresh imports this package while looking for source families.
"""

from importlib import import_module

_EXPORTS = {
    "publish_configured": "pipeline.scale_out.cli",
    "TableOutcome": "pipeline.scale_out.commit", "refresh_tag": "pipeline.scale_out.commit",
    "IcebergExportResult": "pipeline.scale_out.iceberg", "export_to_iceberg": "pipeline.scale_out.iceberg",
    "final_quarters": "pipeline.scale_out.iceberg", "final_quarters_in": "pipeline.scale_out.iceberg",
    "IcebergExportError": "pipeline.scale_out.target", "IcebergTarget": "pipeline.scale_out.target",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
