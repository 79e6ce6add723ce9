"""The pure core: no Dagster imports anywhere below this package."""
