"""Licenses: archived license texts, the SPDX list and model cards; from them the `licenses`
versions with their clauses, `license_changes`, and the quarterly `openness_spectrum`."""

from pipeline.core.family import Family
from pipeline.licenses.guards import GUARDS
from pipeline.licenses.report import status_report
from schemas.licenses import LicenseObservation

FAMILY = Family(
    name="licenses",
    observation_table="license_observations",
    key_columns=("kind", "subject"),
    schema=LicenseObservation,
    guards=GUARDS,
    description="License texts by URL, SPDX license list entries, model cards' declared licenses",
    status_report=status_report,
)
