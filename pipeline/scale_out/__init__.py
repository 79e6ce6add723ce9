"""The team path: the warehouse published as Apache Iceberg tables, and a refresh lock on PostgreSQL.

Nothing here imports Dagster: the publish step calls `publish_configured`, the CLI calls
`cli.export_iceberg`, and the refresh selects `PostgresRefreshLock` when the Dagster instance
is on PostgreSQL. See docs/scale-out.md.
"""

from pipeline.scale_out.cli import publish_configured
from pipeline.scale_out.commit import TableOutcome, refresh_tag
from pipeline.scale_out.iceberg import IcebergExportResult, export_to_iceberg, final_quarters, final_quarters_in
from pipeline.scale_out.target import IcebergExportError, IcebergTarget

__all__ = ["IcebergExportError", "IcebergExportResult", "IcebergTarget", "TableOutcome", "export_to_iceberg",
           "final_quarters", "final_quarters_in", "publish_configured", "refresh_tag"]
