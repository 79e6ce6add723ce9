"""`ledger advise`: the decision framework answered from the published tables (docs/advise.md).

Given a monthly volume, a token mix (or a usage export to derive them from) and the constraints
of the decision framework (data that must stay in house, no ML-ops team, an edge device, full
fine-tuning, monthly active users, vendor independence, the task's quality need), it ranks the
quarter's options by monthly cost: closed APIs (`api_cost_at_scale`), managed open-weight APIs
(`managed_inference`) and self-hosted deployments (`self_hosted_cost`, hidden costs included),
each with its tier, openness, license clauses, the crossover against the next option, and the
provenance of every number. Constraints exclude options by the rules of the cited rule table
`pipeline/curated/advise_rules.csv`, each exclusion with the rule and its evidence.

Pure: no Dagster. It reads the published warehouse read-only (answer.advise_published), so it
answers while a refresh runs. The report's calculator page embeds the same candidates and rules
and ports rules.py, costs.py and ranking.py to JavaScript (pipeline/report/templates/calculator.js).

Modules: inputs (what is asked), usage (a usage export -> volume and mix), tables (warehouse
reads), candidates (a quarter's options), rules (the rule table and its tests), costs (monthly
cost, crossover), ranking (rules + costs -> the ranked answer), answer (end to end), render (text).
"""
