"""Dagster definitions, loaded as a folder (`dg.load_from_defs_folder`): every asset, check and
schedule defined at module level below this package is picked up; nothing lists them by hand."""
