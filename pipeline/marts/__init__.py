"""Marts: the quarterly decision tables, computed from that quarter's snapshots and the assumptions.

Pure functions, no Dagster: `costs` (API and self-hosted cost, memory fit, TCO), `crossover`
(the exact break-even volume), `tiers` (quality tiers, open–closed gap), `api` (base prices and
the reference provider), `selfhosted` (deployments, crossover and TCO frames), `drift` (quarter
over quarter changes), `tables` (a quarter's mart frames), `checks` (what the asset checks test),
`assumptions` + `validation` (the versioned YAML and what-if overrides). `inputs` reads a
quarter's snapshots from the warehouse; `store` writes the marts. This package defines no
FAMILY: it has no sources of its own.
"""
