"""pandera (polars) models: one per family's observations and per published table.

They are the single description of every column (type, unit, meaning, allowed range); the data
dictionary is generated from them.
"""
