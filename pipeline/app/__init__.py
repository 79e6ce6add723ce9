"""The command line and what it writes outside Dagster: `ledger` verbs, the run summary, `ledger
status`, quarter-to-quarter diffs, exports, the data dictionary and the analysts' views."""
