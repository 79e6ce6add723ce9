"""Resource bindings for every asset in the folder (the classes live in pipeline/resources.py)."""

import dagster as dg

from pipeline.resources import HttpResource, LedgerSettings, WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"settings": LedgerSettings(), "http": HttpResource(),
                                     "warehouse": WarehouseResource()})
